//! A member's relation to a thread: follow level and read position.

use super::access::thread_access;
use super::queries;
use crate::entities::{posts, read_markers, thread_subscriptions};
use crate::error::{ApiError, ApiResult};
use crate::ids::ApiId;
use crate::notifications::NotificationLevel;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Set,
    TransactionTrait,
};
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
    thread_id: i64,
    member_id: i64,
    level: NotificationLevel,
) -> Result<(), DbErr> {
    let now = crate::clock::now();
    match thread_subscriptions::Entity::find_by_id((thread_id, member_id))
        .one(txn)
        .await?
    {
        Some(existing) => {
            let mut active: thread_subscriptions::ActiveModel = existing.into();
            active.level = Set(level.as_str().to_owned());
            active.updated_at = Set(now);
            active.update(txn).await?;
        }
        None => {
            thread_subscriptions::ActiveModel {
                thread_id: Set(thread_id),
                member_id: Set(member_id),
                level: Set(level.as_str().to_owned()),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// Sets a level only if the member never chose one (replying makes you track a thread,
/// but never overrides "muted" or "watching").
pub async fn set_level_if_unset(
    txn: &impl ConnectionTrait,
    thread_id: i64,
    member_id: i64,
    level: NotificationLevel,
) -> Result<(), DbErr> {
    if thread_subscriptions::Entity::find_by_id((thread_id, member_id))
        .one(txn)
        .await?
        .is_none()
    {
        set_level_in(txn, thread_id, member_id, level).await?;
    }
    Ok(())
}

pub async fn set_level(
    db: &DatabaseConnection,
    actor: i64,
    thread_id: i64,
    level: NotificationLevel,
) -> ApiResult<NotificationLevel> {
    let txn = db.begin().await?;
    thread_access(&txn, actor, thread_id).await?;
    set_level_in(&txn, thread_id, actor, level).await?;
    txn.commit().await?;
    Ok(level)
}

pub async fn advance_read_marker(
    txn: &impl ConnectionTrait,
    thread_id: i64,
    member_id: i64,
    post_id: i64,
) -> Result<i64, DbErr> {
    let now = crate::clock::now();
    match read_markers::Entity::find_by_id((thread_id, member_id))
        .one(txn)
        .await?
    {
        Some(existing) if existing.last_read_post_id >= post_id => Ok(existing.last_read_post_id),
        Some(existing) => {
            let mut active: read_markers::ActiveModel = existing.into();
            active.last_read_post_id = Set(post_id);
            active.updated_at = Set(now);
            active.update(txn).await?;
            Ok(post_id)
        }
        None => {
            read_markers::ActiveModel {
                thread_id: Set(thread_id),
                member_id: Set(member_id),
                last_read_post_id: Set(post_id),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
            Ok(post_id)
        }
    }
}

pub async fn mark_read(
    db: &DatabaseConnection,
    actor: i64,
    thread_id: i64,
    body: ReadMarkerBody,
) -> ApiResult<ReadState> {
    let txn = db.begin().await?;
    thread_access(&txn, actor, thread_id).await?;
    let post = posts::Entity::find_by_id(body.last_read_post_id.0)
        .one(&txn)
        .await?;
    if post.is_none_or(|p| p.thread_id != thread_id) {
        return Err(ApiError::invalid(
            "last_read_post_id",
            "is not a post in this thread",
        ));
    }
    let marker = advance_read_marker(&txn, thread_id, actor, body.last_read_post_id.0).await?;
    let markers = HashMap::from([(thread_id, marker)]);
    let unread = queries::unread_counts(&txn, &markers, &[thread_id]).await?;
    txn.commit().await?;
    Ok(ReadState {
        thread_id: ApiId(thread_id),
        last_read_post_id: ApiId(marker),
        unread_count: unread.get(&thread_id).copied().unwrap_or(0),
    })
}
