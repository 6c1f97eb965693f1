//! Parsed thread and post input.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReactionKind {
    Helpful,
    Thanks,
    Agree,
}

impl ReactionKind {
    pub const ALL: [ReactionKind; 3] = [
        ReactionKind::Helpful,
        ReactionKind::Thanks,
        ReactionKind::Agree,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReactionKind::Helpful => "helpful",
            ReactionKind::Thanks => "thanks",
            ReactionKind::Agree => "agree",
        }
    }

    /// The `posts` column that counts this kind.
    pub fn count_column(self) -> crate::entities::posts::Column {
        use crate::entities::posts::Column;
        match self {
            ReactionKind::Helpful => Column::HelpfulCount,
            ReactionKind::Thanks => Column::ThanksCount,
            ReactionKind::Agree => Column::AgreeCount,
        }
    }

    pub fn parse(raw: &str) -> Option<ReactionKind> {
        ReactionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaction_kinds_round_trip() {
        for kind in ReactionKind::ALL {
            assert_eq!(ReactionKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ReactionKind::parse("like"), None);
    }
}
