//! Dates as a digest writes them, one way everywhere: "Tuesday 6 May", and how far off when
//! that is close enough to count in days ("Tuesday 6 May (in 3 days)", "(today)").

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Within this many days either way, the distance is said too.
const NEAR_DAYS: i64 = 13;

/// `date` for a reader whose today is `today`.
pub fn day(date: NaiveDate, today: NaiveDate) -> String {
    let named = date.format("%A %-d %B").to_string();
    let distance = match (date - today).num_days() {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        -1 => "yesterday".to_owned(),
        n if (2..=NEAR_DAYS).contains(&n) => format!("in {n} days"),
        n if (-NEAR_DAYS..=-2).contains(&n) => format!("{} days ago", -n),
        _ => return named,
    };
    format!("{named} ({distance})")
}

/// A moment, in the reader's timezone: its day as `day` writes it, then the time.
pub fn moment(at: DateTime<Utc>, timezone: Tz, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&timezone);
    format!(
        "{}, {}",
        day(
            local.date_naive(),
            now.with_timezone(&timezone).date_naive()
        ),
        local.format("%H:%M %Z")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_format_with_the_distance_when_it_is_near() {
        let today = NaiveDate::from_ymd_opt(2027, 5, 3).unwrap();
        let on = |d| NaiveDate::from_ymd_opt(2027, 5, d).unwrap();
        assert_eq!(day(on(6), today), "Thursday 6 May (in 3 days)");
        assert_eq!(day(on(3), today), "Monday 3 May (today)");
        assert_eq!(day(on(4), today), "Tuesday 4 May (tomorrow)");
        assert_eq!(day(on(2), today), "Sunday 2 May (yesterday)");
        assert_eq!(
            day(on(1) - chrono::Duration::days(5), today),
            "Monday 26 April (7 days ago)"
        );
        assert_eq!(day(on(31), today), "Monday 31 May");
        let now = "2027-05-03T23:30:00Z".parse().unwrap();
        let meeting = "2027-05-04T20:00:00Z".parse().unwrap();
        // In Chicago it is still the 3rd: the meeting is tomorrow there.
        assert_eq!(
            moment(meeting, chrono_tz::America::Chicago, now),
            "Tuesday 4 May (tomorrow), 15:00 CDT"
        );
    }
}
