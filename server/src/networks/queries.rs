//! Reads about networks and their members.

use super::visibility::{visible_networks, VisibleNetworks};
use crate::entities::{
    member_expertise, members, network_members, networks, read_markers, thread_subscriptions,
    threads,
};
use crate::ids::{MemberId, NetworkId};
use crate::paging::IdPage;
use sea_orm::sea_query::{Expr, Func, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use std::collections::HashMap;

pub async fn member_counts(
    db: &impl ConnectionTrait,
    network_ids: &[i64],
) -> Result<HashMap<i64, u64>, DbErr> {
    if network_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = network_members::Entity::find()
        .select_only()
        .column(network_members::Column::NetworkId)
        .column_as(network_members::Column::MemberId.count(), "count")
        .filter(network_members::Column::NetworkId.is_in(network_ids.iter().copied()))
        .group_by(network_members::Column::NetworkId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, count)| (id, count.max(0) as u64))
        .collect())
}

pub async fn memberships_of(
    db: &impl ConnectionTrait,
    member_id: MemberId,
) -> Result<HashMap<i64, network_members::Model>, DbErr> {
    Ok(network_members::Entity::find()
        .filter(network_members::Column::MemberId.eq(member_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.network_id, m))
        .collect())
}

/// Networks the member belongs to plus listed ones (all of them for admins), by id.
pub async fn list_for_member(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    is_admin: bool,
    page: IdPage,
) -> Result<Vec<networks::Model>, DbErr> {
    let mut query = networks::Entity::find();
    if !is_admin {
        query = query.filter(
            Condition::any()
                .add(networks::Column::Visibility.eq("listed"))
                .add(
                    networks::Column::Id.in_subquery(
                        Query::select()
                            .column(network_members::Column::NetworkId)
                            .from(network_members::Entity)
                            .and_where(network_members::Column::MemberId.eq(member_id))
                            .to_owned(),
                    ),
                ),
        );
    }
    page.ascending(query, networks::Column::Id).all(db).await
}

/// Members of a network by member id, optionally only those with an expertise tag, and
/// only those whose handle or a word of whose display name starts with `name_prefix`
/// (lowercase; compared with the stored text lowercased).
pub async fn members_page(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    expertise: Option<&str>,
    name_prefix: Option<&str>,
    page: IdPage,
) -> Result<Vec<network_members::Model>, DbErr> {
    let mut query =
        network_members::Entity::find().filter(network_members::Column::NetworkId.eq(network_id));
    if let Some(prefix) = name_prefix {
        let escaped = prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let like = |pattern: String| LikeExpr::new(pattern).escape('\\');
        let lowered = |column: members::Column| Expr::expr(Func::lower(Expr::col(column)));
        query = query.filter(
            network_members::Column::MemberId.in_subquery(
                Query::select()
                    .column(members::Column::Id)
                    .from(members::Entity)
                    .cond_where(
                        Condition::any()
                            .add(lowered(members::Column::Handle).like(like(format!("{escaped}%"))))
                            .add(
                                lowered(members::Column::DisplayName)
                                    .like(like(format!("{escaped}%"))),
                            )
                            .add(
                                lowered(members::Column::DisplayName)
                                    .like(like(format!("% {escaped}%"))),
                            ),
                    )
                    .to_owned(),
            ),
        );
    }
    if let Some(tag) = expertise {
        query = query.filter(
            network_members::Column::MemberId.in_subquery(
                Query::select()
                    .column(member_expertise::Column::MemberId)
                    .from(member_expertise::Entity)
                    .and_where(member_expertise::Column::Tag.eq(tag))
                    .to_owned(),
            ),
        );
    }
    page.ascending(query, network_members::Column::MemberId)
        .all(db)
        .await
}

pub async fn facilitator_count(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
) -> Result<u64, DbErr> {
    network_members::Entity::find()
        .filter(network_members::Column::NetworkId.eq(network_id))
        .filter(network_members::Column::Role.eq("facilitator"))
        .count(db)
        .await
}

/// Serializes membership changes of one network until the transaction ends (PostgreSQL row
/// lock; SQLite's single writer already serializes them), so two facilitators demoting each
/// other cannot both pass the "another facilitator remains" check.
pub async fn lock_network(db: &impl ConnectionTrait, network_id: NetworkId) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        networks::Entity::find_by_id(network_id)
            .lock_exclusive()
            .one(db)
            .await?;
    }
    Ok(())
}

/// Clears a member's follow levels and read markers on the threads of every network they can
/// no longer see (sub-networks included), after a change that took some away.
pub async fn forget_unseen_thread_state(
    db: &impl ConnectionTrait,
    member_id: MemberId,
) -> Result<(), DbErr> {
    let VisibleNetworks::Only(visible) = visible_networks(db, member_id).await? else {
        return Ok(());
    };
    let unseen = || {
        Query::select()
            .column(threads::Column::Id)
            .from(threads::Entity)
            .and_where(threads::Column::NetworkId.is_not_in(visible.iter().copied()))
            .to_owned()
    };
    thread_subscriptions::Entity::delete_many()
        .filter(thread_subscriptions::Column::MemberId.eq(member_id))
        .filter(thread_subscriptions::Column::ThreadId.in_subquery(unseen()))
        .exec(db)
        .await?;
    read_markers::Entity::delete_many()
        .filter(read_markers::Column::MemberId.eq(member_id))
        .filter(read_markers::Column::ThreadId.in_subquery(unseen()))
        .exec(db)
        .await?;
    Ok(())
}

/// The names of networks `ids` (anonymous askers' labels, a digest's footer and links).
pub async fn names(
    db: &impl ConnectionTrait,
    mut ids: Vec<i64>,
) -> Result<HashMap<i64, String>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(networks::Entity::find()
        .select_only()
        .column(networks::Column::Id)
        .column(networks::Column::Name)
        .filter(networks::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}
