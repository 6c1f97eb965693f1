//! How help requests and responses appear in responses.

use super::model::{HelpRequestStatus, Urgency};
use crate::entities::{help_requests, help_responses};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Who asked, as the viewer may know it: the member, or for an anonymous request seen by
/// anyone but its asker, only the network they asked in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Asker {
    Member(MemberRef),
    Anonymous(AnonymousAsker),
}

/// `{"anonymous": true, "label": "a member of <network>"}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnonymousAsker {
    /// Always `true`.
    pub anonymous: bool,
    pub label: String,
}

impl AnonymousAsker {
    pub fn of_network(network_name: &str) -> AnonymousAsker {
        AnonymousAsker {
            anonymous: true,
            label: anonymous_label(network_name),
        }
    }
}

/// How an anonymous asker is named, everywhere they are ("a member of Attendance PLN").
pub fn anonymous_label(network_name: &str) -> String {
    format!("a member of {network_name}")
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HelpRequestView {
    pub id: ApiId,
    pub network_id: ApiId,
    pub author: Option<Asker>,
    /// Asked anonymously: everyone but the asker sees `author` as
    /// `{"anonymous": true, "label": …}`.
    pub anonymous: bool,
    /// The viewer asked it (the only one who knows, for an anonymous request).
    pub asked_by_me: bool,
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
    pub author: Option<Asker>,
    pub asked_by_me: bool,
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
            anonymous: row.is_anonymous,
            asked_by_me: extras.asked_by_me,
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

    /// The request as anyone but its asker sees it, with nothing of the viewer's own
    /// standing: what events carry to every subscriber.
    pub fn as_seen_by_others(&self, network_name: &str) -> HelpRequestView {
        HelpRequestView {
            author: if self.anonymous {
                Some(Asker::Anonymous(AnonymousAsker::of_network(network_name)))
            } else {
                self.author.clone()
            },
            asked_by_me: false,
            offered_by_me: false,
            ..self.clone()
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

impl crate::auth::links::SignedLinks for HelpRequestView {
    /// Its images load for `member` (see `images::sign`).
    fn with_signed_links(mut self, keys: &crate::auth::links::LinkKeys, member: i64) -> Self {
        crate::images::sign::sign_in_place(&mut self.body_html, keys, member);
        self
    }
}

impl crate::auth::links::SignedLinks for ResponseView {
    /// Its images load for `member` (see `images::sign`).
    fn with_signed_links(mut self, keys: &crate::auth::links::LinkKeys, member: i64) -> Self {
        crate::images::sign::sign_in_place(&mut self.body_html, keys, member);
        self
    }
}
