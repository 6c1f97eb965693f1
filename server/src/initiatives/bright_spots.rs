//! Bright spots: a team is one while a shift or trend in the improvement direction runs
//! through its latest check-in. Bright spots are ranked by how far they moved from their
//! baseline, the better way first. The network's own chart uses the median of its teams'
//! values in each period.

use super::charts::run_chart::{median, signals, Direction, Effect, Rule, Signal};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BrightSpot {
    /// The signal that makes it one (the longest-running shift or trend through the latest
    /// check-in).
    pub signal: Signal,
    pub baseline_median: f64,
    /// The median of the signal's points.
    pub recent_median: f64,
    /// (recent − baseline) / |baseline|; `None` when the baseline is 0.
    pub relative_change: Option<f64>,
}

/// Whether a team with these check-ins (in period order) is a bright spot now.
pub fn bright_spot(
    values: &[f64],
    baseline_median: f64,
    direction: Direction,
) -> Option<BrightSpot> {
    let latest = values.len().checked_sub(1)?;
    let signal = signals(values, baseline_median, direction)
        .into_iter()
        .filter(|s| {
            matches!(s.rule, Rule::Shift | Rule::Trend)
                && s.effect == Effect::Improvement
                && s.to == latest
        })
        .max_by_key(|s| (s.to - s.from, usize::MAX - s.from))?;
    let recent_median = median(&values[signal.from..=signal.to])?;
    let relative_change =
        (baseline_median != 0.0).then(|| (recent_median - baseline_median) / baseline_median.abs());
    Some(BrightSpot {
        signal,
        baseline_median,
        recent_median,
        relative_change,
    })
}

/// Orders bright spots best first: the largest relative move the better way (a decrease
/// for a measure to decrease); those without a relative change (baseline 0) last.
pub fn rank<T>(spots: &mut [(T, BrightSpot)], direction: Direction) {
    let gain = |spot: &BrightSpot| {
        spot.relative_change.map(|change| match direction {
            Direction::Decrease => -change,
            Direction::Increase => change,
        })
    };
    spots.sort_by(|(_, a), (_, b)| match (gain(a), gain(b)) {
        (Some(a), Some(b)) => b.total_cmp(&a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// The network's series: for each period any team checked in, the median of the teams'
/// values in it.
pub fn network_series<P: Ord + Copy>(teams: &[Vec<(P, f64)>]) -> Vec<(P, f64)> {
    let mut by_period: BTreeMap<P, Vec<f64>> = BTreeMap::new();
    for team in teams {
        for (period, value) in team {
            by_period.entry(*period).or_default().push(*value);
        }
    }
    by_period
        .into_iter()
        .filter_map(|(period, values)| Some((period, median(&values)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::initiatives::charts::run_chart::baseline;

    const BASE: [f64; 10] = [18.0, 18.5, 19.0, 19.5, 18.0, 17.5, 17.0, 17.5, 18.5, 19.0];

    fn series(tail: &[f64]) -> Vec<f64> {
        BASE.iter().chain(tail).copied().collect()
    }

    #[test]
    fn a_team_is_a_bright_spot_while_an_improvement_runs_through_its_latest_check_in() {
        let values = series(&[17.0, 16.5, 16.0, 15.5, 15.0, 14.0]);
        let center = baseline(&values).unwrap().median;
        let spot = bright_spot(&values, center, Direction::Decrease).expect("a bright spot");
        assert_eq!(spot.signal.to, values.len() - 1);
        assert_eq!(spot.baseline_median, 18.25);
        assert!(spot.relative_change.unwrap() < -0.1, "{spot:?}");
        // One check-in back above the median ends the shift and the trend through it.
        let relapsed = series(&[17.0, 16.5, 16.0, 15.5, 15.0, 14.0, 19.5]);
        assert_eq!(bright_spot(&relapsed, center, Direction::Decrease), None);
        // The same data read for a measure to increase is a deterioration: no bright spot.
        assert_eq!(bright_spot(&values, center, Direction::Increase), None);
        assert_eq!(bright_spot(&[], 1.0, Direction::Increase), None);
    }

    #[test]
    fn bright_spots_rank_by_the_largest_move_the_better_way() {
        let center = 18.25;
        let small = bright_spot(
            &series(&[18.0, 17.8, 17.6, 17.4, 17.2, 17.0]),
            center,
            Direction::Decrease,
        )
        .unwrap();
        let large = bright_spot(
            &series(&[16.0, 15.0, 14.0, 13.0, 12.0, 11.0]),
            center,
            Direction::Decrease,
        )
        .unwrap();
        let mut spots = vec![("Manor", small), ("Lehman", large)];
        rank(&mut spots, Direction::Decrease);
        assert_eq!(spots[0].0, "Lehman");
        let zero = BrightSpot {
            relative_change: None,
            ..large
        };
        let mut spots = vec![("Zero", zero), ("Manor", small)];
        rank(&mut spots, Direction::Decrease);
        assert_eq!(spots[0].0, "Manor");
    }

    #[test]
    fn the_network_series_is_the_median_of_the_teams_each_period() {
        let teams = vec![
            vec![(1, 10.0), (2, 12.0), (3, 9.0)],
            vec![(1, 20.0), (2, 14.0)],
            vec![(1, 15.0), (3, 11.0), (4, 8.0)],
        ];
        assert_eq!(
            network_series(&teams),
            vec![(1, 15.0), (2, 13.0), (3, 10.0), (4, 8.0)]
        );
        assert!(network_series::<u32>(&[]).is_empty());
    }
}
