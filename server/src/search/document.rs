//! What the search index holds: one flat document per searchable thing, the same for both
//! engines.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of things a member can find.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DocType {
    Thread,
    Post,
    Resource,
    HelpRequest,
    Convening,
    Member,
    Initiative,
    TestOfChange,
    Poll,
}

impl DocType {
    pub const ALL: [DocType; 9] = [
        DocType::Thread,
        DocType::Post,
        DocType::Resource,
        DocType::HelpRequest,
        DocType::Convening,
        DocType::Member,
        DocType::Initiative,
        DocType::TestOfChange,
        DocType::Poll,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocType::Thread => "thread",
            DocType::Post => "post",
            DocType::Resource => "resource",
            DocType::HelpRequest => "help_request",
            DocType::Convening => "convening",
            DocType::Member => "member",
            DocType::Initiative => "initiative",
            DocType::TestOfChange => "test_of_change",
            DocType::Poll => "poll",
        }
    }

    pub fn parse(raw: &str) -> Option<DocType> {
        DocType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// The statuses a thing of this type can be in (none for types without one).
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            DocType::HelpRequest => &["open", "answered", "resolved", "closed"],
            DocType::Convening => &["scheduled", "cancelled"],
            DocType::Initiative => &["active", "completed", "archived"],
            DocType::TestOfChange => &["planning", "doing", "studying", "acted"],
            DocType::Poll => &["open", "closed"],
            DocType::Thread | DocType::Post | DocType::Resource | DocType::Member => &[],
        }
    }
}

/// A status as documents hold it, facets count it and the `status` filter asks for it: after
/// its type (`help_request:open`, `test_of_change:studying`), since the same word means
/// different things for different types (an open poll, an open help request). One
/// vocabulary: every facet value is a filter that is accepted.
pub fn status_of(doc_type: DocType, status: &str) -> String {
    format!("{}:{status}", doc_type.as_str())
}

/// Every status the `status` filter accepts, in type order.
pub fn every_status() -> Vec<String> {
    DocType::ALL
        .into_iter()
        .flat_map(|t| t.statuses().iter().map(move |s| status_of(t, s)))
        .collect()
}

impl fmt::Display for DocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the database as something to find: `(type, id)` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocRef {
    pub doc_type: DocType,
    pub id: i64,
}

impl DocRef {
    pub fn new(doc_type: DocType, id: i64) -> DocRef {
        DocRef { doc_type, id }
    }

    /// The document's key in the index: `thread-12`.
    pub fn key(self) -> String {
        format!("{}-{}", self.doc_type.as_str(), self.id)
    }

    pub fn parse_key(key: &str) -> Option<DocRef> {
        let (doc_type, id) = key.rsplit_once('-')?;
        Some(DocRef::new(DocType::parse(doc_type)?, id.parse().ok()?))
    }
}

/// A searchable document. Field names are those of `search-config/documents.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchDocument {
    /// `DocRef::key`.
    pub id: String,
    #[serde(rename = "type")]
    pub doc_type: DocType,
    /// The network it belongs to; none for members, who belong to several.
    pub network_id: Option<i64>,
    /// Who may find it: members of any of these networks (for a member, the networks they
    /// belong to). Filtered on at query time, never shown.
    pub network_ids: Vec<i64>,
    /// For posts: their thread (deleting a thread removes its posts).
    pub thread_id: Option<i64>,
    pub title: String,
    /// The main text (plain text, markup removed).
    pub body: String,
    /// Secondary text: responses to a help request, a convening's notes, a member's
    /// organization, a resource's subjects and files.
    pub details: String,
    pub tags: Vec<String>,
    pub status: Option<String>,
    /// Who wrote it, for `@handle` in a query; none for members and for a help request
    /// asked anonymously (its asker is never a filter anyone could use).
    pub author_id: Option<i64>,
    /// What members made of it: ranking signals and counts shown on hits.
    #[serde(flatten)]
    pub signals: Signals,
    /// Path of its page (see "Web addresses" in the API); `public_url` is prefixed when
    /// served.
    pub url: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
}

/// What members made of a thing, beyond its words: counts shown on its hit and signals
/// that rank it among hits matching as well.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    /// Its conversation's size: a thread's replies, a help request's responses, the replies
    /// in a resource's, initiative's or test of change's discussion. None for the rest.
    pub replies: Option<u64>,
    /// "Helpful" reactions on a thread's or a discussion's posts, or a post's own; a
    /// resource's helpful votes. None for what cannot be marked helpful.
    pub helpful: Option<u64>,
    /// A help request whose asker accepted an answer.
    pub accepted: bool,
    /// Its newest activity (a reply, a response, an edit), milliseconds since the Unix epoch.
    pub activity_at: i64,
}

impl Signals {
    /// One number for how much members engaged with it, the same for both engines (a
    /// Meilisearch ranking rule after the textual ones, a small addition to the embedded
    /// engine's score): replies and helpful marks count with diminishing returns, an
    /// accepted answer as much as three helpful marks.
    pub fn engagement(&self) -> f64 {
        let log = |n: Option<u64>| (1.0 + n.unwrap_or(0) as f64).ln();
        let raw = log(self.replies)
            + 1.5 * log(self.helpful)
            + if self.accepted { 1.5 * 4f64.ln() } else { 0.0 };
        // Two decimals: equal enough counts tie, and recency decides between them.
        (raw * 100.0).round() / 100.0
    }
}

/// A change for the index: a document as it is now, or gone.
#[derive(Debug, Clone)]
pub enum Change {
    Upsert(Box<SearchDocument>),
    Delete(String),
}

impl Change {
    pub fn key(&self) -> &str {
        match self {
            Change::Upsert(doc) => &doc.id,
            Change::Delete(key) => key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engagement_grows_with_replies_helpful_marks_and_an_accepted_answer() {
        let signals = |replies, helpful, accepted| Signals {
            replies: Some(replies),
            helpful: Some(helpful),
            accepted,
            activity_at: 0,
        };
        assert_eq!(Signals::default().engagement(), 0.0);
        let quiet = signals(1, 0, false).engagement();
        let busy = signals(12, 0, false).engagement();
        let helpful = signals(4, 3, false).engagement();
        assert!(quiet < busy && busy < helpful, "{quiet} {busy} {helpful}");
        assert_eq!(
            signals(4, 0, true).engagement(),
            signals(4, 3, false).engagement()
        );
        // Diminishing: the hundredth reply adds less than the second.
        assert!(signals(100, 0, false).engagement() - signals(99, 0, false).engagement() < 0.02);
    }

    #[test]
    fn keys_round_trip() {
        for doc_type in DocType::ALL {
            let doc = DocRef::new(doc_type, 9_007_199_254_740_993);
            assert_eq!(DocRef::parse_key(&doc.key()), Some(doc));
        }
        assert_eq!(DocRef::parse_key("thread-x"), None);
        assert_eq!(DocRef::parse_key("network-1"), None);
    }
}
