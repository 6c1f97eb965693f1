//! The figures, from the facts of a period: plain data in, plain data out, unit-tested on
//! hand-made weeks.
//!
//! Figures about people (active, connected, connections) are built only from acts that
//! name their actor to a facilitator anyway. Acts that do not (asking anonymously, voting in
//! an anonymous poll, a direct message) reach this module as bare counts, or as a contact
//! with no one at the anonymous end, and are shown as counts held back below
//! [`HELD_BACK_BELOW`].

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};

/// Counts of acts whose actors insights never name are shown only from this many up:
/// fewer is shown as "fewer than" this, so that no period isolates one act.
pub const HELD_BACK_BELOW: u64 = 5;

/// How one member reached another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InteractionKind {
    /// Replied to their post (or posted in their thread).
    Replied,
    /// Answered their help request.
    Answered,
    /// Offered to help with their request.
    Offered,
    /// Reacted to their post, or found their resource helpful.
    Reacted,
    /// Took up their team's test of change ("try this").
    Adopted,
}

impl InteractionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionKind::Replied => "replied",
            InteractionKind::Answered => "answered",
            InteractionKind::Offered => "offered",
            InteractionKind::Reacted => "reacted",
            InteractionKind::Adopted => "adopted",
        }
    }
}

/// `from` reached `to`. `to` is `None` when it is an anonymous asker: who they are is never
/// read, so `from` counts as connected and nobody at the other end does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interaction {
    pub from: i64,
    pub to: Option<i64>,
    pub kind: InteractionKind,
}

/// A count that is shown only from [`HELD_BACK_BELOW`] up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBack {
    Shown(u64),
    FewerThan(u64),
}

impl HeldBack {
    pub fn of(count: u64) -> HeldBack {
        if count < HELD_BACK_BELOW {
            HeldBack::FewerThan(HELD_BACK_BELOW)
        } else {
            HeldBack::Shown(count)
        }
    }
}

/// A help request asked in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub id: i64,
    pub title: String,
    pub asked_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub is_open: bool,
}

/// What happened in a network during a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    /// Its members now.
    pub members: Vec<i64>,
    /// Members who wrote, reacted, voted in a poll that names its voters or checked in, in
    /// the period (repeats allowed). Never an anonymous asker, an anonymous poll's voter or
    /// the sender of a direct message as such.
    pub active: Vec<i64>,
    pub interactions: Vec<Interaction>,
    pub asked: Vec<Asked>,
    /// Ballots in the network's anonymous polls cast or changed in the period.
    pub anonymous_poll_votes: u64,
    /// Direct messages between two members of the network sent in the period.
    pub direct_messages: u64,
    pub resources_shared: u64,
    pub downloads: u64,
    /// Check-ins due in the period (team × period ended in it) and how many came in.
    pub check_ins_expected: u64,
    pub check_ins_submitted: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: i64,
    pub to: i64,
    pub kind: InteractionKind,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HelpFigures {
    pub asked: u64,
    pub answered_within_48h: u64,
    /// Share of requests asked that had a first response within 48 hours, 0–100.
    pub answered_pct_48h: Option<f64>,
    pub median_hours_to_first_response: Option<f64>,
    pub p90_hours: Option<f64>,
    /// Open requests asked in the period with no response yet, oldest first.
    pub unanswered: Vec<Asked>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub members: u64,
    pub active_members: u64,
    /// Share of members active, 0–1.
    pub active_rate: Option<f64>,
    /// Members who interacted with at least one other member (either way).
    pub connected_members: u64,
    /// Share of members connected, 0–1.
    pub connection_rate: Option<f64>,
    pub connections: Vec<Edge>,
    pub help: HelpFigures,
    pub resources_shared: u64,
    pub downloads: u64,
    pub check_ins_expected: u64,
    pub check_ins_submitted: u64,
    /// Share of due check-ins that came in, 0–1.
    pub check_in_completion: Option<f64>,
    pub anonymous_poll_votes: HeldBack,
    pub direct_messages: HeldBack,
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round3(part as f64 / whole as f64))
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The median of `sorted` (ascending).
fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The nearest-rank percentile `p` (0–100] of `sorted` (ascending).
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The edges, the most contacts first (ties in member and kind order).
fn strongest_first(edges: BTreeMap<(i64, i64, InteractionKind), u64>) -> Vec<Edge> {
    let mut edges: Vec<Edge> = edges
        .into_iter()
        .map(|((from, to, kind), count)| Edge {
            from,
            to,
            kind,
            count,
        })
        .collect();
    edges.sort_by_key(|edge| std::cmp::Reverse(edge.count));
    edges
}

/// The figures of `activity`.
pub fn figures(activity: &Activity) -> Figures {
    let members: HashSet<i64> = activity.members.iter().copied().collect();
    let active: HashSet<i64> = activity
        .active
        .iter()
        .copied()
        .filter(|m| members.contains(m))
        .collect();
    let mut connected: HashSet<i64> = HashSet::new();
    let mut edges: BTreeMap<(i64, i64, InteractionKind), u64> = BTreeMap::new();
    for interaction in &activity.interactions {
        if Some(interaction.from) == interaction.to {
            continue;
        }
        for end in std::iter::once(interaction.from).chain(interaction.to) {
            if members.contains(&end) {
                connected.insert(end);
            }
        }
        if let Some(to) = interaction.to {
            *edges
                .entry((interaction.from, to, interaction.kind))
                .or_default() += 1;
        }
    }
    let total = members.len() as u64;
    let mut hours: Vec<f64> = activity
        .asked
        .iter()
        .filter_map(|a| {
            a.first_response_at
                .map(|at| (at - a.asked_at).num_seconds().max(0) as f64 / 3600.0)
        })
        .collect();
    hours.sort_by(f64::total_cmp);
    let answered_within_48h = hours.iter().filter(|h| **h <= 48.0).count() as u64;
    let asked = activity.asked.len() as u64;
    let mut unanswered: Vec<Asked> = activity
        .asked
        .iter()
        .filter(|a| a.is_open && a.first_response_at.is_none())
        .cloned()
        .collect();
    unanswered.sort_by_key(|a| (a.asked_at, a.id));
    Figures {
        members: total,
        active_members: active.len() as u64,
        active_rate: ratio(active.len() as u64, total),
        connected_members: connected.len() as u64,
        connection_rate: ratio(connected.len() as u64, total),
        connections: strongest_first(edges),
        help: HelpFigures {
            asked,
            answered_within_48h,
            answered_pct_48h: ratio(answered_within_48h, asked).map(|r| round1(r * 100.0)),
            median_hours_to_first_response: median(&hours).map(round1),
            p90_hours: percentile(&hours, 90.0).map(round1),
            unanswered,
        },
        resources_shared: activity.resources_shared,
        downloads: activity.downloads,
        check_ins_expected: activity.check_ins_expected,
        check_ins_submitted: activity.check_ins_submitted,
        check_in_completion: ratio(activity.check_ins_submitted, activity.check_ins_expected),
        anonymous_poll_votes: HeldBack::of(activity.anonymous_poll_votes),
        direct_messages: HeldBack::of(activity.direct_messages),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, day, hour, 0, 0).unwrap()
    }

    fn reached(from: i64, to: i64, kind: InteractionKind) -> Interaction {
        Interaction {
            from,
            to: Some(to),
            kind,
        }
    }

    fn asked(id: i64, day: u32, answered_after_hours: Option<i64>) -> Asked {
        Asked {
            id,
            title: format!("request {id}"),
            asked_at: at(day, 9),
            first_response_at: answered_after_hours
                .map(|h| at(day, 9) + chrono::Duration::hours(h)),
            is_open: answered_after_hours.is_none(),
        }
    }

    /// A week in a network of ten: 1 answers 2, 3 reacts to 1 twice, 4 messages 5 (a count
    /// only), 6 answers an anonymous request (whose asker, 7, never reaches this module),
    /// 8 only reads, 9 wrote alone, 10 left and reached 1; five votes in an anonymous poll.
    fn week() -> Activity {
        Activity {
            members: (1..=9).collect(),
            active: vec![1, 3, 3, 6, 9, 10],
            interactions: vec![
                reached(1, 2, InteractionKind::Answered),
                reached(3, 1, InteractionKind::Reacted),
                reached(3, 1, InteractionKind::Reacted),
                Interaction {
                    from: 6,
                    to: None,
                    kind: InteractionKind::Answered,
                },
                reached(10, 1, InteractionKind::Replied),
                reached(9, 9, InteractionKind::Replied),
            ],
            anonymous_poll_votes: 5,
            direct_messages: 1,
            asked: vec![
                asked(1, 1, Some(2)),
                asked(2, 1, Some(47)),
                asked(3, 2, Some(72)),
                asked(4, 3, None),
                asked(5, 2, None),
            ],
            resources_shared: 2,
            downloads: 5,
            check_ins_expected: 6,
            check_ins_submitted: 4,
        }
    }

    #[test]
    fn activity_and_connections_count_members_now_and_either_end_of_a_contact() {
        let figures = figures(&week());
        assert_eq!(figures.members, 9);
        // 10 left the network: not counted, though their reply still connects 1.
        assert_eq!(figures.active_members, 4);
        assert_eq!(figures.active_rate, Some(0.444));
        // 1, 2, 3 and 6 (who answered someone); not 4 or 5 (a direct message), not 7 (asked
        // anonymously), not 8 (read only), not 9 (replied to themself).
        assert_eq!(figures.connected_members, 4);
        assert_eq!(figures.connection_rate, Some(0.444));
    }

    #[test]
    fn acts_that_name_nobody_are_counts_held_back_below_five() {
        let figures = figures(&week());
        assert_eq!(figures.anonymous_poll_votes, HeldBack::Shown(5));
        assert_eq!(figures.direct_messages, HeldBack::FewerThan(5));
        assert_eq!(
            HeldBack::of(0),
            HeldBack::FewerThan(5),
            "none is not told apart from one"
        );
        assert_eq!(HeldBack::of(4), HeldBack::FewerThan(5));
        assert_eq!(HeldBack::of(12), HeldBack::Shown(12));
    }

    #[test]
    fn direct_messages_and_anonymous_askers_never_become_edges() {
        let edges = figures(&week()).connections;
        let shown: Vec<(i64, i64, &str, u64)> = edges
            .iter()
            .map(|e| (e.from, e.to, e.kind.as_str(), e.count))
            .collect();
        assert_eq!(
            shown,
            vec![
                (3, 1, "reacted", 2),
                (1, 2, "answered", 1),
                (10, 1, "replied", 1)
            ]
        );
    }

    #[test]
    fn help_is_measured_from_asking_to_the_first_response() {
        let help = figures(&week()).help;
        assert_eq!(help.asked, 5);
        assert_eq!(help.answered_within_48h, 2);
        assert_eq!(help.answered_pct_48h, Some(40.0));
        // Responses after 2, 47 and 72 hours.
        assert_eq!(help.median_hours_to_first_response, Some(47.0));
        assert_eq!(help.p90_hours, Some(72.0));
        let unanswered: Vec<i64> = help.unanswered.iter().map(|a| a.id).collect();
        assert_eq!(unanswered, vec![5, 4], "oldest first");
    }

    #[test]
    fn an_empty_period_has_counts_but_no_rates() {
        let figures = figures(&Activity::default());
        assert_eq!(figures.members, 0);
        assert_eq!(figures.connection_rate, None);
        assert_eq!(figures.help.answered_pct_48h, None);
        assert_eq!(figures.help.median_hours_to_first_response, None);
        assert_eq!(figures.check_in_completion, None);
    }

    #[test]
    fn check_in_completion_is_the_share_of_due_check_ins_in() {
        assert_eq!(figures(&week()).check_in_completion, Some(0.667));
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&values, 90.0), Some(9.0));
        assert_eq!(percentile(&[5.0], 90.0), Some(5.0));
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), Some(2.5));
    }
}
