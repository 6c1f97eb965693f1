//! Parsed thread and post input.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

const MAX_TITLE_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 50_000;

pub fn parse_title(raw: &str) -> Result<String, ApiError> {
    let title = raw.trim();
    if title.is_empty() {
        return Err(ApiError::invalid("title", "is required"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::invalid(
            "title",
            format!("must be at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "title",
            "must not contain control characters",
        ));
    }
    Ok(title.to_owned())
}

/// Markdown source of a post: not blank, bounded.
pub fn parse_body(raw: &str) -> Result<String, ApiError> {
    if raw.trim().is_empty() {
        return Err(ApiError::invalid("body", "is required"));
    }
    if raw.contains('\0') {
        return Err(ApiError::invalid("body", "must not contain NUL characters"));
    }
    if raw.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::invalid(
            "body",
            format!("must be at most {MAX_BODY_CHARS} characters"),
        ));
    }
    Ok(raw.trim_end().to_owned())
}

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
    fn titles_and_bodies_must_have_content() {
        assert!(parse_title("   ").is_err());
        assert!(parse_title(&"x".repeat(201)).is_err());
        assert_eq!(
            parse_title("  Chronic absence in 9th grade ").unwrap(),
            "Chronic absence in 9th grade"
        );
        assert!(parse_body("\n\n").is_err());
        assert!(parse_body("Hello").is_ok());
    }

    #[test]
    fn reaction_kinds_round_trip() {
        for kind in ReactionKind::ALL {
            assert_eq!(ReactionKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ReactionKind::parse("like"), None);
    }
}
