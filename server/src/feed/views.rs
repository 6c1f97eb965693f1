//! How the feed appears in responses.

use super::model::FeedKind;
use crate::help_requests::views::AnonymousAsker;
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// `{id, name}` of the network an item is in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedNetwork {
    pub id: ApiId,
    pub name: String,
}

/// Who acted last: a member, or the anonymous asker of a help request as everyone but the
/// asker sees them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum FeedActor {
    Member(MemberRef),
    Anonymous(AnonymousAsker),
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedItem {
    #[serde(rename = "type")]
    pub kind: FeedKind,
    pub id: ApiId,
    pub network: FeedNetwork,
    pub title: String,
    /// Where the web client shows it.
    pub url: String,
    /// The first words of its text.
    pub excerpt: String,
    /// The newest post, response, check-in or change; a resource's, initiative's or test's
    /// discussion thread counts as its own activity.
    pub last_activity_at: DateTime<Utc>,
    pub last_actor: Option<FeedActor>,
    pub reply_count: i64,
    pub helpful_count: i64,
    /// Threads: posts after my read marker. Others: responses or discussion posts since I
    /// last read it, plus one if I never opened it. 0 when nothing in it is unread.
    pub unread_count: i64,
    /// `/threads/{id}#post-{n}` of the first unread post, or `url`.
    pub first_unread_url: String,
    /// Created since my previous visit (or since I joined its network) and not yet opened.
    pub is_new: bool,
}

/// `GET /me/feed`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// When my previous visit began (a visit begins after 30 minutes away); null before a
    /// second visit.
    pub last_visit_at: Option<DateTime<Utc>>,
}
