//! What `GET /search` answers: hits the caller may see, and facets over them.

use super::document::DocType;
use super::query::Matching;
use crate::help_requests::views::Asker;
use crate::ids::ApiId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// `thread`, `post`, `resource`, `help_request`, `convening`, `member`, `initiative` or
    /// `test_of_change`.
    #[serde(rename = "type")]
    pub doc_type: DocType,
    pub id: ApiId,
    /// The network it belongs to; `null` for members.
    pub network_id: Option<ApiId>,
    /// For a post: its thread's title.
    pub title: String,
    /// Who wrote it (who created a convening, initiative or test of change): a member, or
    /// for a help request asked anonymously by someone else `{"anonymous": true, "label":
    /// "a member of <network>"}`; null for members.
    pub author: Option<Asker>,
    /// A short piece of the text around what matched, HTML-escaped, matches in `<mark>`.
    pub snippet_html: String,
    /// Its page (see "Web addresses"), with the instance's `public_url`.
    pub url: String,
    pub score: f32,
    /// Replies to a thread, responses to a help request, replies in the discussion of a
    /// resource, initiative or test of change; null for what has no conversation.
    pub reply_count: Option<u64>,
    /// "Helpful" marks: on a thread's posts (or a discussion's), a post's own, a resource's
    /// votes; null for what cannot be marked helpful.
    pub helpful_count: Option<u64>,
    /// Its newest activity (a reply, a response, an edit).
    pub last_activity_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchFacets {
    #[serde(rename = "type")]
    pub doc_type: BTreeMap<String, u64>,
    pub tags: BTreeMap<String, u64>,
    /// Only networks you can see.
    pub network_id: BTreeMap<String, u64>,
    pub status: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Every hit of the query you may see (capped at 1000 reachable by paging).
    pub total: u64,
    pub facets: SearchFacets,
    /// `all`: every hit holds every word of `q` (or a synonym of it). `some`: none did, so
    /// these are the hits holding some of the words, those holding the most first.
    pub matched: Matching,
    pub took_ms: u64,
    pub limit: usize,
    pub offset: usize,
}
