//! Reads for conversations: who is in one, a member's list with unread counts, message
//! pages, and the standing (shared networks, blocks) that decides who may send.

use super::model;
use super::views::{ConversationView, MessageView};
use crate::db::placeholders;
use crate::entities::{conversation_participants, conversations, direct_messages, member_blocks};
use crate::error::{ApiError, ApiResult};
use crate::grouping::group_by_key;
use crate::ids::{ApiId, MemberId};
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use crate::networks::visibility;
use crate::paging::IdPage;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Position in the list of conversations, latest activity first.
#[derive(Debug, Serialize, Deserialize)]
pub struct ActivityCursor {
    #[serde(rename = "t")]
    pub last_message_at: DateTime<Utc>,
    #[serde(rename = "i")]
    pub id: i64,
}

/// The conversation, if `viewer` takes part in it; 404 otherwise, whoever they are.
pub async fn load_as_participant(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    conversation_id: i64,
) -> ApiResult<(conversations::Model, Vec<i64>)> {
    let participants = participant_ids(db, conversation_id).await?;
    if !participants.contains(&viewer.get()) {
        return Err(ApiError::NotFound);
    }
    let conversation = conversations::Entity::find_by_id(conversation_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((conversation, participants))
}

pub async fn participant_ids(
    db: &impl ConnectionTrait,
    conversation_id: i64,
) -> Result<Vec<i64>, DbErr> {
    conversation_participants::Entity::find()
        .select_only()
        .column(conversation_participants::Column::MemberId)
        .filter(conversation_participants::Column::ConversationId.eq(conversation_id))
        .order_by_asc(conversation_participants::Column::MemberId)
        .into_tuple()
        .all(db)
        .await
}

/// The conversation of exactly `a` and `b`, if they have one.
pub async fn between_two(db: &impl ConnectionTrait, a: i64, b: i64) -> Result<Option<i64>, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                "SELECT p.conversation_id FROM conversation_participants p \
                 JOIN conversation_participants q ON q.conversation_id = p.conversation_id AND q.member_id = ? \
                 WHERE p.member_id = ? \
                   AND (SELECT COUNT(*) FROM conversation_participants r \
                        WHERE r.conversation_id = p.conversation_id) = 2 \
                 ORDER BY p.conversation_id LIMIT 1",
            ),
            [Value::from(b), Value::from(a)],
        ))
        .await?;
    row.map(|row| row.try_get_by::<i64, _>(0)).transpose()
}

/// `(blocker, blocked)` pairs among `members`.
pub async fn blocks_among(
    db: &impl ConnectionTrait,
    members: &[i64],
) -> Result<Vec<(i64, i64)>, DbErr> {
    if members.len() < 2 {
        return Ok(Vec::new());
    }
    member_blocks::Entity::find()
        .select_only()
        .column(member_blocks::Column::BlockerId)
        .column(member_blocks::Column::BlockedId)
        .filter(member_blocks::Column::BlockerId.is_in(members.iter().copied()))
        .filter(member_blocks::Column::BlockedId.is_in(members.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// Whether `sender` may send to `others` now (see `model::may_send`).
pub async fn may_send(
    db: &impl ConnectionTrait,
    sender: i64,
    others: &[i64],
) -> Result<Result<(), model::Refusal>, DbErr> {
    let everyone: Vec<i64> = others.iter().copied().chain([sender]).collect();
    let networks = visibility::members_networks(db, &everyone).await?;
    let blocks = blocks_among(db, &everyone).await?;
    Ok(model::may_send(sender, others, &networks, &blocks))
}

/// A page of `viewer`'s conversations, latest activity first.
pub async fn page(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    cursor: Option<&ActivityCursor>,
    limit: u64,
) -> Result<Vec<conversations::Model>, DbErr> {
    let mut query = conversations::Entity::find().filter(
        conversations::Column::Id.in_subquery(
            Query::select()
                .column(conversation_participants::Column::ConversationId)
                .from(conversation_participants::Entity)
                .and_where(conversation_participants::Column::MemberId.eq(viewer))
                .to_owned(),
        ),
    );
    if let Some(cursor) = cursor {
        query = query.filter(
            Condition::any()
                .add(conversations::Column::LastMessageAt.lt(cursor.last_message_at))
                .add(
                    Condition::all()
                        .add(conversations::Column::LastMessageAt.eq(cursor.last_message_at))
                        .add(conversations::Column::Id.lt(cursor.id)),
                ),
        );
    }
    query
        .order_by_desc(conversations::Column::LastMessageAt)
        .order_by_desc(conversations::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await
}

/// Unread messages (from others, after the viewer's marker) per conversation; all of the
/// viewer's conversations when `only` is `None`.
pub async fn unread_counts(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    only: Option<&[i64]>,
) -> Result<HashMap<i64, u64>, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = String::from(
        "SELECT m.conversation_id, COUNT(*) FROM direct_messages m \
         JOIN conversation_participants p ON p.conversation_id = m.conversation_id AND p.member_id = ? \
         WHERE m.id > p.last_read_message_id AND m.author_id <> ?",
    );
    let mut values = vec![Value::from(viewer), Value::from(viewer)];
    if let Some(ids) = only {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        sql.push_str(&format!(
            " AND m.conversation_id IN ({})",
            vec!["?"; ids.len()].join(", ")
        ));
        values.extend(ids.iter().map(|id| Value::from(*id)));
    }
    sql.push_str(" GROUP BY m.conversation_id");
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            placeholders(backend, &sql),
            values,
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get_by::<i64, _>(0)?,
                row.try_get_by::<i64, _>(1)?.max(0) as u64,
            ))
        })
        .collect()
}

/// How `viewer` sees `rows`: participants, the last message, unread counts, whether they
/// may send; a few queries for the whole page.
pub async fn views(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    rows: &[conversations::Model],
) -> Result<Vec<ConversationView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let memberships = conversation_participants::Entity::find()
        .filter(conversation_participants::Column::ConversationId.is_in(ids.clone()))
        .order_by_asc(conversation_participants::Column::MemberId)
        .all(db)
        .await?;
    let mut everyone: Vec<i64> = memberships.iter().map(|m| m.member_id).collect();
    everyone.sort_unstable();
    everyone.dedup();
    let people = member_queries::find_many(db, &everyone).await?;
    let networks = visibility::members_networks(db, &everyone).await?;
    let blocks = blocks_among(db, &everyone).await?;
    let markers: HashMap<i64, i64> = memberships
        .iter()
        .filter(|m| m.member_id == viewer.get())
        .map(|m| (m.conversation_id, m.last_read_message_id))
        .collect();
    let by_conversation = group_by_key(memberships, |m| (m.conversation_id, m.member_id));
    let last_ids: Vec<i64> = rows.iter().map(|r| r.last_message_id).collect();
    let last_messages: HashMap<i64, direct_messages::Model> = direct_messages::Entity::find()
        .filter(direct_messages::Column::Id.is_in(last_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let unread = unread_counts(db, viewer, Some(&ids)).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let participants = by_conversation.get(&row.id).cloned().unwrap_or_default();
            let others: Vec<i64> = participants
                .iter()
                .copied()
                .filter(|p| *p != viewer.get())
                .collect();
            ConversationView {
                id: ApiId(row.id),
                participants: participants
                    .iter()
                    .filter_map(|p| people.get(p))
                    .map(MemberRef::from)
                    .collect(),
                last_message: last_messages
                    .get(&row.last_message_id)
                    .map(|m| MessageView::new(m, people.get(&m.author_id).map(MemberRef::from))),
                last_message_at: row.last_message_at,
                unread_count: unread.get(&row.id).copied().unwrap_or(0),
                last_read_message_id: markers
                    .get(&row.id)
                    .copied()
                    .filter(|id| *id > 0)
                    .map(ApiId),
                can_send: model::may_send(viewer.get(), &others, &networks, &blocks).is_ok(),
                url: format!("/conversations/{}", row.id),
                created_at: row.created_at,
            }
        })
        .collect())
}

/// A page of a conversation's messages, newest first.
pub async fn messages_page(
    db: &impl ConnectionTrait,
    conversation_id: i64,
    page: IdPage,
) -> Result<Vec<direct_messages::Model>, DbErr> {
    let query = direct_messages::Entity::find()
        .filter(direct_messages::Column::ConversationId.eq(conversation_id));
    page.descending(query, direct_messages::Column::Id)
        .all(db)
        .await
}

pub async fn message_views(
    db: &impl ConnectionTrait,
    rows: &[direct_messages::Model],
) -> Result<Vec<MessageView>, DbErr> {
    let authors: Vec<i64> = rows.iter().map(|m| m.author_id).collect();
    let people = member_queries::find_many(db, &authors).await?;
    Ok(rows
        .iter()
        .map(|m| MessageView::new(m, people.get(&m.author_id).map(MemberRef::from)))
        .collect())
}
