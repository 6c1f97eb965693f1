//! How conversations and their messages appear in responses and live events.

use crate::entities::direct_messages;
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    pub id: ApiId,
    pub conversation_id: ApiId,
    pub author: Option<MemberRef>,
    pub body: String,
    pub body_html: String,
    pub created_at: DateTime<Utc>,
}

impl MessageView {
    pub fn new(row: &direct_messages::Model, author: Option<MemberRef>) -> MessageView {
        MessageView {
            id: ApiId(row.id),
            conversation_id: ApiId(row.conversation_id),
            author,
            body: row.body.clone(),
            body_html: row.body_html.clone(),
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConversationView {
    pub id: ApiId,
    /// Everyone in it, the viewer included.
    pub participants: Vec<MemberRef>,
    pub last_message: Option<MessageView>,
    pub last_message_at: DateTime<Utc>,
    /// Messages from others after the viewer's read marker.
    pub unread_count: u64,
    pub last_read_message_id: Option<ApiId>,
    /// The viewer may send here now (every other participant still shares a network with
    /// them, and no block stands between them).
    pub can_send: bool,
    pub url: String,
    pub created_at: DateTime<Utc>,
}

/// `GET /conversations`: `{items, next_cursor, unread_count}`, where `unread_count` counts
/// unread messages across all of the viewer's conversations.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConversationPage {
    pub items: Vec<ConversationView>,
    pub next_cursor: Option<String>,
    pub unread_count: u64,
}

/// `POST /conversations`: the conversation and the message just sent, and whether the
/// conversation is new (a two-person conversation that already existed is reused).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Started {
    pub conversation: ConversationView,
    pub message: MessageView,
    pub created: bool,
}

/// A member the viewer blocked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BlockView {
    pub member: MemberRef,
    pub created_at: DateTime<Utc>,
}
