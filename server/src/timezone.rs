//! A member's timezone, checked against the IANA database where it enters.

use crate::error::ApiError;

/// An IANA timezone name such as `America/Chicago`.
#[derive(Debug, Clone)]
pub struct Timezone(String);

impl Timezone {
    pub fn parse(raw: &str) -> Result<Timezone, ApiError> {
        raw.parse::<chrono_tz::Tz>()
            .map(|tz| Timezone(tz.name().to_owned()))
            .map_err(|_| {
                ApiError::invalid(
                    "timezone",
                    "is not an IANA timezone such as America/Chicago",
                )
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezones_must_be_iana_names() {
        assert_eq!(
            Timezone::parse("America/Chicago").unwrap().as_str(),
            "America/Chicago"
        );
        assert!(Timezone::parse("Mars/Olympus").is_err());
    }
}
