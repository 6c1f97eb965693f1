//! How polls appear in responses and live events.

use super::model::{NumberSummary, PollKind, ResultsVisibility};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OptionView {
    pub id: ApiId,
    pub label: String,
}

/// The results, for those the visibility rule lets see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultsView {
    pub voter_count: u64,
    /// Per option, in the poll's order (choice polls).
    pub options: Vec<OptionResult>,
    /// The numbers' summary (number polls).
    pub number: Option<NumberSummary>,
    /// Who answered what (named number polls); never for anonymous polls.
    pub values: Option<Vec<NamedValue>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OptionResult {
    pub id: ApiId,
    pub votes: u64,
    /// Share of voters who chose it, 0–100.
    pub percent: f64,
    /// Who chose it (named polls only).
    pub voters: Option<Vec<MemberRef>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NamedValue {
    pub member: MemberRef,
    pub value: f64,
}

/// The caller's own ballot.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyVote {
    pub option_ids: Vec<ApiId>,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PollView {
    pub id: ApiId,
    pub network_id: ApiId,
    pub thread_id: Option<ApiId>,
    pub author: Option<MemberRef>,
    pub question: String,
    pub description: String,
    pub description_html: String,
    pub kind: PollKind,
    pub options: Vec<OptionView>,
    /// The range a number poll accepts.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub results_visibility: ResultsVisibility,
    pub anonymous: bool,
    /// How many have voted (shown to all: participation, not results).
    pub voter_count: u64,
    pub closes_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub is_closed: bool,
    pub my_vote: Option<MyVote>,
    /// Whether `results` is filled for the caller.
    pub results_visible: bool,
    pub results: Option<ResultsView>,
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
