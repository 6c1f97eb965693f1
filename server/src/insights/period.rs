//! The period insights cover, in whole days of the network's timezone: asked for, or since
//! the day of the network's last convening, or the last 30 days when it has had none.
//!
//! Whole days, never moments: a period that could start or end at any microsecond would let
//! a facilitator close a window around one anonymous act and learn who did it from what
//! moved. Days are the finest grain insights answer at.

use crate::error::{ApiError, ApiResult, FieldCollector};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// Longest period one request may cover, in days.
pub const MAX_DAYS: i64 = 731;
/// The default period when the network has had no convening yet, in days (today included).
pub const DEFAULT_DAYS: i64 = 30;

/// Why the period is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodSource {
    Requested,
    SinceLastConvening,
    LastThirtyDays,
}

/// Whole days, `first_day` through `last_day`, in `zone`; `from` and `to` are the moments
/// the first day starts and the day after the last one starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub zone: Tz,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub source: PeriodSource,
}

impl Period {
    /// The day after the last one: where the period ends, as a date.
    pub fn end_day(&self) -> NaiveDate {
        self.last_day.succ_opt().unwrap_or(self.last_day)
    }
}

/// The moment `day` starts in `zone`. Where a clock change skips midnight, the day starts
/// at the first hour that exists.
pub fn start_of(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    (0..4)
        .filter_map(|hour| NaiveTime::from_hms_opt(hour, 0, 0))
        .find_map(|time| zone.from_local_datetime(&day.and_time(time)).earliest())
        .map(|start| start.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_time(NaiveTime::MIN).and_utc())
}

/// A bound as given: a date only (`2027-03-01`). A time of day is refused rather than
/// rounded, so that nobody believes they were answered about a narrower window.
fn parse_day(field: &str, raw: &str) -> ApiResult<NaiveDate> {
    let raw = raw.trim();
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(day);
    }
    if DateTime::parse_from_rfc3339(raw).is_ok() {
        return Err(ApiError::invalid(
            field,
            "must be a date (2027-03-01) without a time: insights cover whole days in the network's timezone",
        ));
    }
    Err(ApiError::invalid(field, "must be a date (2027-03-01)"))
}

/// The period of the days `from` and `to` (both included) in `zone`, filling in what is
/// missing: `to` is today; `from` is the day of `last_convening` when there was one, else
/// 30 days ending with `to`.
pub fn resolve(
    from: Option<&str>,
    to: Option<&str>,
    zone: Tz,
    last_convening: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ApiResult<Period> {
    let mut errors = FieldCollector::default();
    let from = from.and_then(|raw| errors.take(parse_day("from", raw)));
    let to = to.and_then(|raw| errors.take(parse_day("to", raw)));
    errors.finish()?;
    let last_day = to.unwrap_or_else(|| now.with_timezone(&zone).date_naive());
    let convening_day = last_convening.map(|at| at.with_timezone(&zone).date_naive());
    let (first_day, source) = match (from, convening_day) {
        (Some(day), _) => (day, PeriodSource::Requested),
        (None, Some(day)) if day <= last_day => (day, PeriodSource::SinceLastConvening),
        (None, _) => (
            last_day - Duration::days(DEFAULT_DAYS - 1),
            PeriodSource::LastThirtyDays,
        ),
    };
    let source = if to.is_some() {
        PeriodSource::Requested
    } else {
        source
    };
    if first_day > last_day {
        return Err(ApiError::invalid("from", "must be on or before to"));
    }
    if (last_day - first_day).num_days() + 1 > MAX_DAYS {
        return Err(ApiError::invalid(
            "from",
            format!("a period covers at most {MAX_DAYS} days"),
        ));
    }
    let end_day = last_day
        .succ_opt()
        .ok_or_else(|| ApiError::invalid("to", "must be a date (2027-03-01)"))?;
    Ok(Period {
        first_day,
        last_day,
        zone,
        from: start_of(first_day, zone),
        to: start_of(end_day, zone),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 20, 12, 0, 0).unwrap()
    }

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn the_default_is_whole_days_since_the_last_convening_or_thirty_days() {
        let convening = Utc.with_ymd_and_hms(2027, 2, 26, 15, 0, 0).unwrap();
        let period = resolve(None, None, Tz::UTC, Some(convening), now()).unwrap();
        assert_eq!(
            (period.first_day, period.last_day, period.source),
            (
                day("2027-02-26"),
                day("2027-03-20"),
                PeriodSource::SinceLastConvening
            )
        );
        assert_eq!(
            (period.from, period.to),
            (
                Utc.with_ymd_and_hms(2027, 2, 26, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2027, 3, 21, 0, 0, 0).unwrap()
            ),
            "from the start of the convening's day through the end of today"
        );
        let period = resolve(None, None, Tz::UTC, None, now()).unwrap();
        assert_eq!(period.to - period.from, Duration::days(30));
        assert_eq!(period.first_day, day("2027-02-19"));
        assert_eq!(period.source, PeriodSource::LastThirtyDays);
    }

    #[test]
    fn days_are_the_networks_days() {
        let chicago: Tz = "America/Chicago".parse().unwrap();
        let period = resolve(Some("2027-03-01"), Some("2027-03-07"), chicago, None, now()).unwrap();
        assert_eq!(
            (period.from, period.to),
            (
                // Central standard time (UTC−6) on the 1st, daylight time (UTC−5) by the 8th.
                Utc.with_ymd_and_hms(2027, 3, 1, 6, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2027, 3, 8, 6, 0, 0).unwrap()
            )
        );
        let period = resolve(Some("2027-03-15"), Some("2027-03-15"), chicago, None, now()).unwrap();
        assert_eq!(
            period.to - period.from,
            Duration::days(1),
            "one day is a whole day"
        );
        // A convening at 11 p.m. in Chicago on the 26th is already the 27th in UTC.
        let convening = Utc.with_ymd_and_hms(2027, 2, 27, 5, 0, 0).unwrap();
        let period = resolve(None, None, chicago, Some(convening), now()).unwrap();
        assert_eq!(period.first_day, day("2027-02-26"));
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_its_first_hour() {
        // Santiago moved its clocks from midnight to 1 a.m. (UTC−3) on 11 September 2022.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let skipped = day("2022-09-11").and_time(NaiveTime::MIN);
        assert!(santiago.from_local_datetime(&skipped).earliest().is_none());
        let start = start_of(day("2022-09-11"), santiago);
        assert_eq!(start, Utc.with_ymd_and_hms(2022, 9, 11, 4, 0, 0).unwrap());
    }

    #[test]
    fn moments_and_bad_bounds_are_refused_by_name() {
        let moment = resolve(
            Some("2027-03-01T08:00:00+01:00"),
            Some("2027-03-01T09:00:00Z"),
            Tz::UTC,
            None,
            now(),
        );
        match moment {
            Err(ApiError::Validation(fields)) => {
                assert!(fields["from"].contains("whole days"), "{fields:?}");
                assert!(fields.contains_key("to"), "{fields:?}");
            }
            other => panic!("a moment was accepted: {other:?}"),
        }
        for (from, to) in [
            ("2027-03-08", "2027-03-01"),
            ("yesterday", "2027-03-01"),
            ("2027-3-1x", "2027-03-01"),
            ("2020-01-01", "2027-03-01"),
        ] {
            match resolve(Some(from), Some(to), Tz::UTC, None, now()) {
                Err(ApiError::Validation(fields)) => {
                    assert!(fields.contains_key("from"), "{from}: {fields:?}")
                }
                other => panic!("{from}..{to} was accepted: {other:?}"),
            }
        }
        assert!(resolve(Some("2025-03-21"), Some("2027-03-21"), Tz::UTC, None, now()).is_ok());
        assert!(
            resolve(Some("2025-03-20"), Some("2027-03-21"), Tz::UTC, None, now()).is_err(),
            "732 days"
        );
    }
}
