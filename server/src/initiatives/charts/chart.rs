//! A run chart read from check-ins: the series, where its baseline starts (the first period,
//! or where a facilitator re-baselined), the frozen baseline median of the first 10 points
//! from there, the signals read against it, and whether the series makes a bright spot.
//! Points before a re-baseline stay on the chart but are not read for signals. Plain
//! functions over values, shared by the API, the SVG and bright-spot detection.

use super::run_chart::{self, Direction, Rule, Signal};
use crate::initiatives::bright_spots::{self, BrightSpot};
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Check-ins in period order.
    pub points: Vec<(NaiveDate, f64)>,
    /// Index of the first point read (the baseline's start).
    pub start: usize,
    pub baseline: Option<run_chart::Baseline>,
    /// Signals, as indices into `points`.
    pub signals: Vec<Signal>,
}

/// Reads `points` (in period order) with the baseline starting at `baseline_from` (the
/// first period when `None` or before every point).
pub fn read(
    points: Vec<(NaiveDate, f64)>,
    baseline_from: Option<NaiveDate>,
    direction: Direction,
) -> Reading {
    let start = baseline_from
        .map(|from| points.partition_point(|(period, _)| *period < from))
        .unwrap_or(0);
    let values: Vec<f64> = points[start..].iter().map(|(_, v)| *v).collect();
    let baseline = run_chart::baseline(&values);
    let signals = baseline
        .map(|b| run_chart::signals(&values, b.median, direction))
        .unwrap_or_default()
        .into_iter()
        .map(|s| Signal {
            from: s.from + start,
            to: s.to + start,
            ..s
        })
        .collect();
    Reading {
        points,
        start,
        baseline,
        signals,
    }
}

impl Reading {
    /// The periods the baseline median was computed from.
    pub fn baseline_periods(&self) -> Vec<NaiveDate> {
        let count = self.baseline.map(|b| b.points).unwrap_or(0);
        self.points[self.start..]
            .iter()
            .take(count)
            .map(|(period, _)| *period)
            .collect()
    }

    /// Whether the series is a bright spot now, with the signal's indices into `points`.
    pub fn bright_spot(&self, direction: Direction) -> Option<BrightSpot> {
        let baseline = self.baseline?;
        let values: Vec<f64> = self.points[self.start..].iter().map(|(_, v)| *v).collect();
        let mut spot = bright_spots::bright_spot(&values, baseline.median, direction)?;
        spot.signal.from += self.start;
        spot.signal.to += self.start;
        Some(spot)
    }
}

/// What a bright spot's signal says in words, after the team's name: "chronic absence below
/// its baseline six weeks running", "chronic absence falling five weeks running".
pub fn bright_spot_summary(
    measure: &str,
    direction: Direction,
    weekly: bool,
    spot: &BrightSpot,
) -> String {
    let points = spot.signal.to - spot.signal.from + 1;
    let span = format!(
        "{} {}",
        count_in_words(points),
        match (weekly, points) {
            (true, 1) => "week",
            (true, _) => "weeks",
            (false, 1) => "month",
            (false, _) => "months",
        }
    );
    let measure = lowercase_initial(measure);
    match (spot.signal.rule, direction) {
        (Rule::Trend, Direction::Decrease) => format!("{measure} falling {span} running"),
        (Rule::Trend, Direction::Increase) => format!("{measure} rising {span} running"),
        (_, Direction::Decrease) => format!("{measure} below its baseline {span} running"),
        (_, Direction::Increase) => format!("{measure} above its baseline {span} running"),
    }
}

fn count_in_words(count: usize) -> String {
    const WORDS: [&str; 13] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    WORDS
        .get(count)
        .map(|w| (*w).to_owned())
        .unwrap_or_else(|| count.to_string())
}

/// "Chronic absence" → "chronic absence", but "SEL referrals" stays as it is.
fn lowercase_initial(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weeks(values: &[f64]) -> Vec<(NaiveDate, f64)> {
        let monday: NaiveDate = "2027-01-04".parse().unwrap();
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (monday + chrono::Duration::weeks(i as i64), *v))
            .collect()
    }

    #[test]
    fn a_rebaseline_reads_only_the_points_from_its_period() {
        // Ten points around 18, then a drop to about 12 that holds.
        let mut values = vec![18.0, 19.0, 17.0, 18.5, 18.0, 17.5, 19.0, 18.0, 17.8, 18.2];
        values.extend([
            12.0, 12.5, 11.8, 12.2, 12.1, 11.9, 12.3, 12.0, 12.4, 11.7, 12.2,
        ]);
        let points = weeks(&values);
        let whole = read(points.clone(), None, Direction::Decrease);
        assert_eq!(whole.baseline.unwrap().median, 18.0);
        assert!(whole
            .signals
            .iter()
            .any(|s| s.rule == Rule::Shift && s.from == 10));
        assert!(whole.bright_spot(Direction::Decrease).is_some());

        let from = points[10].0;
        let rebased = read(points, Some(from), Direction::Decrease);
        assert_eq!(rebased.start, 10);
        assert_eq!(rebased.baseline_periods().first(), Some(&from));
        assert_eq!(rebased.baseline_periods().len(), 10);
        assert!(!rebased.baseline.unwrap().provisional);
        assert!((rebased.baseline.unwrap().median - 12.1).abs() < 0.051);
        // Around its new median the new level is noise: no shift, so no bright spot.
        assert!(rebased.signals.iter().all(|s| s.from >= 10));
        assert!(!rebased.signals.iter().any(|s| s.rule == Rule::Shift));
        assert!(rebased.bright_spot(Direction::Decrease).is_none());
    }

    #[test]
    fn a_rebaseline_after_every_point_leaves_nothing_to_read() {
        let points = weeks(&[5.0, 6.0]);
        let later = points[1].0 + chrono::Duration::weeks(5);
        let reading = read(points, Some(later), Direction::Increase);
        assert_eq!(reading.baseline, None);
        assert!(reading.signals.is_empty());
        assert_eq!(reading.bright_spot(Direction::Increase), None);
        assert!(reading.baseline_periods().is_empty());
    }

    #[test]
    fn bright_spot_summaries_read_as_a_sentence() {
        let values = [
            18.0, 19.0, 17.0, 18.5, 18.0, 17.5, 19.0, 18.0, 17.8, 18.2, 12.0, 12.5,
        ]
        .into_iter()
        .chain([11.8, 12.2, 12.1, 11.9])
        .collect::<Vec<_>>();
        let reading = read(weeks(&values), None, Direction::Decrease);
        let spot = reading.bright_spot(Direction::Decrease).unwrap();
        assert_eq!(
            bright_spot_summary("Chronic absence", Direction::Decrease, true, &spot),
            "chronic absence below its baseline six weeks running"
        );
        assert_eq!(lowercase_initial("SEL referrals"), "SEL referrals");
    }
}
