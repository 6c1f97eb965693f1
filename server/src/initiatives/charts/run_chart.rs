//! The rules that read a run chart: the baseline median, and the signals of non-random
//! variation (Provost & Murray's shift and trend; Anhøj's longest run and number of
//! crossings). Plain functions over a series of values in period order: no HTTP, no
//! database. A signal names the points it spans (indices into the series) and whether it
//! moves the way the measure should go.

/// Which way is better for a measure ("reduce chronic absence": `Decrease`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Decrease,
    Increase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// 6 or more consecutive points on one side of the median.
    Shift,
    /// 5 or more points in a row going up, or going down.
    Trend,
    /// A run longer than round(log2(n)) + 3 points (Anhøj).
    LongRun,
    /// Fewer crossings of the median than the 5% binomial quantile (Anhøj).
    FewCrossings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Improvement,
    Deterioration,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Decrease => "decrease",
            Direction::Increase => "increase",
        }
    }
}

impl Rule {
    /// The API's name for the rule.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Shift => "shift",
            Rule::Trend => "trend",
            Rule::LongRun => "long_run",
            Rule::FewCrossings => "few_crossings",
        }
    }
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Improvement => "improvement",
            Effect::Deterioration => "deterioration",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    pub rule: Rule,
    /// First and last point it spans (indices into the series), inclusive.
    pub from: usize,
    pub to: usize,
    pub effect: Effect,
}

/// How many check-ins make a baseline that is no longer provisional.
pub const BASELINE_POINTS: usize = 10;
/// Points in a shift.
pub const SHIFT_POINTS: usize = 6;
/// Points in a trend (4 rises or 4 falls in a row).
pub const TREND_POINTS: usize = 5;

/// The median (the mean of the middle two for an even count); `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len() % 2 == 0 {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    pub median: f64,
    /// Points it was computed from (at most `BASELINE_POINTS`).
    pub points: usize,
    /// Fewer than `BASELINE_POINTS` points so far: it will move as check-ins arrive.
    pub provisional: bool,
}

/// The median of the first `BASELINE_POINTS` values (all of them while there are fewer).
pub fn baseline(values: &[f64]) -> Option<Baseline> {
    let points = values.len().min(BASELINE_POINTS);
    Some(Baseline {
        median: median(&values[..points])?,
        points,
        provisional: points < BASELINE_POINTS,
    })
}

/// Every signal in `values` read against `center` (the baseline median), in order of the
/// points they start at.
pub fn signals(values: &[f64], center: f64, direction: Direction) -> Vec<Signal> {
    let mut found = shifts(values, center, direction);
    found.extend(trends(values, direction));
    found.extend(anhoj(values, center, direction));
    found.sort_by_key(|s| (s.from, s.to));
    found
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Above,
    Below,
}

fn effect_of_side(side: Side, direction: Direction) -> Effect {
    match (side, direction) {
        (Side::Above, Direction::Increase) | (Side::Below, Direction::Decrease) => {
            Effect::Improvement
        }
        _ => Effect::Deterioration,
    }
}

/// A run: consecutive points on one side of the median. Points on the median neither count
/// nor break it; they lie inside its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    side: Side,
    from: usize,
    to: usize,
    /// Points off the median in it.
    length: usize,
}

fn runs(values: &[f64], center: f64) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let side = if *value > center {
            Side::Above
        } else if *value < center {
            Side::Below
        } else {
            continue;
        };
        match runs.last_mut() {
            Some(run) if run.side == side => {
                run.to = index;
                run.length += 1;
            }
            _ => runs.push(Run {
                side,
                from: index,
                to: index,
                length: 1,
            }),
        }
    }
    runs
}

/// Shifts: runs of `SHIFT_POINTS` or more points on one side of the median.
pub fn shifts(values: &[f64], center: f64, direction: Direction) -> Vec<Signal> {
    runs(values, center)
        .into_iter()
        .filter(|run| run.length >= SHIFT_POINTS)
        .map(|run| Signal {
            rule: Rule::Shift,
            from: run.from,
            to: run.to,
            effect: effect_of_side(run.side, direction),
        })
        .collect()
}

/// Trends: `TREND_POINTS` or more points in a row all going up or all going down. A point
/// equal to the one before neither counts nor breaks a trend.
pub fn trends(values: &[f64], direction: Direction) -> Vec<Signal> {
    // Points that differ from the one kept before them, with their index.
    let mut kept: Vec<(usize, f64)> = Vec::new();
    for (index, value) in values.iter().copied().enumerate() {
        if kept.last().is_none_or(|(_, last)| *last != value) {
            kept.push((index, value));
        }
    }
    let mut found = Vec::new();
    let mut start = 0;
    while start + 1 < kept.len() {
        let rising = kept[start + 1].1 > kept[start].1;
        let mut end = start + 1;
        while end + 1 < kept.len() && (kept[end + 1].1 > kept[end].1) == rising {
            end += 1;
        }
        if end - start + 1 >= TREND_POINTS {
            let side = if rising { Side::Above } else { Side::Below };
            found.push(Signal {
                rule: Rule::Trend,
                from: kept[start].0,
                to: kept[end].0,
                effect: effect_of_side(side, direction),
            });
        }
        // The last point of one trend is the first of the next one the other way.
        start = end;
    }
    found
}

/// Anhøj's two rules over the useful points (those not on the median): the longest run
/// longer than `longest_run_limit(n)`, and fewer crossings than `fewest_crossings(n)`.
pub fn anhoj(values: &[f64], center: f64, direction: Direction) -> Vec<Signal> {
    let runs = runs(values, center);
    let useful: usize = runs.iter().map(|r| r.length).sum();
    if useful < 2 {
        return Vec::new();
    }
    let mut found = Vec::new();
    let Some(longest) = runs
        .iter()
        .copied()
        .max_by_key(|r| (r.length, usize::MAX - r.from))
    else {
        return found;
    };
    if longest.length > longest_run_limit(useful) {
        found.push(Signal {
            rule: Rule::LongRun,
            from: longest.from,
            to: longest.to,
            effect: effect_of_side(longest.side, direction),
        });
    }
    let crossings = runs.len() - 1;
    if crossings < fewest_crossings(useful) {
        // The series clusters; it counts the way its longest run lies.
        found.push(Signal {
            rule: Rule::FewCrossings,
            from: runs[0].from,
            to: runs[runs.len() - 1].to,
            effect: effect_of_side(longest.side, direction),
        });
    }
    found
}

/// The longest run a random series of `useful` points stays within: round(log2(n)) + 3.
pub fn longest_run_limit(useful: usize) -> usize {
    (useful as f64).log2().round() as usize + 3
}

/// The fewest crossings a random series of `useful` points has (95% of the time): the 5%
/// quantile of Binomial(n − 1, 0.5), i.e. the smallest c with P(X ≤ c) ≥ 0.05.
pub fn fewest_crossings(useful: usize) -> usize {
    let trials = useful.saturating_sub(1);
    // P(X = k) for Binomial(trials, 1/2), accumulated in log space to stay exact enough
    // for any series length.
    let mut cumulative = 0.0;
    let mut log_choose = 0.0_f64; // ln C(trials, 0)
    let log_half_power = trials as f64 * 0.5_f64.ln();
    for k in 0..=trials {
        if k > 0 {
            log_choose += ((trials - k + 1) as f64).ln() - (k as f64).ln();
        }
        cumulative += (log_choose + log_half_power).exp();
        if cumulative >= 0.05 {
            return k;
        }
    }
    trials
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(rule: Rule, from: usize, to: usize, effect: Effect) -> Signal {
        Signal {
            rule,
            from,
            to,
            effect,
        }
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn the_baseline_is_the_median_of_the_first_ten_and_provisional_before_ten() {
        let early = baseline(&[18.0, 17.0, 19.0]).unwrap();
        assert_eq!(
            (early.median, early.points, early.provisional),
            (18.0, 3, true)
        );
        let values: Vec<f64> = (1..=14).map(f64::from).collect();
        let frozen = baseline(&values).unwrap();
        // 1..=10 only: later points do not move it.
        assert_eq!(
            (frozen.median, frozen.points, frozen.provisional),
            (5.5, 10, false)
        );
        assert_eq!(baseline(&[]), None);
    }

    #[test]
    fn six_points_below_the_median_are_a_shift_and_five_are_not() {
        let values = [18.0, 18.0, 18.0, 15.0, 14.0, 14.5, 13.0, 14.0, 12.0, 20.0];
        assert_eq!(
            shifts(&values, 16.0, Direction::Decrease),
            vec![signal(Rule::Shift, 3, 8, Effect::Improvement)]
        );
        assert_eq!(
            shifts(&values, 16.0, Direction::Increase),
            vec![signal(Rule::Shift, 3, 8, Effect::Deterioration)]
        );
        let five = [18.0, 15.0, 14.0, 14.5, 13.0, 14.0, 20.0];
        assert!(shifts(&five, 16.0, Direction::Decrease).is_empty());
    }

    #[test]
    fn points_on_the_median_neither_count_nor_break_a_shift() {
        // Three above, one on the median, three above: six that count, spanning seven.
        let values = [11.0, 12.0, 13.0, 10.0, 12.0, 11.0, 14.0];
        assert_eq!(
            shifts(&values, 10.0, Direction::Increase),
            vec![signal(Rule::Shift, 0, 6, Effect::Improvement)]
        );
        // Five above with two on the median: still five.
        let values = [11.0, 10.0, 12.0, 13.0, 10.0, 12.0, 11.0];
        assert!(shifts(&values, 10.0, Direction::Increase).is_empty());
    }

    #[test]
    fn five_points_going_one_way_are_a_trend_and_ties_neither_count_nor_break_it() {
        assert_eq!(
            trends(&[18.0, 17.0, 16.0, 15.0, 14.0], Direction::Decrease),
            vec![signal(Rule::Trend, 0, 4, Effect::Improvement)]
        );
        assert!(trends(&[18.0, 17.0, 16.0, 15.0], Direction::Decrease).is_empty());
        // The repeated 16 is one point: 18, 17, 16, 15, 14 fall across six check-ins.
        assert_eq!(
            trends(&[18.0, 17.0, 16.0, 16.0, 15.0, 14.0], Direction::Increase),
            vec![signal(Rule::Trend, 0, 5, Effect::Deterioration)]
        );
        // Ties do not make a trend of four distinct points.
        assert!(trends(&[1.0, 2.0, 2.0, 3.0, 3.0, 4.0], Direction::Increase).is_empty());
        // Up five, then down five: two trends sharing the turning point.
        let zigzag = [1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0, 2.0, 1.0];
        assert_eq!(
            trends(&zigzag, Direction::Increase),
            vec![
                signal(Rule::Trend, 0, 4, Effect::Improvement),
                signal(Rule::Trend, 4, 8, Effect::Deterioration)
            ]
        );
    }

    /// Anhøj & Olesen (2014), table 1: for n useful observations, the longest run a random
    /// series stays within and the fewest crossings it has.
    #[test]
    fn limits_match_the_published_table() {
        let table: [(usize, usize, usize); 21] = [
            (10, 6, 2),
            (11, 6, 2),
            (12, 7, 3),
            (13, 7, 3),
            (14, 7, 4),
            (15, 7, 4),
            (16, 7, 4),
            (17, 7, 5),
            (18, 7, 5),
            (19, 7, 6),
            (20, 7, 6),
            (21, 7, 6),
            (22, 7, 7),
            (23, 8, 7),
            (24, 8, 8),
            (25, 8, 8),
            (26, 8, 8),
            (27, 8, 9),
            (28, 8, 9),
            (29, 8, 10),
            (30, 8, 10),
        ];
        for (n, run, crossings) in table {
            assert_eq!(longest_run_limit(n), run, "longest run for n = {n}");
            assert_eq!(fewest_crossings(n), crossings, "crossings for n = {n}");
        }
        // Larger series from the same table.
        assert_eq!((longest_run_limit(50), fewest_crossings(50)), (9, 19));
        assert_eq!((longest_run_limit(100), fewest_crossings(100)), (10, 41));
    }

    #[test]
    fn a_random_looking_series_gives_no_signal() {
        let values = [
            14.0, 17.0, 15.0, 18.0, 13.0, 16.0, 17.5, 14.5, 16.5, 15.5, 17.0, 13.5,
        ];
        let center = median(&values).unwrap();
        assert!(signals(&values, center, Direction::Decrease).is_empty());
    }

    #[test]
    fn a_sustained_improvement_shows_every_rule() {
        // Chronic absence %: ten weeks around 18, then twelve weeks of steady decline.
        let mut values = vec![18.0, 18.5, 19.0, 19.5, 18.0, 17.5, 17.0, 17.5, 18.5, 19.0];
        values.extend([
            16.5, 16.0, 15.0, 14.5, 14.0, 13.0, 12.5, 12.0, 12.5, 11.5, 11.0, 10.5,
        ]);
        let center = baseline(&values).unwrap().median;
        assert_eq!(center, 18.25);
        let found = signals(&values, center, Direction::Decrease);
        let rules: Vec<Rule> = found.iter().map(|s| s.rule).collect();
        for rule in [Rule::Shift, Rule::Trend, Rule::LongRun, Rule::FewCrossings] {
            assert!(rules.contains(&rule), "{rule:?} missing from {found:?}");
        }
        assert!(
            found.iter().all(|s| s.effect == Effect::Improvement),
            "{found:?}"
        );
        let shift = found.iter().find(|s| s.rule == Rule::Shift).unwrap();
        assert_eq!((shift.from, shift.to), (10, 21));
    }

    /// A series around a median of 10 from runs of (side, length): `'+'` above, `'-'` below,
    /// `'='` on the median.
    fn series(runs: &[(char, usize)]) -> Vec<f64> {
        runs.iter()
            .flat_map(|(side, length)| {
                let value = match side {
                    '+' => 12.0,
                    '-' => 8.0,
                    _ => 10.0,
                };
                std::iter::repeat_n(value, *length)
            })
            .collect()
    }

    fn rules(values: &[f64]) -> Vec<Rule> {
        anhoj(values, 10.0, Direction::Decrease)
            .iter()
            .map(|s| s.rule)
            .collect()
    }

    #[test]
    fn a_long_run_signals_only_beyond_its_limit() {
        // 14 useful points: the limit is round(log2 14) + 3 = 7, and 4 crossings are needed.
        assert_eq!(longest_run_limit(14), 7);
        let at_limit = series(&[
            ('+', 7),
            ('-', 1),
            ('+', 1),
            ('-', 1),
            ('+', 1),
            ('-', 1),
            ('+', 1),
            ('-', 1),
        ]);
        assert_eq!(at_limit.len(), 14);
        assert_eq!(rules(&at_limit), vec![]);
        let beyond = series(&[
            ('+', 8),
            ('-', 1),
            ('+', 1),
            ('-', 1),
            ('+', 1),
            ('-', 1),
            ('+', 1),
        ]);
        let found = anhoj(&beyond, 10.0, Direction::Decrease);
        assert_eq!(
            found,
            vec![signal(Rule::LongRun, 0, 7, Effect::Deterioration)]
        );
    }

    #[test]
    fn too_few_crossings_signal_only_below_the_binomial_quantile() {
        assert_eq!(fewest_crossings(14), 4);
        // Five runs, four crossings: as few as chance allows, no signal.
        let enough = series(&[('+', 3), ('-', 3), ('+', 3), ('-', 3), ('+', 2)]);
        assert_eq!(rules(&enough), vec![]);
        // Four runs, three crossings, none long: the series clusters.
        let clustered = series(&[('-', 4), ('+', 4), ('-', 3), ('+', 3)]);
        let found = anhoj(&clustered, 10.0, Direction::Decrease);
        assert_eq!(
            found,
            vec![signal(Rule::FewCrossings, 0, 13, Effect::Improvement)]
        );
    }

    #[test]
    fn points_on_the_median_change_neither_rule() {
        // The same clustered series with points on the median inside and between runs: they
        // are not useful points, so n, the runs and the crossings are the same.
        let clustered = series(&[('-', 4), ('+', 4), ('-', 3), ('+', 3)]);
        let with_ties = series(&[
            ('=', 1),
            ('-', 2),
            ('=', 2),
            ('-', 2),
            ('=', 1),
            ('+', 4),
            ('=', 1),
            ('-', 3),
            ('+', 3),
            ('=', 1),
        ]);
        assert_eq!(rules(&with_ties), rules(&clustered));
        // A run interrupted by a point on the median is one run: 8 below, a long run.
        let long = series(&[
            ('-', 4),
            ('=', 1),
            ('-', 4),
            ('+', 1),
            ('-', 1),
            ('+', 1),
            ('-', 1),
            ('+', 1),
            ('-', 1),
        ]);
        assert!(rules(&long).contains(&Rule::LongRun), "{:?}", rules(&long));
    }

    #[test]
    fn fewer_than_two_useful_points_give_no_anhoj_signal() {
        assert_eq!(rules(&series(&[('+', 1)])), vec![]);
        assert_eq!(rules(&series(&[('=', 5), ('-', 1)])), vec![]);
        assert_eq!(rules(&[]), vec![]);
    }

    #[test]
    fn crossings_count_only_useful_points() {
        // Above, on, above, below: one crossing between useful points 0 and 3.
        let values = [2.0, 1.0, 3.0, 0.0];
        let found = runs(&values, 1.0);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].length, 2);
    }
}
