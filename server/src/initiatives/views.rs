//! How initiatives, teams, check-ins, tests of change, charts and bright spots appear in
//! responses and event payloads.

use crate::auth::links::{LinkKeys, Linked, SignedLinks};
use crate::entities::{check_ins, initiative_teams, initiatives, tests_of_change};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeasureView {
    /// "Chronic absence, 9th grade".
    pub name: String,
    /// "%", "students"; a `%` measure takes values 0–100.
    pub unit: String,
    /// `decrease` or `increase`: which way is better.
    pub direction: String,
    /// `weekly` (periods start on Mondays) or `monthly` (on the first).
    pub cadence: String,
    pub target: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InitiativeView {
    pub id: ApiId,
    pub network_id: ApiId,
    pub title: String,
    /// The problem of practice, markdown.
    pub problem: String,
    pub problem_html: String,
    /// "Reduce chronic absence among 9th graders from 18% to 12% by May".
    pub aim: String,
    pub measure: MeasureView,
    /// `understand`, `analyze`, `design_test`, `learn_refine`, `scale`.
    pub stage: String,
    /// `active`, `completed`, `archived`.
    pub status: String,
    pub discussion_thread_id: Option<ApiId>,
    /// Where the network chart's baseline starts (after a re-baseline); null: the first
    /// period.
    pub baseline_from: Option<NaiveDate>,
    pub team_count: u64,
    pub created_by: Option<MemberRef>,
    /// The web address of its page.
    pub url: String,
    /// The network run chart as SVG, through a signed link (for `<img>`).
    pub chart_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl InitiativeView {
    pub fn new(
        row: &initiatives::Model,
        team_count: u64,
        created_by: Option<MemberRef>,
    ) -> InitiativeView {
        InitiativeView {
            id: ApiId(row.id),
            network_id: ApiId(row.network_id),
            title: row.title.clone(),
            problem: row.problem.clone(),
            problem_html: row.problem_html.clone(),
            aim: row.aim.clone(),
            measure: MeasureView {
                name: row.measure_name.clone(),
                unit: row.measure_unit.clone(),
                direction: row.direction.clone(),
                cadence: row.cadence.clone(),
                target: row.target,
            },
            stage: row.stage.clone(),
            status: row.status.clone(),
            discussion_thread_id: row.discussion_thread_id.map(ApiId),
            baseline_from: row.baseline_from,
            team_count,
            created_by,
            url: format!("/initiatives/{}", row.id),
            chart_url: chart_path(row.id, None),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl SignedLinks for InitiativeView {
    /// Signs `chart_url` for `member` (see `auth::links`).
    fn with_signed_links(mut self, keys: &LinkKeys, member: i64) -> Self {
        self.chart_url = sign_chart(&self.chart_url, keys, member, self.id.0);
        self
    }
}

fn chart_path(initiative_id: i64, team_id: Option<i64>) -> String {
    match team_id {
        Some(team) => format!("/api/v1/initiatives/{initiative_id}/chart.svg?team_id={team}"),
        None => format!("/api/v1/initiatives/{initiative_id}/chart.svg"),
    }
}

fn sign_chart(path: &str, keys: &LinkKeys, member: i64, initiative_id: i64) -> String {
    let token = keys.issue(member, Linked::Chart { initiative_id });
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}token={token}")
}

/// A team as other rows name it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamRef {
    pub id: ApiId,
    pub name: String,
}

impl From<&initiative_teams::Model> for TeamRef {
    fn from(row: &initiative_teams::Model) -> TeamRef {
        TeamRef {
            id: ApiId(row.id),
            name: row.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamView {
    pub id: ApiId,
    pub initiative_id: ApiId,
    pub name: String,
    pub organization: Option<String>,
    pub members: Vec<MemberRef>,
    pub check_in_count: u64,
    /// The latest period checked in.
    pub latest_period: Option<NaiveDate>,
    /// Where its chart's baseline starts (after a re-baseline); null: the first period.
    pub baseline_from: Option<NaiveDate>,
    /// A bright spot now: an improving shift or trend runs through its latest check-in.
    pub is_bright_spot: bool,
    /// Its run chart as SVG, through a signed link.
    pub chart_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct TeamExtras {
    pub members: Vec<MemberRef>,
    pub check_in_count: u64,
    pub latest_period: Option<NaiveDate>,
}

impl TeamView {
    pub fn new(row: &initiative_teams::Model, extras: TeamExtras) -> TeamView {
        TeamView {
            id: ApiId(row.id),
            initiative_id: ApiId(row.initiative_id),
            name: row.name.clone(),
            organization: row.organization.clone(),
            members: extras.members,
            check_in_count: extras.check_in_count,
            latest_period: extras.latest_period,
            baseline_from: row.baseline_from,
            is_bright_spot: row.bright_since.is_some(),
            chart_url: chart_path(row.initiative_id, Some(row.id)),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl SignedLinks for TeamView {
    fn with_signed_links(mut self, keys: &LinkKeys, member: i64) -> Self {
        self.chart_url = sign_chart(&self.chart_url, keys, member, self.initiative_id.0);
        self
    }
}

/// A value a resubmission replaced.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreviousValue {
    pub value: f64,
    pub note: String,
    pub submitted_by: Option<MemberRef>,
    pub submitted_at: DateTime<Utc>,
    pub replaced_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckInView {
    pub id: ApiId,
    pub initiative_id: ApiId,
    pub team_id: ApiId,
    /// First day of the period (a Monday for weekly measures, the first for monthly).
    pub period: NaiveDate,
    pub value: f64,
    pub note: String,
    pub submitted_by: Option<MemberRef>,
    pub submitted_at: DateTime<Utc>,
    /// Values this one replaced, newest first.
    pub previous_values: Vec<PreviousValue>,
}

impl CheckInView {
    pub fn new(
        row: &check_ins::Model,
        submitted_by: Option<MemberRef>,
        previous_values: Vec<PreviousValue>,
    ) -> CheckInView {
        CheckInView {
            id: ApiId(row.id),
            initiative_id: ApiId(row.initiative_id),
            team_id: ApiId(row.team_id),
            period: row.period,
            value: row.value,
            note: row.note.clone(),
            submitted_by,
            submitted_at: row.submitted_at,
            previous_values,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub what: String,
    pub who: String,
    pub when: String,
    pub prediction: String,
}

/// The test a "try this" copied.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdoptedFrom {
    pub id: ApiId,
    pub change_idea: String,
    pub team: Option<TeamRef>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TestView {
    pub id: ApiId,
    pub initiative_id: ApiId,
    pub network_id: ApiId,
    pub team: TeamRef,
    pub change_idea: String,
    pub plan: PlanView,
    /// `planning`, `doing`, `studying`, `acted`.
    pub status: String,
    /// The status it may move to next (none once acted).
    pub next_status: Option<String>,
    pub do_notes: String,
    pub study: String,
    /// `adopt`, `adapt` or `abandon`, once acted.
    pub act: Option<String>,
    pub adopted_from: Option<AdoptedFrom>,
    /// Teams that took it up with "try this".
    pub tried_by_count: u64,
    /// Of those, the ones that acted on it with `adopt`.
    pub adopted_by_count: u64,
    pub discussion_thread_id: Option<ApiId>,
    /// When it moved to `doing`: where run charts annotate it.
    pub started_on: Option<NaiveDate>,
    pub created_by: Option<MemberRef>,
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub acted_at: Option<DateTime<Utc>>,
}

pub struct TestExtras {
    pub team: TeamRef,
    pub adopted_from: Option<AdoptedFrom>,
    pub tried_by_count: u64,
    pub adopted_by_count: u64,
    pub created_by: Option<MemberRef>,
}

impl TestView {
    pub fn new(row: &tests_of_change::Model, extras: TestExtras) -> TestView {
        let next_status = super::model::TestStatus::parse(&row.status)
            .and_then(|status| status.next())
            .map(|next| next.as_str().to_owned());
        TestView {
            id: ApiId(row.id),
            initiative_id: ApiId(row.initiative_id),
            network_id: ApiId(row.network_id),
            team: extras.team,
            change_idea: row.change_idea.clone(),
            plan: PlanView {
                what: row.plan_what.clone(),
                who: row.plan_who.clone(),
                when: row.plan_when.clone(),
                prediction: row.prediction.clone(),
            },
            status: row.status.clone(),
            next_status,
            do_notes: row.do_notes.clone(),
            study: row.study.clone(),
            act: row.act.clone(),
            adopted_from: extras.adopted_from,
            tried_by_count: extras.tried_by_count,
            adopted_by_count: extras.adopted_by_count,
            discussion_thread_id: row.discussion_thread_id.map(ApiId),
            started_on: row.started_on,
            created_by: extras.created_by,
            url: format!("/tests/{}", row.id),
            created_at: row.created_at,
            updated_at: row.updated_at,
            acted_at: row.acted_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PointView {
    pub period: NaiveDate,
    pub value: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BaselineView {
    pub median: f64,
    /// The periods it was computed from (the first 10 from `from`, or all so far).
    pub periods: Vec<NaiveDate>,
    /// Fewer than 10 check-ins so far: it will move as more arrive.
    pub provisional: bool,
    /// Where it starts: the first period, or where a facilitator re-baselined.
    pub from: NaiveDate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignalView {
    /// `shift`, `trend`, `long_run` or `few_crossings`.
    pub rule: String,
    /// First and last period it spans.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `improvement` (in the measure's direction) or `deterioration`.
    pub effect: String,
}

/// A test of change marked on the time axis, at the period it started in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnnotationView {
    pub period: NaiveDate,
    pub test_id: ApiId,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChartView {
    pub initiative_id: ApiId,
    /// The team charted; null for the network chart (the median of teams per period).
    pub team: Option<TeamRef>,
    pub measure: MeasureView,
    pub points: Vec<PointView>,
    /// Null until the first check-in.
    pub baseline: Option<BaselineView>,
    pub target: Option<f64>,
    pub signals: Vec<SignalView>,
    pub annotations: Vec<AnnotationView>,
    /// The chart in words, for screen readers and anyone who cannot see it.
    pub description: String,
    /// The same chart as SVG, through a signed link.
    pub svg_url: String,
}

impl SignedLinks for ChartView {
    fn with_signed_links(mut self, keys: &LinkKeys, member: i64) -> Self {
        self.svg_url = sign_chart(
            &chart_path(self.initiative_id.0, self.team.as_ref().map(|t| t.id.0)),
            keys,
            member,
            self.initiative_id.0,
        );
        self
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BrightSpotView {
    pub team: TeamRef,
    pub baseline_median: f64,
    /// The median of the signal's check-ins.
    pub recent_median: f64,
    /// (recent − baseline) / |baseline|; null when the baseline is 0.
    pub relative_change: Option<f64>,
    pub signal: SignalView,
    /// "Chronic absence below its baseline six weeks running".
    pub summary: String,
    /// The tests of change the team acted on, latest first.
    pub tests: Vec<TestView>,
}
