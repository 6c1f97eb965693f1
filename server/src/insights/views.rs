//! Insights as the API shows them.

use super::compute::{Figures, HeldBack, HelpFigures};
use super::period::{Period, PeriodSource};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InsightsView {
    pub network_id: ApiId,
    /// When `first_day` starts in `timezone`.
    pub from: DateTime<Utc>,
    /// When the day after `last_day` starts in `timezone` (the period ends there).
    pub to: DateTime<Utc>,
    /// The period's first day, in `timezone`.
    pub first_day: NaiveDate,
    /// The period's last day (included), in `timezone`.
    pub last_day: NaiveDate,
    /// The IANA timezone the days are counted in: that of the network's latest convening
    /// to have started, else `UTC`.
    pub timezone: String,
    pub period_source: PeriodSource,
    /// Members of the network now.
    pub members: u64,
    /// Members now who did something in the period that names them to a facilitator
    /// anyway; never for asking anonymously, voting in an anonymous poll or a direct message.
    pub active_members: u64,
    /// 0–1.
    pub active_rate: Option<f64>,
    /// Members now at either end of a named contact with another member in the period;
    /// never an anonymous asker, an anonymous poll's voter or the people in a direct message.
    pub connected_members: u64,
    /// Share of members connected, 0–1.
    pub connection_rate: Option<f64>,
    /// Who helped whom (direct messages and anonymous askers never appear here), the
    /// strongest first.
    pub connections: Vec<ConnectionView>,
    /// How many connections there are (`connections` may hold fewer: `connections_limit`).
    pub connection_count: u64,
    pub help: HelpView,
    pub resources: ResourcesView,
    pub check_in_completion: CheckInCompletionView,
    pub unattributed: UnattributedView,
}

/// Acts counted without anyone behind them: how many, never whose, held back below 5.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnattributedView {
    /// Ballots in the network's anonymous polls cast or changed in the period (a ballot
    /// taken back no longer counts).
    pub anonymous_poll_votes: HeldBackCount,
    /// Direct messages a member of the network sent to another member of it in the period.
    pub direct_messages: HeldBackCount,
}

/// A count shown only from 5 up: `{"count": 12, "fewer_than": null}`, or
/// `{"count": null, "fewer_than": 5}` for 0 to 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HeldBackCount {
    /// How many, when at least 5; null when held back.
    pub count: Option<u64>,
    /// 5 when held back (there were fewer, none included); null when `count` is shown.
    pub fewer_than: Option<u64>,
}

impl From<HeldBack> for HeldBackCount {
    fn from(held: HeldBack) -> HeldBackCount {
        match held {
            HeldBack::Shown(count) => HeldBackCount {
                count: Some(count),
                fewer_than: None,
            },
            HeldBack::FewerThan(bound) => HeldBackCount {
                count: None,
                fewer_than: Some(bound),
            },
        }
    }
}

impl HeldBackCount {
    /// As a spreadsheet cell: the number, or "fewer than 5".
    pub fn cell(self) -> String {
        match (self.count, self.fewer_than) {
            (Some(count), _) => count.to_string(),
            (None, Some(bound)) => format!("fewer than {bound}"),
            (None, None) => String::new(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectionView {
    pub from: MemberRef,
    pub to: MemberRef,
    /// `replied`, `answered`, `offered`, `reacted`, `adopted`.
    pub kind: String,
    pub count: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HelpView {
    /// Requests asked in the period, anonymous ones included (each is listed to every
    /// member with when it was asked, so the count tells nothing more; who asked it never
    /// counts anywhere).
    pub asked: u64,
    pub answered_48h: u64,
    /// 0–100.
    pub answered_pct_48h: Option<f64>,
    pub median_hours_to_first_response: Option<f64>,
    pub p90_hours: Option<f64>,
    pub unanswered: Vec<UnansweredView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnansweredView {
    pub id: ApiId,
    pub title: String,
    pub asked_at: DateTime<Utc>,
    pub url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResourcesView {
    pub shared: u64,
    /// Members' first downloads of the network's resources in the period.
    pub downloads: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInCompletionView {
    /// Check-ins due: each team of an active initiative, each period that ran wholly
    /// inside this one.
    pub expected: u64,
    pub submitted: u64,
    /// 0–1.
    pub rate: Option<f64>,
}

impl InsightsView {
    pub fn new(
        network_id: i64,
        period: &Period,
        figures: Figures,
        people: &HashMap<i64, MemberRef>,
    ) -> InsightsView {
        let HelpFigures {
            asked,
            answered_within_48h,
            answered_pct_48h,
            median_hours_to_first_response,
            p90_hours,
            unanswered,
        } = figures.help;
        InsightsView {
            network_id: ApiId(network_id),
            from: period.from,
            to: period.to,
            first_day: period.first_day,
            last_day: period.last_day,
            timezone: period.zone.name().to_owned(),
            period_source: period.source,
            members: figures.members,
            active_members: figures.active_members,
            active_rate: figures.active_rate,
            connected_members: figures.connected_members,
            connection_rate: figures.connection_rate,
            connection_count: figures.connections.len() as u64,
            connections: figures
                .connections
                .iter()
                .filter_map(|edge| {
                    Some(ConnectionView {
                        from: people.get(&edge.from)?.clone(),
                        to: people.get(&edge.to)?.clone(),
                        kind: edge.kind.as_str().to_owned(),
                        count: edge.count,
                    })
                })
                .collect(),
            help: HelpView {
                asked,
                answered_48h: answered_within_48h,
                answered_pct_48h,
                median_hours_to_first_response,
                p90_hours,
                unanswered: unanswered
                    .into_iter()
                    .map(|a| UnansweredView {
                        id: ApiId(a.id),
                        url: format!("/help-requests/{}", a.id),
                        title: a.title,
                        asked_at: a.asked_at,
                    })
                    .collect(),
            },
            resources: ResourcesView {
                shared: figures.resources_shared,
                downloads: figures.downloads,
            },
            check_in_completion: CheckInCompletionView {
                expected: figures.check_ins_expected,
                submitted: figures.check_ins_submitted,
                rate: figures.check_in_completion,
            },
            unattributed: UnattributedView {
                anonymous_poll_votes: figures.anonymous_poll_votes.into(),
                direct_messages: figures.direct_messages.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_held_back_count_is_null_with_its_bound_in_json_and_words_in_a_cell() {
        let held = HeldBackCount::from(HeldBack::of(3));
        assert_eq!(
            serde_json::to_value(held).unwrap(),
            json!({"count": null, "fewer_than": 5})
        );
        assert_eq!(held.cell(), "fewer than 5");
        let shown = HeldBackCount::from(HeldBack::of(7));
        assert_eq!(
            serde_json::to_value(shown).unwrap(),
            json!({"count": 7, "fewer_than": null})
        );
        assert_eq!(shown.cell(), "7");
    }
}
