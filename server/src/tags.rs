//! Tags, as used on threads and as members' expertise: lowercase words joined by hyphens.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_TAGS: usize = 10;
const MAX_TAG_CHARS: usize = 40;

/// A normalized tag: `Chronic Absence` becomes `chronic-absence`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub fn parse(raw: &str) -> Result<Tag, String> {
        let mut normalized = String::with_capacity(raw.len());
        for word in raw
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .filter(|word| !word.is_empty())
        {
            if !normalized.is_empty() {
                normalized.push('-');
            }
            for c in word.chars() {
                if c.is_alphanumeric() {
                    normalized.extend(c.to_lowercase());
                } else {
                    return Err(format!(
                        "`{raw}` may contain only letters, digits, spaces and hyphens"
                    ));
                }
            }
        }
        match normalized.chars().count() {
            0 => Err("tags cannot be empty".to_owned()),
            n if n > MAX_TAG_CHARS => Err(format!("tags are at most {MAX_TAG_CHARS} characters")),
            _ => Ok(Tag(normalized)),
        }
    }

    /// Parses a list for the field `field`: normalized, deduplicated, at most `MAX_TAGS`.
    pub fn parse_list(field: &str, raw: &[String]) -> Result<Vec<Tag>, ApiError> {
        let too_many = || ApiError::invalid(field, format!("at most {MAX_TAGS} tags"));
        // Duplicates collapse, so a few more raw items than the limit may still be fine;
        // anything far beyond it is refused before any work is done.
        if raw.len() > MAX_TAGS * 4 {
            return Err(too_many());
        }
        let mut tags = Vec::with_capacity(MAX_TAGS);
        for item in raw {
            let tag = Tag::parse(item).map_err(|message| ApiError::invalid(field, message))?;
            if !tags.contains(&tag) {
                if tags.len() == MAX_TAGS {
                    return Err(too_many());
                }
                tags.push(tag);
            }
        }
        Ok(tags)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Tag::parse(&value)
    }
}

impl From<Tag> for String {
    fn from(tag: Tag) -> String {
        tag.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalized() {
        assert_eq!(
            Tag::parse("  Chronic Absence ").unwrap().as_str(),
            "chronic-absence"
        );
        assert_eq!(Tag::parse("Math_K-5").unwrap().as_str(), "math-k-5");
        assert_eq!(Tag::parse("Éducation").unwrap().as_str(), "éducation");
    }

    #[test]
    fn bad_tags_are_refused() {
        assert!(Tag::parse("   ").is_err());
        assert!(Tag::parse("a<b").is_err());
        assert!(Tag::parse(&"x".repeat(41)).is_err());
    }

    #[test]
    fn lists_are_deduplicated_and_bounded() {
        let raw: Vec<String> = vec!["Math".into(), "math".into()];
        assert_eq!(Tag::parse_list("tags", &raw).unwrap().len(), 1);
        let many: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(Tag::parse_list("tags", &many).is_err());
        let huge: Vec<String> = (0..200_000).map(|i| format!("t{i}")).collect();
        assert!(Tag::parse_list("tags", &huge).is_err());
    }
}
