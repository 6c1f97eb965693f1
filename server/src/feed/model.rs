//! The feed's filters and the kinds of things in it.

use serde::{Deserialize, Serialize};

/// `?filter=`: which things a page shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedFilter {
    /// Everything, newest activity first.
    #[default]
    Latest,
    /// Something in it I have not read; muted threads and networks left out.
    Unread,
    /// Created since my previous visit (or since I joined its network, if later) and not
    /// yet opened; muted threads and networks left out.
    New,
}

/// What an item is; its stored form is also `item_reads.subject_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    Thread,
    HelpRequest,
    Resource,
    Poll,
    Convening,
    Initiative,
    Test,
}

impl FeedKind {
    /// Every kind, in the order the feed's activity table is filled.
    pub const ALL: [FeedKind; 7] = [
        FeedKind::Thread,
        FeedKind::HelpRequest,
        FeedKind::Resource,
        FeedKind::Poll,
        FeedKind::Convening,
        FeedKind::Initiative,
        FeedKind::Test,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Thread => "thread",
            FeedKind::HelpRequest => "help_request",
            FeedKind::Resource => "resource",
            FeedKind::Poll => "poll",
            FeedKind::Convening => "convening",
            FeedKind::Initiative => "initiative",
            FeedKind::Test => "test",
        }
    }

    pub fn from_stored(stored: &str) -> Option<FeedKind> {
        Some(match stored {
            "thread" => FeedKind::Thread,
            "help_request" => FeedKind::HelpRequest,
            "resource" => FeedKind::Resource,
            "poll" => FeedKind::Poll,
            "convening" => FeedKind::Convening,
            "initiative" => FeedKind::Initiative,
            "test" => FeedKind::Test,
            _ => return None,
        })
    }

    /// Where the web client shows it.
    pub fn url(self, id: i64) -> String {
        match self {
            FeedKind::Thread => format!("/threads/{id}"),
            FeedKind::HelpRequest => format!("/help-requests/{id}"),
            FeedKind::Resource => format!("/resources/{id}"),
            FeedKind::Poll => format!("/polls/{id}"),
            FeedKind::Convening => format!("/convenings/{id}"),
            FeedKind::Initiative => format!("/initiatives/{id}"),
            FeedKind::Test => format!("/tests/{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_stored_form() {
        for kind in FeedKind::ALL {
            assert_eq!(FeedKind::from_stored(kind.as_str()), Some(kind));
        }
        assert_eq!(FeedKind::from_stored("post"), None);
    }
}
