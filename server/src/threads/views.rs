//! How threads and posts appear in responses.

use super::model::ReactionKind;
use crate::auth::links::{LinkKeys, SignedLinks};
use crate::entities::{posts, threads};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use crate::notification_level::NotificationLevel;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One item of a thread list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThreadSummary {
    pub id: ApiId,
    pub network_id: ApiId,
    pub title: String,
    pub tags: Vec<String>,
    pub author: Option<MemberRef>,
    pub pinned: bool,
    pub locked: bool,
    /// Posts after the opening one, not counting deleted ones.
    pub reply_count: i32,
    pub last_post_id: Option<ApiId>,
    pub last_activity_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Posts the caller has not read yet (all of them until the thread is first read).
    pub unread_count: u64,
    pub last_read_post_id: Option<ApiId>,
    pub notification_level: NotificationLevel,
}

/// A thread with its opening post's body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThreadView {
    #[serde(flatten)]
    pub summary: ThreadSummary,
    pub first_post_id: Option<ApiId>,
    /// Markdown source of the opening post.
    pub body: String,
    /// Rendered, sanitized HTML of the opening post.
    pub body_html: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct ReactionCounts {
    pub helpful: u64,
    pub thanks: u64,
    pub agree: u64,
}

impl ReactionCounts {
    /// The counts kept on the post.
    pub fn of(post: &posts::Model) -> ReactionCounts {
        let count = |n: i32| u64::try_from(n).unwrap_or(0);
        ReactionCounts {
            helpful: count(post.helpful_count),
            thanks: count(post.thanks_count),
            agree: count(post.agree_count),
        }
    }

    pub fn add(&mut self, kind: ReactionKind, count: u64) {
        match kind {
            ReactionKind::Helpful => self.helpful += count,
            ReactionKind::Thanks => self.thanks += count,
            ReactionKind::Agree => self.agree += count,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostView {
    pub id: ApiId,
    pub thread_id: ApiId,
    /// 1 for the opening post, then in order of posting.
    pub post_number: i32,
    pub author: Option<MemberRef>,
    pub reply_to_post_id: Option<ApiId>,
    /// Empty for deleted posts.
    pub body: String,
    pub body_html: String,
    pub reactions: ReactionCounts,
    /// The caller's own reactions.
    pub my_reactions: Vec<ReactionKind>,
    #[serde(serialize_with = "crate::serialize::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::serialize::timestamp")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::serialize::optional_timestamp")]
    pub edited_at: Option<DateTime<Utc>>,
    /// A tombstone: the post was deleted; its place in the thread stays.
    pub deleted: bool,
}

impl PostView {
    pub fn new(
        post: &posts::Model,
        author: Option<MemberRef>,
        my_reactions: Vec<ReactionKind>,
    ) -> PostView {
        PostView::from_model(post.clone(), author, my_reactions)
    }

    /// Like `new`, taking the row (its texts move instead of being copied).
    pub fn from_model(
        post: posts::Model,
        author: Option<MemberRef>,
        my_reactions: Vec<ReactionKind>,
    ) -> PostView {
        let reactions = ReactionCounts::of(&post);
        let deleted = post.deleted_at.is_some();
        let (body, body_html) = if deleted {
            (String::new(), String::new())
        } else {
            (post.body, post.body_html)
        };
        PostView {
            id: ApiId(post.id),
            thread_id: ApiId(post.thread_id),
            post_number: post.post_number,
            author,
            reply_to_post_id: post.reply_to_post_id.map(ApiId),
            body,
            body_html,
            reactions,
            my_reactions,
            created_at: post.created_at,
            updated_at: post.updated_at,
            edited_at: post.edited_at,
            deleted,
        }
    }
}

/// The per-viewer facts a summary needs beyond the thread row.
pub struct ThreadExtras {
    pub tags: Vec<String>,
    pub author: Option<MemberRef>,
    pub unread_count: u64,
    pub last_read_post_id: Option<i64>,
    pub notification_level: NotificationLevel,
}

impl ThreadSummary {
    pub fn new(thread: &threads::Model, extras: ThreadExtras) -> ThreadSummary {
        ThreadSummary {
            id: ApiId(thread.id),
            network_id: ApiId(thread.network_id),
            title: thread.title.clone(),
            tags: extras.tags,
            author: extras.author,
            pinned: thread.is_pinned,
            locked: thread.is_locked,
            reply_count: thread.reply_count,
            last_post_id: thread.last_post_id.map(ApiId),
            last_activity_at: thread.last_activity_at,
            created_at: thread.created_at,
            unread_count: extras.unread_count,
            last_read_post_id: extras.last_read_post_id.map(ApiId),
            notification_level: extras.notification_level,
        }
    }
}

impl SignedLinks for ThreadView {
    /// Its opening post's images load for `member` (see `images::sign`).
    fn with_signed_links(mut self, keys: &LinkKeys, member: i64) -> Self {
        crate::images::sign::sign_in_place(&mut self.body_html, keys, member);
        self
    }
}

impl SignedLinks for PostView {
    /// Its images load for `member` (see `images::sign`).
    fn with_signed_links(mut self, keys: &LinkKeys, member: i64) -> Self {
        crate::images::sign::sign_in_place(&mut self.body_html, keys, member);
        self
    }
}
