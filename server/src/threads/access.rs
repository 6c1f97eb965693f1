//! Reaching a post: through its thread, and the thread's network's access rule; 404
//! otherwise. Threads themselves load through `networks::access::load`.

use crate::entities::{posts, threads};
use crate::error::{ApiError, ApiResult};
use crate::ids::MemberId;
use crate::networks::access::{self, InNetwork, NetworkAccess};
use sea_orm::{ConnectionTrait, EntityTrait};

/// A live (not deleted) thread the caller may see.
pub async fn thread_access(
    db: &impl ConnectionTrait,
    member_id: i64,
    thread_id: i64,
) -> ApiResult<(threads::Model, NetworkAccess)> {
    access::load::<threads::Entity>(db, MemberId(member_id), thread_id).await
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

impl InNetwork for threads::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}
