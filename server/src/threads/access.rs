//! Reaching a post: through its thread, and the thread's network's access rule; 404
//! otherwise. Threads themselves load through `networks::access::load`.

use crate::entities::{posts, threads};
use crate::error::{ApiError, ApiResult};
use crate::ids::{MemberId, PostId, ThreadId};
use crate::networks::access::{self, InNetwork, NetworkAccess};
use sea_orm::{ConnectionTrait, EntityTrait};

/// A live (not deleted) thread the caller may see.
pub async fn thread_access(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    thread_id: ThreadId,
) -> ApiResult<(threads::Model, NetworkAccess)> {
    access::load::<threads::Entity>(db, member_id, thread_id.get()).await
}

/// A post (possibly a tombstone) in a live thread the caller may see.
pub async fn post_access(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    post_id: PostId,
) -> ApiResult<(posts::Model, threads::Model, NetworkAccess)> {
    let post = posts::Entity::find_by_id(post_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (thread, access) = thread_access(db, member_id, ThreadId(post.thread_id)).await?;
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
