//! When a member's digest is due, in their own timezone, and which period it covers.
//!
//! A period is named by a key taken in the member's timezone when the digest is sent: the
//! ISO week (`2026-W48`) for weekly digests, the date (`2026-11-25`) for daily ones. A digest
//! is due once the member's local clock has passed their chosen weekday and hour within the
//! current period, and stays due until one is recorded for that key. So a server that was
//! down at the chosen hour sends later in the same period (never skipped), an hour that
//! daylight saving skips is caught by the next one, and an hour that happens twice, or a
//! change of timezone, weekday or hour within a period, meets the key already recorded
//! (never twice).

use crate::members::profile::DigestFrequency;
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;

/// A digest that can be sent: daily or weekly.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    Daily,
    Weekly,
}

impl Cadence {
    pub fn of(frequency: DigestFrequency) -> Option<Cadence> {
        match frequency {
            DigestFrequency::Off => None,
            DigestFrequency::Daily => Some(Cadence::Daily),
            DigestFrequency::Weekly => Some(Cadence::Weekly),
        }
    }

    pub fn parse(text: &str) -> Option<Cadence> {
        match text {
            "daily" => Some(Cadence::Daily),
            "weekly" => Some(Cadence::Weekly),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Daily => "daily",
            Cadence::Weekly => "weekly",
        }
    }

    /// How far back a first digest looks.
    pub fn span(self) -> chrono::Duration {
        match self {
            Cadence::Daily => chrono::Duration::days(1),
            Cadence::Weekly => chrono::Duration::days(7),
        }
    }
}

/// When a member wants their digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub cadence: Cadence,
    /// Weekly digests only.
    pub weekday: Weekday,
    /// Local hour, 0 to 23.
    pub hour: u32,
    pub timezone: Tz,
}

impl Schedule {
    /// From stored preferences (`weekday` 0 = Sunday); `None` when digests are off. An
    /// unknown timezone (none is accepted, but rows predate checks) counts as UTC.
    pub fn from_stored(
        frequency: DigestFrequency,
        weekday: i16,
        hour: i16,
        timezone: &str,
    ) -> Option<Schedule> {
        Some(Schedule {
            cadence: Cadence::of(frequency)?,
            weekday: weekday_from_sunday_zero(weekday),
            hour: u32::try_from(hour.clamp(0, 23)).unwrap_or(0),
            timezone: timezone.parse().unwrap_or(Tz::UTC),
        })
    }

    /// The key of the period `now` falls in, in the member's timezone.
    pub fn period_key(&self, now: DateTime<Utc>) -> String {
        let local = now.with_timezone(&self.timezone).date_naive();
        period_key(self.cadence, local)
    }

    /// The period whose digest is due at `now`, if the member's chosen moment in the
    /// current period has passed.
    pub fn due(&self, now: DateTime<Utc>) -> Option<String> {
        let local = now.with_timezone(&self.timezone);
        let reached_hour = local.hour() >= self.hour;
        let reached = match self.cadence {
            Cadence::Daily => reached_hour,
            Cadence::Weekly => {
                let today = local.weekday().num_days_from_monday();
                let chosen = self.weekday.num_days_from_monday();
                today > chosen || (today == chosen && reached_hour)
            }
        };
        reached.then(|| period_key(self.cadence, local.date_naive()))
    }
}

fn period_key(cadence: Cadence, local: NaiveDate) -> String {
    match cadence {
        Cadence::Daily => local.format("%Y-%m-%d").to_string(),
        Cadence::Weekly => {
            let week = local.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
    }
}

/// Stored weekdays count from Sunday = 0, as the API does.
fn weekday_from_sunday_zero(day: i16) -> Weekday {
    match day.rem_euclid(7) {
        0 => Weekday::Sun,
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        _ => Weekday::Sat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::BTreeSet;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn weekly(weekday: i16, hour: i16, tz: &str) -> Schedule {
        Schedule::from_stored(DigestFrequency::Weekly, weekday, hour, tz).unwrap()
    }

    /// Every (minute-by-minute) moment at which a scheduler running every minute would find
    /// a new key due, over `from..to`, given it records each key it sends.
    fn sends(
        schedule: &Schedule,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(String, DateTime<Utc>)> {
        let mut sent = BTreeSet::new();
        let mut out = Vec::new();
        let mut now = from;
        while now < to {
            if let Some(key) = schedule.due(now) {
                if sent.insert(key.clone()) {
                    out.push((key, now));
                }
            }
            now += chrono::Duration::minutes(1);
        }
        out
    }

    #[test]
    fn off_means_no_schedule() {
        assert!(Schedule::from_stored(DigestFrequency::Off, 1, 7, "UTC").is_none());
    }

    #[test]
    fn weekly_keys_are_iso_weeks_in_the_members_timezone() {
        let s = weekly(1, 7, "America/Chicago");
        // Monday 2026-11-30 03:00 UTC is still Sunday evening in Chicago: ISO week 48.
        assert_eq!(s.period_key(utc(2026, 11, 30, 3, 0)), "2026-W48");
        assert_eq!(s.period_key(utc(2026, 11, 30, 7, 0)), "2026-W49");
        // ISO years differ from calendar years around New Year.
        assert_eq!(s.period_key(utc(2027, 1, 1, 18, 0)), "2026-W53");
    }

    #[test]
    fn a_weekly_digest_is_due_from_the_chosen_hour_to_the_end_of_the_week() {
        // Mondays at 07:00 in Chicago (UTC-6 in November).
        let s = weekly(1, 7, "America/Chicago");
        assert_eq!(s.due(utc(2026, 11, 23, 12, 59)), None);
        assert_eq!(s.due(utc(2026, 11, 23, 13, 0)).as_deref(), Some("2026-W48"));
        // A server down on Monday still sends on Thursday.
        assert_eq!(s.due(utc(2026, 11, 26, 9, 0)).as_deref(), Some("2026-W48"));
        // Sunday night local is still the same week.
        assert_eq!(s.due(utc(2026, 11, 30, 5, 0)).as_deref(), Some("2026-W48"));
    }

    #[test]
    fn sunday_is_the_last_day_of_the_week() {
        let s = weekly(0, 18, "UTC");
        assert_eq!(s.due(utc(2026, 11, 28, 23, 0)), None);
        assert_eq!(s.due(utc(2026, 11, 29, 18, 0)).as_deref(), Some("2026-W48"));
    }

    #[test]
    fn daily_digests_are_keyed_by_local_date() {
        let s = Schedule::from_stored(DigestFrequency::Daily, 0, 6, "Asia/Tokyo").unwrap();
        // 21:00 UTC is 06:00 the next day in Tokyo.
        assert_eq!(s.due(utc(2026, 11, 25, 20, 59)), None);
        assert_eq!(
            s.due(utc(2026, 11, 25, 21, 0)).as_deref(),
            Some("2026-11-26")
        );
    }

    #[test]
    fn a_skipped_hour_is_caught_by_the_next_and_sends_once() {
        // US clocks jump from 02:00 to 03:00 on Sunday 2027-03-14: a 02:00 Sunday digest.
        let s = weekly(0, 2, "America/New_York");
        let sent = sends(&s, utc(2027, 3, 8, 12, 0), utc(2027, 3, 22, 0, 0));
        assert_eq!(
            sent,
            vec![
                // 03:00 EDT, the first local moment at or after 02:00.
                ("2027-W10".to_owned(), utc(2027, 3, 14, 7, 0)),
                ("2027-W11".to_owned(), utc(2027, 3, 21, 6, 0)),
            ]
        );
    }

    #[test]
    fn a_repeated_hour_sends_once() {
        // US clocks go back from 02:00 to 01:00 on Sunday 2026-11-01: a 01:00 daily digest.
        let s = Schedule::from_stored(DigestFrequency::Daily, 0, 1, "America/New_York").unwrap();
        // From 00:30 local on the day of the change.
        let sent = sends(&s, utc(2026, 11, 1, 4, 30), utc(2026, 11, 2, 12, 0));
        assert_eq!(
            sent,
            vec![
                ("2026-11-01".to_owned(), utc(2026, 11, 1, 5, 0)),
                ("2026-11-02".to_owned(), utc(2026, 11, 2, 6, 0)),
            ]
        );
    }

    #[test]
    fn every_week_of_a_year_sends_exactly_once_across_both_changes() {
        let s = weekly(1, 7, "Europe/Berlin");
        let sent = sends(&s, utc(2026, 12, 28, 0, 0), utc(2027, 12, 27, 0, 0));
        assert_eq!(sent.len(), 52);
        let keys: BTreeSet<_> = sent.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys.len(), 52);
    }

    #[test]
    fn moving_timezone_within_a_week_keeps_the_key() {
        let before = weekly(1, 7, "America/Los_Angeles");
        let after = weekly(1, 7, "Asia/Tokyo");
        let sent_at = utc(2026, 11, 23, 15, 0);
        assert_eq!(before.due(sent_at).as_deref(), Some("2026-W48"));
        // Later that week, in Tokyo: due, but for the key already sent.
        assert_eq!(
            after.due(utc(2026, 11, 25, 0, 0)).as_deref(),
            Some("2026-W48")
        );
    }
}
