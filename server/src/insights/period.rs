//! The period insights cover: asked for, or since the network's last convening, or the
//! last 30 days when it has had none.

use crate::error::{ApiError, ApiResult, FieldCollector};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

/// Longest period one request may cover.
pub const MAX_DAYS: i64 = 731;
/// The default period when the network has had no convening yet.
pub const DEFAULT_DAYS: i64 = 30;

/// Why the period is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodSource {
    Requested,
    SinceLastConvening,
    LastThirtyDays,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub source: PeriodSource,
}

/// A bound as given: `2027-03-01` (the start of that day, UTC) or an RFC 3339 moment.
fn parse_bound(field: &str, raw: &str, end_of_day: bool) -> ApiResult<DateTime<Utc>> {
    if let Ok(moment) = DateTime::parse_from_rfc3339(raw) {
        return Ok(moment.with_timezone(&Utc));
    }
    let date: NaiveDate = raw
        .parse()
        .map_err(|_| ApiError::invalid(field, "must be a date (2027-03-01) or an RFC 3339 time"))?;
    let date = if end_of_day {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// The period of `from` and `to` as asked (a `to` date includes that whole day), filling in
/// what is missing: `to` is `now`; `from` is `last_convening` when there was one, else 30
/// days before `to`.
pub fn resolve(
    from: Option<&str>,
    to: Option<&str>,
    last_convening: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ApiResult<Period> {
    let mut errors = FieldCollector::default();
    let from = from.and_then(|raw| errors.take(parse_bound("from", raw, false)));
    let to = to.and_then(|raw| errors.take(parse_bound("to", raw, true)));
    errors.finish()?;
    let end = to.unwrap_or(now);
    let (start, source) = match (from, last_convening) {
        (Some(start), _) => (start, PeriodSource::Requested),
        (None, Some(convening)) if convening < end => (convening, PeriodSource::SinceLastConvening),
        (None, _) => (
            end - Duration::days(DEFAULT_DAYS),
            PeriodSource::LastThirtyDays,
        ),
    };
    let source = if to.is_some() {
        PeriodSource::Requested
    } else {
        source
    };
    if start >= end {
        return Err(ApiError::invalid("from", "must be before to"));
    }
    if end - start > Duration::days(MAX_DAYS) {
        return Err(ApiError::invalid(
            "from",
            format!("a period covers at most {MAX_DAYS} days"),
        ));
    }
    Ok(Period {
        from: start,
        to: end,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 20, 12, 0, 0).unwrap()
    }

    #[test]
    fn the_default_is_since_the_last_convening_or_thirty_days() {
        let convening = Utc.with_ymd_and_hms(2027, 2, 26, 15, 0, 0).unwrap();
        let period = resolve(None, None, Some(convening), now()).unwrap();
        assert_eq!(
            (period.from, period.to, period.source),
            (convening, now(), PeriodSource::SinceLastConvening)
        );
        let period = resolve(None, None, None, now()).unwrap();
        assert_eq!(period.from, now() - Duration::days(30));
        assert_eq!(period.source, PeriodSource::LastThirtyDays);
    }

    #[test]
    fn dates_cover_whole_days_and_bad_bounds_are_named() {
        let period = resolve(Some("2027-03-01"), Some("2027-03-07"), None, now()).unwrap();
        assert_eq!(
            period.from,
            Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            period.to,
            Utc.with_ymd_and_hms(2027, 3, 8, 0, 0, 0).unwrap()
        );
        assert_eq!(period.source, PeriodSource::Requested);
        assert!(resolve(Some("2027-03-08"), Some("2027-03-01"), None, now()).is_err());
        assert!(resolve(Some("yesterday"), None, None, now()).is_err());
        assert!(
            resolve(Some("2020-01-01"), None, None, now()).is_err(),
            "over two years"
        );
        assert!(resolve(Some("2027-03-01T08:00:00+01:00"), None, None, now()).is_ok());
    }
}
