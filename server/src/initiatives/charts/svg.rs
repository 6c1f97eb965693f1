//! A run chart as an accessible SVG image: a title and a description that say what the
//! chart shows in words (for screen readers and for anyone who cannot see it), the series,
//! the baseline median, the target, the points of each signal marked, and tests of change
//! annotated on the time axis. Presentation attributes only (no style, no script), so it
//! renders under the client's CSP, in an `<img>` and in email.

use super::run_chart::{Effect, Rule, Signal};
use chrono::NaiveDate;
use std::fmt::Write as _;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 72.0;

/// What to draw.
pub struct RunChart<'a> {
    /// "Chronic absence, 9th grade · Lincoln High".
    pub title: &'a str,
    /// "%", "students".
    pub unit: &'a str,
    /// Check-ins in period order.
    pub points: &'a [(NaiveDate, f64)],
    pub median: Option<f64>,
    pub target: Option<f64>,
    pub signals: &'a [Signal],
    /// Tests of change, by the period they started in.
    pub annotations: &'a [(NaiveDate, &'a str)],
}

pub fn render(chart: &RunChart) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, sans-serif" font-size="12">"##
    );
    let _ = write!(
        svg,
        r#"<title id="chart-title">{}</title><desc id="chart-desc">{}</desc>"#,
        escape(chart.title),
        escape(&describe(chart))
    );
    let _ = write!(
        svg,
        r##"<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
    );
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="28" font-size="16" font-weight="700" fill="#1d2430">{}</text>"##,
        escape(chart.title)
    );
    if chart.points.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#4f5866">No check-ins yet.</text></svg>"##,
            WIDTH / 2.0,
            HEIGHT / 2.0
        );
        return svg;
    }

    let scale = Scale::new(chart);
    // Axes and the y range.
    let (low, high) = (scale.low, scale.high);
    let _ = write!(
        svg,
        r##"<g stroke="#767f8c" stroke-width="1"><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}"/><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}"/></g>"##,
        b = HEIGHT - BOTTOM,
        r = WIDTH - RIGHT
    );
    for value in [low, (low + high) / 2.0, high] {
        let _ = write!(
            svg,
            r##"<text x="{}" y="{:.1}" text-anchor="end" fill="#4f5866">{}</text>"##,
            LEFT - 8.0,
            scale.y(value) + 4.0,
            escape(&number(value, chart.unit))
        );
    }
    let (first, last) = (chart.points[0].0, chart.points[chart.points.len() - 1].0);
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="{}" fill="#4f5866">{first}</text><text x="{}" y="{}" text-anchor="end" fill="#4f5866">{last}</text>"##,
        HEIGHT - BOTTOM + 18.0,
        WIDTH - RIGHT,
        HEIGHT - BOTTOM + 18.0
    );

    // The median and the target, each labelled at its right end.
    if let Some(median) = chart.median {
        line(
            &mut svg,
            scale.y(median),
            "#1f6f5c",
            "6 4",
            &format!("median {}", number(median, chart.unit)),
        );
    }
    if let Some(target) = chart.target {
        line(
            &mut svg,
            scale.y(target),
            "#9a3412",
            "2 3",
            &format!("target {}", number(target, chart.unit)),
        );
    }

    // Tests of change on the time axis.
    for (period, label) in chart.annotations {
        let Some(x) = scale.x_of(*period, chart.points) else {
            continue;
        };
        let _ = write!(
            svg,
            r##"<g><title>{label}</title><path d="M{x:.1} {b} l-5 10 h10 z" fill="#2463eb"/><text x="{x:.1}" y="{t}" text-anchor="middle" fill="#2463eb">{short}</text></g>"##,
            label = escape(&format!("Test of change from {period}: {label}")),
            b = HEIGHT - BOTTOM + 24.0,
            t = HEIGHT - BOTTOM + 48.0,
            short = escape(&shorten(label, 24)),
        );
    }

    // The series, then its points: those inside a signal are larger and coloured.
    let path: Vec<String> = chart
        .points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| format!("{:.1},{:.1}", scale.x(i), scale.y(*v)))
        .collect();
    let _ = write!(
        svg,
        r##"<polyline points="{}" fill="none" stroke="#1d2430" stroke-width="2"/>"##,
        path.join(" ")
    );
    for (i, (period, value)) in chart.points.iter().enumerate() {
        let signal = chart.signals.iter().find(|s| s.from <= i && i <= s.to);
        let (radius, fill) = match signal.map(|s| s.effect) {
            Some(Effect::Improvement) => (6.0, "#15803d"),
            Some(Effect::Deterioration) => (6.0, "#b3261e"),
            None => (3.5, "#1d2430"),
        };
        let note = signal
            .map(|s| format!(" ({} {})", rule_name(s.rule), effect_name(s.effect)))
            .unwrap_or_default();
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="{radius}" fill="{fill}" stroke="#ffffff" stroke-width="1.5"><title>{}</title></circle>"##,
            scale.x(i),
            scale.y(*value),
            escape(&format!("{period}: {}{note}", number(*value, chart.unit)))
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The chart in words: what a sighted reader takes from it.
pub fn describe(chart: &RunChart) -> String {
    let Some(((first, _), (last, latest))) = chart.points.first().zip(chart.points.last()) else {
        return format!("Run chart of {}: no check-ins yet.", chart.title);
    };
    let mut text = format!(
        "Run chart of {} check-ins from {first} to {last}; the latest is {}.",
        chart.points.len(),
        number(*latest, chart.unit)
    );
    if let Some(median) = chart.median {
        let _ = write!(text, " Baseline median {}.", number(median, chart.unit));
    }
    if let Some(target) = chart.target {
        let _ = write!(text, " Target {}.", number(target, chart.unit));
    }
    if chart.signals.is_empty() {
        text.push_str(" No signal of non-random change.");
    }
    for signal in chart.signals {
        let (Some((from, _)), Some((to, _))) =
            (chart.points.get(signal.from), chart.points.get(signal.to))
        else {
            continue;
        };
        let _ = write!(
            text,
            " {} from {from} to {to}: {}.",
            capitalized(rule_name(signal.rule)),
            effect_name(signal.effect)
        );
    }
    for (period, label) in chart.annotations {
        let _ = write!(text, " Test of change from {period}: {label}.");
    }
    text
}

struct Scale {
    low: f64,
    high: f64,
    count: usize,
}

impl Scale {
    fn new(chart: &RunChart) -> Scale {
        let values = chart
            .points
            .iter()
            .map(|(_, v)| *v)
            .chain(chart.median)
            .chain(chart.target);
        let (mut low, mut high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if (high - low).abs() < f64::EPSILON {
            low -= 1.0;
            high += 1.0;
        }
        let pad = (high - low) * 0.08;
        Scale {
            low: low - pad,
            high: high + pad,
            count: chart.points.len(),
        }
    }

    fn x(&self, index: usize) -> f64 {
        let span = WIDTH - LEFT - RIGHT;
        if self.count <= 1 {
            return LEFT + span / 2.0;
        }
        LEFT + span * index as f64 / (self.count - 1) as f64
    }

    fn x_of(&self, period: NaiveDate, points: &[(NaiveDate, f64)]) -> Option<f64> {
        // The first check-in at or after the period the test started in.
        points
            .iter()
            .position(|(p, _)| *p >= period)
            .map(|i| self.x(i))
    }

    fn y(&self, value: f64) -> f64 {
        let span = HEIGHT - TOP - BOTTOM;
        TOP + span * (1.0 - (value - self.low) / (self.high - self.low))
    }
}

fn line(svg: &mut String, y: f64, color: &str, dash: &str, label: &str) {
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{y:.1}" x2="{r}" y2="{y:.1}" stroke="{color}" stroke-width="1.5" stroke-dasharray="{dash}"/><text x="{r}" y="{:.1}" text-anchor="end" fill="{color}">{}</text>"##,
        y - 5.0,
        escape(label),
        r = WIDTH - RIGHT
    );
}

fn number(value: f64, unit: &str) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let text = format!("{rounded}");
    match unit {
        "" => text,
        "%" => format!("{text}%"),
        unit => format!("{text} {unit}"),
    }
}

fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::Shift => "shift",
        Rule::Trend => "trend",
        Rule::LongRun => "long run",
        Rule::FewCrossings => "few crossings",
    }
}

fn effect_name(effect: Effect) -> &'static str {
    match effect {
        Effect::Improvement => "improvement",
        Effect::Deterioration => "deterioration",
    }
}

pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::initiatives::charts::run_chart::{baseline, signals, Direction};

    fn weeks(values: &[f64]) -> Vec<(NaiveDate, f64)> {
        let start: NaiveDate = "2027-01-04".parse().unwrap();
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (start + chrono::Duration::weeks(i as i64), *v))
            .collect()
    }

    #[test]
    fn the_chart_says_in_words_what_it_shows() {
        let mut values = vec![18.0, 18.5, 19.0, 19.5, 18.0, 17.5, 17.0, 17.5, 18.5, 19.0];
        values.extend([16.5, 16.0, 15.0, 14.5, 14.0, 13.0]);
        let points = weeks(&values);
        let median = baseline(&values).unwrap().median;
        let found = signals(&values, median, Direction::Decrease);
        let annotations = [("2027-03-15".parse().unwrap(), "Mentors call home <day 2>")];
        let chart = RunChart {
            title: "Chronic absence · Lincoln & Co",
            unit: "%",
            points: &points,
            median: Some(median),
            target: Some(12.0),
            signals: &found,
            annotations: &annotations,
        };
        let svg = render(&chart);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains(r#"role="img""#)
                && svg.contains(r#"aria-labelledby="chart-title chart-desc""#)
        );
        assert!(
            svg.contains("<title id=\"chart-title\">Chronic absence · Lincoln &amp; Co</title>")
        );
        let words = describe(&chart);
        assert!(
            words.contains("16 check-ins from 2027-01-04 to 2027-04-19"),
            "{words}"
        );
        assert!(
            words.contains("Baseline median 18.25%") && words.contains("Target 12%"),
            "{words}"
        );
        assert!(
            words.contains("Shift from 2027-03-15 to 2027-04-19: improvement"),
            "{words}"
        );
        assert!(
            words.contains("Test of change from 2027-03-15: Mentors call home <day 2>"),
            "{words}"
        );
        // Markup in labels stays text.
        assert!(svg.contains("Mentors call home &lt;day 2&gt;") && !svg.contains("<day 2>"));
        // Every check-in is a point with its value; the shift's points are marked.
        assert_eq!(svg.matches("<circle").count(), 16);
        assert_eq!(
            svg.matches(r##"fill="#15803d""##).count(),
            found.iter().map(|s| s.to - s.from + 1).max().unwrap()
        );
        assert!(svg.contains("median 18.25%") && svg.contains("target 12%"));
        assert!(!svg.contains("style=") && !svg.contains("<script"));
    }

    #[test]
    fn an_empty_chart_says_so() {
        let chart = RunChart {
            title: "New measure",
            unit: "students",
            points: &[],
            median: None,
            target: None,
            signals: &[],
            annotations: &[],
        };
        assert!(render(&chart).contains("No check-ins yet."));
        assert_eq!(
            describe(&chart),
            "Run chart of New measure: no check-ins yet."
        );
    }

    #[test]
    fn a_single_flat_series_still_has_a_scale() {
        let points = weeks(&[5.0]);
        let chart = RunChart {
            title: "One",
            unit: "",
            points: &points,
            median: Some(5.0),
            target: None,
            signals: &[],
            annotations: &[],
        };
        let svg = render(&chart);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(describe(&chart).contains("No signal of non-random change."));
    }
}
