//! A member's relation to a thread: follow level and read position.

use super::access::thread_access;
use super::queries;
use crate::db::Writer;
use crate::entities::{posts, read_markers, thread_subscriptions};
use crate::error::{ApiError, ApiResult};
use crate::ids::{ApiId, MemberId, PostId, ThreadId};
use crate::notification_level::NotificationLevel;
use crate::notifications::settle::{settle, Subject};
use crate::tx::Tx;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadMarkerBody {
    /// The last post the member has seen; markers only move forward.
    pub last_read_post_id: ApiId,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadState {
    pub thread_id: ApiId,
    pub last_read_post_id: ApiId,
    pub unread_count: u64,
}

pub async fn set_level_in(
    txn: &impl ConnectionTrait,
    thread_id: ThreadId,
    member_id: MemberId,
    level: NotificationLevel,
) -> Result<(), DbErr> {
    upsert_level(txn, thread_id, member_id, level, true).await
}

/// Sets a level only if the member never chose one (replying makes you track a thread,
/// but never overrides "muted" or "watching").
pub async fn set_level_if_unset(
    txn: &impl ConnectionTrait,
    thread_id: ThreadId,
    member_id: MemberId,
    level: NotificationLevel,
) -> Result<(), DbErr> {
    upsert_level(txn, thread_id, member_id, level, false).await
}

async fn upsert_level(
    txn: &impl ConnectionTrait,
    thread_id: ThreadId,
    member_id: MemberId,
    level: NotificationLevel,
    overwrite: bool,
) -> Result<(), DbErr> {
    let mut on_conflict = OnConflict::columns([
        thread_subscriptions::Column::ThreadId,
        thread_subscriptions::Column::MemberId,
    ]);
    if overwrite {
        on_conflict.update_columns([
            thread_subscriptions::Column::Level,
            thread_subscriptions::Column::UpdatedAt,
        ]);
    } else {
        on_conflict.do_nothing();
    }
    thread_subscriptions::Entity::insert(thread_subscriptions::ActiveModel {
        thread_id: Set(thread_id.get()),
        member_id: Set(member_id.get()),
        level: Set(level.as_str().to_owned()),
        updated_at: Set(crate::clock::now()),
    })
    .on_conflict(on_conflict)
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

pub async fn set_level(
    db: &Writer,
    actor: MemberId,
    thread_id: ThreadId,
    level: NotificationLevel,
) -> ApiResult<NotificationLevel> {
    let txn = Tx::begin(db).await?;
    thread_access(&txn, actor, thread_id).await?;
    set_level_in(&txn, thread_id, actor, level).await?;
    txn.commit().await?;
    Ok(level)
}

/// Moves a member's read marker forward to `post_id` (never back) and settles their
/// notifications about the posts it is past now (`notifications::settle`); returns where it
/// is.
pub async fn advance_read_marker(
    txn: &Tx,
    thread_id: ThreadId,
    member_id: MemberId,
    post_id: PostId,
) -> Result<i64, DbErr> {
    let now = crate::clock::now();
    read_markers::Entity::update_many()
        .col_expr(read_markers::Column::LastReadPostId, Expr::value(post_id))
        .col_expr(read_markers::Column::UpdatedAt, Expr::value(now))
        .filter(read_markers::Column::ThreadId.eq(thread_id))
        .filter(read_markers::Column::MemberId.eq(member_id))
        .filter(read_markers::Column::LastReadPostId.lt(post_id))
        .exec(txn)
        .await?;
    read_markers::Entity::insert(read_markers::ActiveModel {
        thread_id: Set(thread_id.get()),
        member_id: Set(member_id.get()),
        last_read_post_id: Set(post_id.get()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            read_markers::Column::ThreadId,
            read_markers::Column::MemberId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let marker = read_markers::Entity::find_by_id((thread_id.get(), member_id.get()))
        .one(txn)
        .await?
        .map_or(post_id.get(), |marker| marker.last_read_post_id);
    settle(
        txn,
        member_id,
        Subject::ThreadUpTo(thread_id, PostId(marker)),
    )
    .await?;
    Ok(marker)
}

pub async fn mark_read(
    db: &Writer,
    actor: MemberId,
    thread_id: ThreadId,
    body: ReadMarkerBody,
) -> ApiResult<ReadState> {
    let txn = Tx::begin(db).await?;
    thread_access(&txn, actor, thread_id).await?;
    let post = posts::Entity::find_by_id(body.last_read_post_id.0)
        .one(&txn)
        .await?;
    if post.is_none_or(|p| p.thread_id != thread_id.get()) {
        return Err(ApiError::invalid(
            "last_read_post_id",
            "is not a post in this thread",
        ));
    }
    let marker =
        advance_read_marker(&txn, thread_id, actor, PostId(body.last_read_post_id.0)).await?;
    let markers = HashMap::from([(thread_id.get(), marker)]);
    let unread = queries::unread_counts(&txn, &markers, &[thread_id.get()]).await?;
    txn.commit().await?;
    Ok(ReadState {
        thread_id: ApiId(thread_id.get()),
        last_read_post_id: ApiId(marker),
        unread_count: unread.get(&thread_id.get()).copied().unwrap_or(0),
    })
}
