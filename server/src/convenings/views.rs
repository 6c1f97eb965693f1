//! How convenings and action items appear in responses.

use super::model::ActionItemStatus;
use crate::auth::links::{LinkKeys, Linked, SignedLinks};
use crate::entities::{action_items, convenings};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConveningView {
    pub id: ApiId,
    pub network_id: ApiId,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// IANA timezone the meeting is held in.
    pub timezone: String,
    /// `starts_at` and `ends_at` in that timezone, with their UTC offset.
    pub starts_at_local: String,
    pub ends_at_local: String,
    pub location: Option<String>,
    pub virtual_url: Option<String>,
    pub agenda: String,
    pub agenda_html: String,
    /// Written after the meeting.
    pub notes: String,
    pub notes_html: String,
    pub created_by: Option<MemberRef>,
    pub open_action_items: u64,
    pub action_item_count: u64,
    /// Whether it has ended.
    pub is_past: bool,
    /// When it was called off (`PATCH {cancelled: true}`); null while it stands.
    pub cancelled_at: Option<DateTime<Utc>>,
    pub calendar_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct ConveningExtras {
    pub created_by: Option<MemberRef>,
    pub open_action_items: u64,
    pub action_item_count: u64,
}

fn local(at: DateTime<Utc>, timezone: &str) -> String {
    match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).to_rfc3339(),
        Err(_) => at.to_rfc3339(),
    }
}

impl ConveningView {
    pub fn new(row: &convenings::Model, extras: ConveningExtras) -> ConveningView {
        ConveningView {
            id: ApiId(row.id),
            network_id: ApiId(row.network_id),
            title: row.title.clone(),
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            timezone: row.timezone.clone(),
            starts_at_local: local(row.starts_at, &row.timezone),
            ends_at_local: local(row.ends_at, &row.timezone),
            location: row.location.clone(),
            virtual_url: row.virtual_url.clone(),
            agenda: row.agenda.clone(),
            agenda_html: row.agenda_html.clone(),
            notes: row.notes.clone(),
            notes_html: row.notes_html.clone(),
            created_by: extras.created_by,
            open_action_items: extras.open_action_items,
            action_item_count: extras.action_item_count,
            cancelled_at: row.cancelled_at,
            is_past: row.ends_at < crate::clock::now(),
            calendar_url: format!("/api/v1/convenings/{}/calendar.ics", row.id),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl SignedLinks for ConveningView {
    /// Gives `calendar_url` a link token for `member`, so a browser or calendar app can
    /// fetch it without a Bearer header (see `auth::links`).
    fn with_signed_links(mut self, keys: &LinkKeys, member: i64) -> Self {
        let token = keys.issue(
            member,
            Linked::Calendar {
                convening_id: self.id.0,
            },
        );
        self.calendar_url = format!("{}?token={token}", self.calendar_url);
        self
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActionItemView {
    pub id: ApiId,
    pub convening_id: ApiId,
    pub title: String,
    pub owner: Option<MemberRef>,
    pub due_on: Option<NaiveDate>,
    pub status: ActionItemStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl ActionItemView {
    pub fn new(row: &action_items::Model, owner: Option<MemberRef>) -> ActionItemView {
        ActionItemView {
            id: ApiId(row.id),
            convening_id: ApiId(row.convening_id),
            title: row.title.clone(),
            owner,
            due_on: row.due_on,
            status: ActionItemStatus::from_stored(&row.status),
            created_at: row.created_at,
            updated_at: row.updated_at,
            completed_at: row.completed_at,
        }
    }
}
