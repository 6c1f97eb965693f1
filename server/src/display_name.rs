//! The name a member is shown by, and the `@handle` it suggests.

use crate::error::ApiError;

/// A name shown to other members: 1 to 80 characters, no control characters.
#[derive(Debug, Clone)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, ApiError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ApiError::invalid("display_name", "is required"));
        }
        if trimmed.chars().count() > 80 {
            return Err(ApiError::invalid(
                "display_name",
                "must be at most 80 characters",
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "display_name",
                "must not contain control characters",
            ));
        }
        Ok(DisplayName(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `@handle` this name suggests: `Roxy Heiser` → `roxy-heiser`.
    pub fn handle_base(&self) -> String {
        let mut handle = String::new();
        for c in self.0.chars() {
            if c.is_alphanumeric() {
                handle.extend(c.to_lowercase());
            } else if !handle.is_empty() && !handle.ends_with('-') {
                handle.push('-');
            }
        }
        let handle = handle.trim_end_matches('-');
        if handle.is_empty() {
            "member".to_owned()
        } else {
            handle.chars().take(40).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_come_from_display_names() {
        assert_eq!(
            DisplayName::parse("Roxy Heiser").unwrap().handle_base(),
            "roxy-heiser"
        );
        assert_eq!(
            DisplayName::parse("  Dr. Ana  Lopez ")
                .unwrap()
                .handle_base(),
            "dr-ana-lopez"
        );
        assert_eq!(DisplayName::parse("!!!").unwrap().handle_base(), "member");
    }
}
