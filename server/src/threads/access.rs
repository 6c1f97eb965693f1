//! Reaching a thread or a post: through its network's access rule, 404 otherwise.

use crate::entities::{posts, threads};
use crate::error::{ApiError, ApiResult};
use crate::networks::{network_access, NetworkAccess};
use sea_orm::{ConnectionTrait, EntityTrait};

/// A live (not deleted) thread the caller may see.
pub async fn thread_access(
    db: &impl ConnectionTrait,
    member_id: i64,
    thread_id: i64,
) -> ApiResult<(threads::Model, NetworkAccess)> {
    let thread = threads::Entity::find_by_id(thread_id)
        .one(db)
        .await?
        .filter(|thread| thread.deleted_at.is_none())
        .ok_or(ApiError::NotFound)?;
    let access = network_access(db, member_id, thread.network_id).await?;
    Ok((thread, access))
}

/// A post (possibly a tombstone) in a live thread the caller may see.
pub async fn post_access(
    db: &impl ConnectionTrait,
    member_id: i64,
    post_id: i64,
) -> ApiResult<(posts::Model, threads::Model, NetworkAccess)> {
    let post = posts::Entity::find_by_id(post_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (thread, access) = thread_access(db, member_id, post.thread_id).await?;
    Ok((post, thread, access))
}

/// Authors may change their own content; facilitators may change anyone's.
pub fn require_author_or_facilitator(
    access: &NetworkAccess,
    author_id: i64,
    member_id: i64,
) -> ApiResult<()> {
    if author_id == member_id || access.is_facilitator() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Only the author or a facilitator can change this.",
        ))
    }
}
