//! An email address as members give it: parsed once, lowercased, so comparisons are exact.

use crate::error::ApiError;

/// A lowercased, syntactically valid email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, ApiError> {
        let trimmed = raw.trim();
        if trimmed.len() > 254 {
            return Err(ApiError::invalid("email", "is too long"));
        }
        trimmed
            .parse::<lettre::Address>()
            .map(|address| Email(address.to_string().to_lowercase()))
            .map_err(|_| ApiError::invalid("email", "is not a valid email address"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" Roxy@Hays.Example ").unwrap().as_str(),
            "roxy@hays.example"
        );
        assert!(Email::parse("not-an-email").is_err());
        assert!(Email::parse("").is_err());
    }
}
