//! Reads about members.

use crate::entities::{email_opt_outs, help_requests, help_responses, member_expertise, members};
use crate::grouping::group_by_key;
use crate::ids::MemberId;
use crate::mail::unsubscribe::EmailKind;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use std::collections::{HashMap, HashSet};

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<members::Model>, DbErr> {
    members::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<members::Model>, DbErr> {
    members::Entity::find()
        .filter(members::Column::Email.eq(email))
        .one(db)
        .await
}

pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, members::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = members::Entity::find()
        .filter(members::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|member| (member.id, member)).collect())
}

pub async fn expertise_of(db: &impl ConnectionTrait, member_id: i64) -> Result<Vec<String>, DbErr> {
    Ok(expertise_of_many(db, &[member_id])
        .await?
        .remove(&member_id)
        .unwrap_or_default())
}

pub async fn expertise_of_many(
    db: &impl ConnectionTrait,
    member_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, DbErr> {
    if member_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = member_expertise::Entity::find()
        .filter(member_expertise::Column::MemberId.is_in(member_ids.iter().copied()))
        .order_by_asc(member_expertise::Column::Tag)
        .all(db)
        .await?;
    Ok(group_by_key(rows, |row| (row.member_id, row.tag)))
}

/// Takes `member_id`'s row for composing their mail in `txn`, first thing in it: `false`
/// when another PostgreSQL transaction holds it (see `lock_many_for_mail`).
pub async fn lock_for_mail(txn: &impl ConnectionTrait, member_id: i64) -> Result<bool, DbErr> {
    Ok(lock_many_for_mail(txn, &[member_id])
        .await?
        .contains(&member_id))
}

/// Takes the rows of `members` for composing their mail in `txn`, first thing in it, and
/// says which it holds: on PostgreSQL those no other transaction holds (the caller leaves
/// the rest rather than wait); on SQLite all of them, the transaction having taken the
/// write lock when it began (`db::begin_write`).
pub async fn lock_many_for_mail(
    txn: &impl ConnectionTrait,
    members: &[i64],
) -> Result<HashSet<i64>, DbErr> {
    if members.is_empty() {
        return Ok(HashSet::new());
    }
    let backend = txn.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        // The transaction holds SQLite's write lock already (`db::begin_write`).
        return Ok(members.iter().copied().collect());
    }
    let slots = vec!["?"; members.len()].join(", ");
    let sql = format!("SELECT id FROM members WHERE id IN ({slots}) FOR UPDATE SKIP LOCKED");
    let rows = txn
        .query_all(Statement::from_sql_and_values(
            backend,
            crate::db::placeholders(backend, &sql),
            members.iter().map(|id| (*id).into()),
        ))
        .await?;
    rows.iter().map(|row| row.try_get("", "id")).collect()
}

/// The kinds of notification email `member_id` turned off.
pub async fn email_opt_outs(
    db: &impl ConnectionTrait,
    member_id: i64,
) -> Result<Vec<EmailKind>, DbErr> {
    let rows = email_opt_outs::Entity::find()
        .filter(email_opt_outs::Column::MemberId.eq(member_id))
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| EmailKind::parse(&row.kind))
        .collect())
}

/// Whether two members take part in at least one common network: a membership, or a
/// sub-network of one they facilitate (the rule direct messages follow too).
pub async fn share_a_network(db: &impl ConnectionTrait, a: i64, b: i64) -> Result<bool, DbErr> {
    let networks = crate::networks::visibility::members_networks(db, &[a, b]).await?;
    let of = |member: i64| networks.get(&member).cloned().unwrap_or_default();
    let theirs = of(b);
    Ok(of(a).iter().any(|network| theirs.contains(network)))
}

/// Handles equal to `base` or of the form `base-…`, in any case (mentions match handles
/// case-insensitively, so `Roxy-Heiser` takes `roxy-heiser`), lowercased.
pub async fn handles_like(
    db: &impl ConnectionTrait,
    base: &str,
) -> Result<std::collections::HashSet<String>, DbErr> {
    use sea_orm::sea_query::{Expr, Func};
    let lowered = || Expr::expr(Func::lower(Expr::col(members::Column::Handle)));
    let rows: Vec<String> = members::Entity::find()
        .select_only()
        .column(members::Column::Handle)
        .filter(
            sea_orm::Condition::any()
                .add(lowered().eq(base))
                .add(lowered().like(format!("{base}-%"))),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|h| h.to_lowercase()).collect())
}

pub async fn any_member_exists(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(members::Entity::find().one(db).await?.is_some())
}

/// How many of a member's responses were accepted (their credit as a helper).
pub async fn accepted_answer_count(
    db: &impl ConnectionTrait,
    member_id: MemberId,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    help_requests::Entity::find()
        .filter(help_requests::Column::DeletedAt.is_null())
        .filter(
            help_requests::Column::AcceptedResponseId.in_subquery(
                Query::select()
                    .column(help_responses::Column::Id)
                    .from(help_responses::Entity)
                    .and_where(help_responses::Column::AuthorId.eq(member_id))
                    .to_owned(),
            ),
        )
        .count(db)
        .await
}
