//! `GET /me/export`: a member's own data, portable.

use super::queries;
use super::views::MemberView;
use crate::entities::{network_members, posts, reactions, thread_subscriptions, threads};
use crate::error::{ApiError, ApiResult};
use crate::ids::ApiId;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

#[derive(Serialize)]
pub struct MemberExport {
    pub exported_at: DateTime<Utc>,
    pub profile: MemberView,
    pub memberships: Vec<ExportedMembership>,
    pub threads: Vec<ExportedThread>,
    pub posts: Vec<ExportedPost>,
    pub reactions: Vec<ExportedReaction>,
    pub thread_notification_levels: Vec<ExportedLevel>,
    #[serde(flatten)]
    pub contributions: super::contributions::Contributions,
}

#[derive(Serialize)]
pub struct ExportedMembership {
    pub network_id: ApiId,
    pub role: String,
    pub notification_level: String,
    pub joined_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct ExportedThread {
    pub id: ApiId,
    pub network_id: ApiId,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
pub struct ExportedPost {
    pub id: ApiId,
    pub thread_id: ApiId,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
pub struct ExportedReaction {
    pub post_id: ApiId,
    pub kind: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct ExportedLevel {
    pub thread_id: ApiId,
    pub level: String,
}

pub async fn export_member(db: &impl ConnectionTrait, member_id: i64) -> ApiResult<MemberExport> {
    let member = queries::find(db, member_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let memberships = network_members::Entity::find()
        .filter(network_members::Column::MemberId.eq(member_id))
        .all(db)
        .await?;
    let threads = threads::Entity::find()
        .filter(threads::Column::AuthorId.eq(member_id))
        .order_by_asc(threads::Column::Id)
        .all(db)
        .await?;
    // Deleted posts keep their source in the database; a member's export includes it.
    let posts = posts::Entity::find()
        .filter(posts::Column::AuthorId.eq(member_id))
        .order_by_asc(posts::Column::Id)
        .all(db)
        .await?;
    let reactions = reactions::Entity::find()
        .filter(reactions::Column::MemberId.eq(member_id))
        .all(db)
        .await?;
    let levels = thread_subscriptions::Entity::find()
        .filter(thread_subscriptions::Column::MemberId.eq(member_id))
        .all(db)
        .await?;
    Ok(MemberExport {
        exported_at: crate::clock::now(),
        profile: MemberView::load(db, &member).await?,
        memberships: memberships
            .into_iter()
            .map(|m| ExportedMembership {
                network_id: ApiId(m.network_id),
                role: m.role,
                notification_level: m.notification_level,
                joined_at: m.joined_at,
            })
            .collect(),
        threads: threads
            .into_iter()
            .map(|t| ExportedThread {
                id: ApiId(t.id),
                network_id: ApiId(t.network_id),
                title: t.title,
                created_at: t.created_at,
                deleted_at: t.deleted_at,
            })
            .collect(),
        posts: posts
            .into_iter()
            .map(|p| ExportedPost {
                id: ApiId(p.id),
                thread_id: ApiId(p.thread_id),
                body: p.body,
                created_at: p.created_at,
                edited_at: p.edited_at,
                deleted_at: p.deleted_at,
            })
            .collect(),
        reactions: reactions
            .into_iter()
            .map(|r| ExportedReaction {
                post_id: ApiId(r.post_id),
                kind: r.kind,
                created_at: r.created_at,
            })
            .collect(),
        thread_notification_levels: levels
            .into_iter()
            .map(|l| ExportedLevel {
                thread_id: ApiId(l.thread_id),
                level: l.level,
            })
            .collect(),
        contributions: super::contributions::of(db, member_id).await?,
    })
}
