//! Reading a member's notifications, hiding those from networks they can no longer see and
//! those about something deleted since, with the words of what they are about as it is now.

use super::describe::Line;
use super::subjects::{self, Subjects};
use crate::entities::notifications;
use crate::ids::ApiId;
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use crate::paging::IdPage;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: ApiId,
    /// `mentioned`, `replied`, `posted`, `help_responded`, `help_offered`, `answer_accepted`,
    /// `expertise_requested`, `invited`, `action_item_assigned`.
    pub kind: String,
    /// `post`, `help_request`, `action_item`, `network`, …; `thread` for a group.
    pub subject_type: String,
    pub subject_id: ApiId,
    pub network_id: Option<ApiId>,
    pub actor: Option<MemberRef>,
    /// Kind-specific details: related ids, and for posts and help requests their current
    /// words (`thread_title` and `excerpt`, or `title`), read when listed.
    pub data: serde_json::Value,
    /// What happened, in words ("Cal Colleague mentioned you in “Bus routes”"), as
    /// notification emails say it.
    pub headline: String,
    /// An excerpt or a detail; may be empty.
    pub detail: String,
    /// The web address it leads to (see "Web addresses"), relative to the instance.
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    /// A group only (`?grouped=true`, `subject_type: thread`): how many notifications it
    /// stands for; `actor`, `created_at` and `id` are its newest one's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// A group only: the ids of its notifications, newest first (to mark them read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<ApiId>>,
}

/// Notifications of `member_id` in networks they may still see (or in none), about
/// something not deleted since.
pub fn visible(member_id: i64, networks: &[i64]) -> Condition {
    Condition::all()
        .add(notifications::Column::RecipientId.eq(member_id))
        .add(
            Condition::any()
                .add(notifications::Column::NetworkId.is_null())
                .add(notifications::Column::NetworkId.is_in(networks.iter().copied())),
        )
        .add(subjects::still_there())
}

pub async fn page(
    db: &impl ConnectionTrait,
    condition: Condition,
    unread_only: bool,
    page: IdPage,
) -> Result<Vec<notifications::Model>, DbErr> {
    let mut query = notifications::Entity::find().filter(condition);
    if unread_only {
        query = query.filter(notifications::Column::ReadAt.is_null());
    }
    page.descending(query, notifications::Column::Id)
        .all(db)
        .await
}

pub async fn unread_count(db: &impl ConnectionTrait, condition: Condition) -> Result<u64, DbErr> {
    notifications::Entity::find()
        .filter(condition)
        .filter(notifications::Column::ReadAt.is_null())
        .count(db)
        .await
}

pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<notifications::Model>,
) -> Result<Vec<NotificationView>, DbErr> {
    let actors: Vec<i64> = rows.iter().filter_map(|n| n.actor_id).collect();
    let people = member_queries::find_many(db, &actors).await?;
    let subjects = Subjects::load(db, &rows).await?;
    Ok(rows
        .into_iter()
        // The page was read without what was deleted; one deleted since is left out too.
        .filter_map(|n| subjects.current(n))
        .map(|n| {
            let actor = n.actor_id.and_then(|id| people.get(&id));
            let line = Line::of(&n, actor.map(|a| a.display_name.as_str()));
            NotificationView {
                id: ApiId(n.id),
                kind: n.kind,
                subject_type: n.subject_type,
                subject_id: ApiId(n.subject_id),
                network_id: n.network_id.map(ApiId),
                actor: actor.map(MemberRef::from),
                data: n.data,
                headline: line.headline,
                detail: line.detail,
                url: line.path,
                created_at: n.created_at,
                read_at: n.read_at,
                count: None,
                ids: None,
            }
        })
        .collect())
}
