//! Parsed convening and action-item input.

use crate::entities::convenings;
use crate::error::ApiError;
use crate::networks::access::InNetwork;
use crate::text::{BoundedText, HttpUrl};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The longest a single convening may last (multi-day institutes included).
const MAX_LENGTH_DAYS: i64 = 14;

/// A meeting's time range: it ends after it starts, within `MAX_LENGTH_DAYS`.
#[derive(Debug, Clone, Copy)]
pub struct TimeRange {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl TimeRange {
    pub fn new(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<TimeRange, ApiError> {
        if ends_at <= starts_at {
            return Err(ApiError::invalid("ends_at", "must be after starts_at"));
        }
        if ends_at - starts_at > Duration::days(MAX_LENGTH_DAYS) {
            return Err(ApiError::invalid(
                "ends_at",
                format!("a convening lasts at most {MAX_LENGTH_DAYS} days"),
            ));
        }
        crate::extract::plausible_time(starts_at)
            .map_err(|_| ApiError::invalid("starts_at", "is out of range"))?;
        crate::extract::plausible_time(ends_at)
            .map_err(|_| ApiError::invalid("ends_at", "is out of range"))?;
        Ok(TimeRange { starts_at, ends_at })
    }
}

/// An `http(s)` link for joining online.
/// A meeting link: optional, http(s).
pub fn parse_virtual_url(raw: &str) -> Result<Option<String>, ApiError> {
    Ok(HttpUrl::parse_optional("virtual_url", raw)?.map(HttpUrl::into_string))
}

/// A place: optional, bounded.
pub fn parse_location(raw: &str) -> Result<Option<String>, ApiError> {
    let location = BoundedText::parse("location", raw, 300)?;
    Ok((!location.is_empty()).then(|| location.into_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionItemStatus {
    Open,
    Done,
}

impl ActionItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionItemStatus::Open => "open",
            ActionItemStatus::Done => "done",
        }
    }

    pub fn from_stored(stored: &str) -> ActionItemStatus {
        if stored == "done" {
            ActionItemStatus::Done
        } else {
            ActionItemStatus::Open
        }
    }
}

impl InNetwork for convenings::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ranges_must_move_forward_and_stay_bounded() {
        let start = Utc.with_ymd_and_hms(2027, 3, 4, 15, 0, 0).unwrap();
        assert!(TimeRange::new(start, start + Duration::hours(3)).is_ok());
        assert!(TimeRange::new(start, start).is_err());
        assert!(TimeRange::new(start, start - Duration::hours(1)).is_err());
        assert!(TimeRange::new(start, start + Duration::days(15)).is_err());
    }

    #[test]
    fn virtual_links_are_web_links() {
        assert_eq!(parse_virtual_url("").unwrap(), None);
        assert!(parse_virtual_url("https://meet.example.org/pln")
            .unwrap()
            .is_some());
        assert!(parse_virtual_url("javascript:alert(1)").is_err());
        assert!(parse_virtual_url("not a url").is_err());
    }
}
