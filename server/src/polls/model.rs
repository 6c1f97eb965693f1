//! The vocabulary of polls as types, the shape of a valid poll and ballot, and who may see
//! results: plain functions, tested here.

use crate::entities::polls;
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::networks::access::InNetwork;
use crate::text::Title;
use serde::{Deserialize, Serialize};

pub const MAX_OPTIONS: usize = 20;
pub const OPTION_MAX_CHARS: usize = 100;
pub const QUESTION_MAX_CHARS: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PollKind {
    Single,
    Multiple,
    Number,
}

impl PollKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PollKind::Single => "single",
            PollKind::Multiple => "multiple",
            PollKind::Number => "number",
        }
    }

    pub fn from_stored(raw: &str) -> PollKind {
        match raw {
            "multiple" => PollKind::Multiple,
            "number" => PollKind::Number,
            _ => PollKind::Single,
        }
    }
}

/// Who sees the results, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultsVisibility {
    /// Everyone who can see the poll, at any time.
    Always,
    /// Those who voted; everyone once it is closed.
    OnVote,
    /// Everyone, once it is closed; nobody before.
    OnClose,
    /// The network's facilitators only, at any time.
    Facilitators,
}

impl ResultsVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultsVisibility::Always => "always",
            ResultsVisibility::OnVote => "on_vote",
            ResultsVisibility::OnClose => "on_close",
            ResultsVisibility::Facilitators => "facilitators",
        }
    }

    pub fn from_stored(raw: &str) -> ResultsVisibility {
        match raw {
            "on_vote" => ResultsVisibility::OnVote,
            "on_close" => ResultsVisibility::OnClose,
            "facilitators" => ResultsVisibility::Facilitators,
            _ => ResultsVisibility::Always,
        }
    }
}

/// Whether a poll no longer takes votes at `now`: closed early, or past its closing time
/// (whether or not the closer has settled it yet).
pub fn is_closed(
    closed_at: Option<chrono::DateTime<chrono::Utc>>,
    closes_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    closed_at.is_some() || closes_at.is_some_and(|at| at <= now)
}

/// What decides whether one reader sees the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    pub has_voted: bool,
    pub is_facilitator: bool,
}

/// Whether `reader` may see the results of a poll shown `visibility`, `closed` or not.
pub fn results_visible(visibility: ResultsVisibility, closed: bool, reader: Reader) -> bool {
    match visibility {
        ResultsVisibility::Always => true,
        ResultsVisibility::OnVote => reader.has_voted || closed,
        ResultsVisibility::OnClose => closed,
        ResultsVisibility::Facilitators => reader.is_facilitator,
    }
}

/// The options of a choice poll: 2 to `MAX_OPTIONS` labels, trimmed, distinct ignoring case.
pub fn parse_options(kind: PollKind, raw: &[String]) -> ApiResult<Vec<String>> {
    if kind == PollKind::Number {
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        return Err(ApiError::invalid("options", "a number poll has no options"));
    }
    if raw.len() < 2 || raw.len() > MAX_OPTIONS {
        return Err(ApiError::invalid(
            "options",
            format!("give between 2 and {MAX_OPTIONS} options"),
        ));
    }
    let mut errors = FieldCollector::default();
    let mut labels: Vec<String> = Vec::with_capacity(raw.len());
    for (index, label) in raw.iter().enumerate() {
        let field = format!("options[{index}]");
        let Some(parsed) = errors.take(Title::parse_as(&field, label, OPTION_MAX_CHARS)) else {
            continue;
        };
        let parsed = parsed.into_string();
        if labels
            .iter()
            .any(|l| l.to_lowercase() == parsed.to_lowercase())
        {
            errors.reject(&field, "repeats another option");
            continue;
        }
        labels.push(parsed);
    }
    errors.finish()?;
    Ok(labels)
}

/// The range a number poll accepts: both finite, min below max.
pub fn parse_range(min: Option<f64>, max: Option<f64>) -> ApiResult<(Option<f64>, Option<f64>)> {
    let mut errors = FieldCollector::default();
    for (field, value) in [("min", min), ("max", max)] {
        if value.is_some_and(|v| !v.is_finite()) {
            errors.reject(field, "must be a finite number");
        }
    }
    if let (Some(min), Some(max)) = (min, max) {
        if min >= max {
            errors.reject("max", "must be greater than min");
        }
    }
    errors.finish()?;
    Ok((min, max))
}

/// A valid ballot for a poll.
#[derive(Debug, Clone, PartialEq)]
pub enum Ballot {
    /// Option ids, sorted, at least one (exactly one for a single-choice poll).
    Choices(Vec<i64>),
    Number(f64),
}

/// Checks a ballot against the poll: the right shape for its kind, options of this poll
/// only, a finite number within its range.
pub fn parse_ballot(
    kind: PollKind,
    option_ids: Option<&[i64]>,
    value: Option<f64>,
    known_options: &[i64],
    range: (Option<f64>, Option<f64>),
) -> ApiResult<Ballot> {
    match kind {
        PollKind::Number => {
            if option_ids.is_some_and(|ids| !ids.is_empty()) {
                return Err(ApiError::invalid(
                    "option_ids",
                    "a number poll takes a value",
                ));
            }
            let value = value.ok_or_else(|| ApiError::invalid("value", "is required"))?;
            if !value.is_finite() {
                return Err(ApiError::invalid("value", "must be a finite number"));
            }
            if let Some(min) = range.0.filter(|min| value < *min) {
                return Err(ApiError::invalid(
                    "value",
                    format!("must be at least {min}"),
                ));
            }
            if let Some(max) = range.1.filter(|max| value > *max) {
                return Err(ApiError::invalid("value", format!("must be at most {max}")));
            }
            Ok(Ballot::Number(value))
        }
        PollKind::Single | PollKind::Multiple => {
            if value.is_some() {
                return Err(ApiError::invalid("value", "this poll takes option_ids"));
            }
            let mut ids: Vec<i64> = option_ids
                .ok_or_else(|| ApiError::invalid("option_ids", "is required"))?
                .to_vec();
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                return Err(ApiError::invalid(
                    "option_ids",
                    "choose at least one option",
                ));
            }
            if kind == PollKind::Single && ids.len() > 1 {
                return Err(ApiError::invalid("option_ids", "choose exactly one option"));
            }
            if let Some(unknown) = ids.iter().find(|id| !known_options.contains(id)) {
                return Err(ApiError::invalid(
                    "option_ids",
                    format!("{unknown} is not an option of this poll"),
                ));
            }
            Ok(Ballot::Choices(ids))
        }
    }
}

/// Summary of the numbers of a number poll.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NumberSummary {
    pub count: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

pub fn summarize(values: &[f64]) -> NumberSummary {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let count = sorted.len();
    let median = match count {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    };
    NumberSummary {
        count,
        mean: (count > 0).then(|| sorted.iter().sum::<f64>() / count as f64),
        median,
        min: sorted.first().copied(),
        max: sorted.last().copied(),
    }
}

impl InNetwork for polls::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOTER: Reader = Reader {
        has_voted: true,
        is_facilitator: false,
    };
    const NOT_YET: Reader = Reader {
        has_voted: false,
        is_facilitator: false,
    };
    const FACILITATOR: Reader = Reader {
        has_voted: false,
        is_facilitator: true,
    };

    #[test]
    fn results_follow_the_visibility_rule() {
        use ResultsVisibility::*;
        assert!(results_visible(Always, false, NOT_YET));
        assert!(results_visible(OnVote, false, VOTER));
        assert!(!results_visible(OnVote, false, NOT_YET));
        assert!(results_visible(OnVote, true, NOT_YET), "closed: everyone");
        assert!(!results_visible(OnClose, false, VOTER));
        assert!(
            !results_visible(OnClose, false, FACILITATOR),
            "nobody before closing"
        );
        assert!(results_visible(OnClose, true, NOT_YET));
        assert!(results_visible(Facilitators, false, FACILITATOR));
        assert!(
            !results_visible(Facilitators, true, VOTER),
            "closing changes nothing"
        );
    }

    #[test]
    fn options_are_between_two_and_twenty_distinct_labels() {
        let labels = |raw: &[&str]| raw.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_options(PollKind::Single, &labels(&[" Yes ", "No"])).unwrap(),
            ["Yes", "No"]
        );
        assert!(parse_options(PollKind::Single, &labels(&["Only"])).is_err());
        let repeated = parse_options(PollKind::Multiple, &labels(&["Yes", "yes", ""]));
        match repeated {
            Err(ApiError::Validation(errors)) => {
                assert_eq!(errors["options[1]"], "repeats another option");
                assert_eq!(errors["options[2]"], "is required");
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_options(PollKind::Number, &labels(&["1"])).is_err());
        assert_eq!(
            parse_options(PollKind::Number, &[]).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn ballots_fit_their_poll() {
        let known = [10, 11, 12];
        assert_eq!(
            parse_ballot(
                PollKind::Multiple,
                Some(&[12, 10, 12]),
                None,
                &known,
                (None, None)
            )
            .unwrap(),
            Ballot::Choices(vec![10, 12])
        );
        assert!(parse_ballot(
            PollKind::Single,
            Some(&[10, 11]),
            None,
            &known,
            (None, None)
        )
        .is_err());
        assert!(parse_ballot(PollKind::Single, Some(&[99]), None, &known, (None, None)).is_err());
        assert!(parse_ballot(PollKind::Single, Some(&[]), None, &known, (None, None)).is_err());
        assert!(parse_ballot(PollKind::Single, None, Some(1.0), &known, (None, None)).is_err());
        assert_eq!(
            parse_ballot(
                PollKind::Number,
                None,
                Some(4.5),
                &[],
                (Some(0.0), Some(10.0))
            )
            .unwrap(),
            Ballot::Number(4.5)
        );
        assert!(parse_ballot(
            PollKind::Number,
            None,
            Some(11.0),
            &[],
            (Some(0.0), Some(10.0))
        )
        .is_err());
        assert!(parse_ballot(PollKind::Number, None, Some(f64::NAN), &[], (None, None)).is_err());
        assert!(parse_ballot(PollKind::Number, None, None, &[], (None, None)).is_err());
        assert!(parse_range(Some(5.0), Some(5.0)).is_err());
    }

    #[test]
    fn numbers_are_summarized() {
        let summary = summarize(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(summary.count, 4);
        assert_eq!(summary.mean, Some(2.5));
        assert_eq!(summary.median, Some(2.5));
        assert_eq!((summary.min, summary.max), (Some(1.0), Some(4.0)));
        assert_eq!(summarize(&[]).median, None);
    }
}
