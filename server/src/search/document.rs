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
    /// Its conversation's size: a thread's replies, a help request's responses, the replies
    /// in a resource's, initiative's or test of change's discussion. None for the rest.
    pub replies: Option<u64>,
    /// Path of its page (see "Web addresses" in the API); `public_url` is prefixed when
    /// served.
    pub url: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
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
    fn keys_round_trip() {
        for doc_type in DocType::ALL {
            let doc = DocRef::new(doc_type, 9_007_199_254_740_993);
            assert_eq!(DocRef::parse_key(&doc.key()), Some(doc));
        }
        assert_eq!(DocRef::parse_key("thread-x"), None);
        assert_eq!(DocRef::parse_key("network-1"), None);
    }
}
