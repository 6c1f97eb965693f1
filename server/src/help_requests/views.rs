//! How help requests and responses appear in responses.

use super::model::{HelpRequestStatus, Urgency};
use crate::entities::{help_requests, help_responses};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HelpRequestView {
    pub id: ApiId,
    pub network_id: ApiId,
    pub author: Option<MemberRef>,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub tags: Vec<String>,
    pub urgency: Urgency,
    pub status: HelpRequestStatus,
    pub response_count: i32,
    /// Members who said "I can help".
    pub offers: Vec<MemberRef>,
    pub offered_by_me: bool,
    pub accepted_response_id: Option<ApiId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

pub struct HelpRequestExtras {
    pub author: Option<MemberRef>,
    pub tags: Vec<String>,
    pub offers: Vec<MemberRef>,
    pub offered_by_me: bool,
}

impl HelpRequestView {
    pub fn new(row: &help_requests::Model, extras: HelpRequestExtras) -> HelpRequestView {
        HelpRequestView {
            id: ApiId(row.id),
            network_id: ApiId(row.network_id),
            author: extras.author,
            title: row.title.clone(),
            body: row.body.clone(),
            body_html: row.body_html.clone(),
            tags: extras.tags,
            urgency: Urgency::from_stored(&row.urgency),
            status: HelpRequestStatus::from_stored(&row.status),
            response_count: row.response_count,
            offers: extras.offers,
            offered_by_me: extras.offered_by_me,
            accepted_response_id: row.accepted_response_id.map(ApiId),
            created_at: row.created_at,
            updated_at: row.updated_at,
            answered_at: row.answered_at,
            resolved_at: row.resolved_at,
            closed_at: row.closed_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResponseView {
    pub id: ApiId,
    pub help_request_id: ApiId,
    pub author: Option<MemberRef>,
    pub body: String,
    pub body_html: String,
    /// This response solved the request.
    pub accepted: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ResponseView {
    pub fn new(
        row: &help_responses::Model,
        author: Option<MemberRef>,
        accepted_id: Option<i64>,
    ) -> ResponseView {
        ResponseView {
            id: ApiId(row.id),
            help_request_id: ApiId(row.help_request_id),
            author,
            body: row.body.clone(),
            body_html: row.body_html.clone(),
            accepted: accepted_id == Some(row.id),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
