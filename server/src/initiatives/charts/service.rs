//! The read side of an initiative's data: run charts (a team's, or the network's median of
//! teams per period) as JSON and SVG, and the bright spots, computed from the check-ins at
//! the moment they are asked for.

use super::chart::{self, bright_spot_summary, Reading};
use super::svg::{self, RunChart};
use crate::entities::{initiative_teams, initiatives, tests_of_change};
use crate::error::ApiResult;
use crate::ids::{ApiId, MemberId};
use crate::initiatives::bright_spots::{network_series, rank, BrightSpot};
use crate::initiatives::model::Cadence;
use crate::initiatives::queries;
use crate::initiatives::service::{team_of, Measure};
use crate::initiatives::views::{
    AnnotationView, BaselineView, BrightSpotView, ChartView, InitiativeView, PointView, SignalView,
    TeamRef,
};
use crate::networks::access::load;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// A chart read and ready to show.
pub struct Assembled {
    initiative: initiatives::Model,
    team: Option<initiative_teams::Model>,
    reading: Reading,
    /// `(period started, test id, label)`.
    annotations: Vec<(NaiveDate, i64, String)>,
}

/// Reads the chart of `team_id` (or the network's, without one) for `viewer`: 404 when
/// they may not see the initiative, 422 for a team not on it.
pub async fn assemble(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    initiative_id: i64,
    team_id: Option<i64>,
) -> ApiResult<Assembled> {
    let (initiative, _) = load::<initiatives::Entity>(db, viewer, initiative_id).await?;
    let measure = Measure::of(&initiative);
    let team = match team_id {
        Some(team_id) => Some(team_of(db, &initiative, team_id).await?),
        None => None,
    };
    let (points, baseline_from) = match &team {
        Some(team) => (queries::team_series(db, team.id).await?, team.baseline_from),
        None => {
            let series: Vec<Vec<(NaiveDate, f64)>> = queries::initiative_series(db, initiative.id)
                .await?
                .into_values()
                .collect();
            (network_series(&series), initiative.baseline_from)
        }
    };
    let reading = chart::read(points, baseline_from, measure.direction);
    let annotations = annotations(db, &initiative, team.as_ref()).await?;
    Ok(Assembled {
        initiative,
        team,
        reading,
        annotations,
    })
}

async fn annotations(
    db: &impl ConnectionTrait,
    initiative: &initiatives::Model,
    team: Option<&initiative_teams::Model>,
) -> ApiResult<Vec<(NaiveDate, i64, String)>> {
    let mut select = tests_of_change::Entity::find()
        .filter(tests_of_change::Column::InitiativeId.eq(initiative.id))
        .filter(tests_of_change::Column::StartedOn.is_not_null());
    if let Some(team) = team {
        select = select.filter(tests_of_change::Column::TeamId.eq(team.id));
    }
    let tests = select
        .order_by_asc(tests_of_change::Column::StartedOn)
        .order_by_asc(tests_of_change::Column::Id)
        .all(db)
        .await?;
    let names: HashMap<i64, String> = if team.is_none() {
        queries::teams(db, initiative.id)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(tests
        .into_iter()
        .filter_map(|test| {
            let label = match names.get(&test.team_id) {
                Some(name) => format!("{name}: {}", test.change_idea),
                None if team.is_some() => test.change_idea,
                // A deleted team's tests leave the network chart with its data.
                None => return None,
            };
            Some((test.started_on?, test.id, label))
        })
        .collect())
}

impl Assembled {
    fn title(&self) -> String {
        match &self.team {
            Some(team) => format!("{} · {}", self.initiative.measure_name, team.name),
            None => format!("{} · all teams (median)", self.initiative.measure_name),
        }
    }

    fn run_chart<'a>(&'a self, title: &'a str, labels: &'a [(NaiveDate, &'a str)]) -> RunChart<'a> {
        RunChart {
            title,
            unit: &self.initiative.measure_unit,
            points: &self.reading.points,
            median: self.reading.baseline.map(|b| b.median),
            target: self.initiative.target,
            signals: &self.reading.signals,
            annotations: labels,
        }
    }

    fn labels(&self) -> Vec<(NaiveDate, &str)> {
        self.annotations
            .iter()
            .map(|(period, _, label)| (*period, label.as_str()))
            .collect()
    }

    pub fn svg(&self) -> String {
        let title = self.title();
        let labels = self.labels();
        svg::render(&self.run_chart(&title, &labels))
    }

    pub fn view(&self) -> ChartView {
        let title = self.title();
        let labels = self.labels();
        let description = svg::describe(&self.run_chart(&title, &labels));
        let period = |index: usize| self.reading.points[index].0;
        let initiative = InitiativeView::new(&self.initiative, 0, None);
        ChartView {
            initiative_id: ApiId(self.initiative.id),
            team: self.team.as_ref().map(TeamRef::from),
            measure: initiative.measure,
            points: self
                .reading
                .points
                .iter()
                .map(|(period, value)| PointView {
                    period: *period,
                    value: *value,
                })
                .collect(),
            baseline: self.reading.baseline.map(|b| BaselineView {
                median: b.median,
                periods: self.reading.baseline_periods(),
                provisional: b.provisional,
                from: period(self.reading.start),
            }),
            target: self.initiative.target,
            signals: self
                .reading
                .signals
                .iter()
                .map(|s| SignalView {
                    rule: s.rule.as_str().to_owned(),
                    from: period(s.from),
                    to: period(s.to),
                    effect: s.effect.as_str().to_owned(),
                })
                .collect(),
            annotations: self
                .annotations
                .iter()
                .map(|(period, test, label)| AnnotationView {
                    period: *period,
                    test_id: ApiId(*test),
                    label: label.clone(),
                })
                .collect(),
            description,
            svg_url: String::new(),
        }
    }
}

/// The initiative's bright spots now, best first, each with the tests its team acted on.
pub async fn bright_spots(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    initiative_id: i64,
) -> ApiResult<Vec<BrightSpotView>> {
    let (initiative, _) = load::<initiatives::Entity>(db, viewer, initiative_id).await?;
    let measure = Measure::of(&initiative);
    let teams = queries::teams(db, initiative.id).await?;
    let mut series = queries::initiative_series(db, initiative.id).await?;
    let mut spots: Vec<(initiative_teams::Model, (BrightSpot, NaiveDate, NaiveDate))> = Vec::new();
    for team in teams {
        let points = series.remove(&team.id).unwrap_or_default();
        let reading = chart::read(points, team.baseline_from, measure.direction);
        if let Some(spot) = reading.bright_spot(measure.direction) {
            let span = (
                reading.points[spot.signal.from].0,
                reading.points[spot.signal.to].0,
            );
            spots.push((team, (spot, span.0, span.1)));
        }
    }
    let mut ranked: Vec<((initiative_teams::Model, NaiveDate, NaiveDate), BrightSpot)> = spots
        .into_iter()
        .map(|(team, (spot, from, to))| ((team, from, to), spot))
        .collect();
    rank(&mut ranked, measure.direction);
    let team_ids: Vec<i64> = ranked.iter().map(|((t, _, _), _)| t.id).collect();
    let acted = if team_ids.is_empty() {
        Vec::new()
    } else {
        tests_of_change::Entity::find()
            .filter(tests_of_change::Column::TeamId.is_in(team_ids))
            .filter(tests_of_change::Column::Status.eq("acted"))
            .order_by_desc(tests_of_change::Column::ActedAt)
            .order_by_desc(tests_of_change::Column::Id)
            .all(db)
            .await?
    };
    let acted_views = queries::test_views(db, &acted).await?;
    let mut tests_by_team: HashMap<i64, Vec<_>> = HashMap::new();
    for view in acted_views {
        tests_by_team.entry(view.team.id.0).or_default().push(view);
    }
    Ok(ranked
        .into_iter()
        .map(|((team, from, to), spot)| BrightSpotView {
            team: TeamRef::from(&team),
            baseline_median: spot.baseline_median,
            recent_median: spot.recent_median,
            relative_change: spot.relative_change,
            signal: SignalView {
                rule: spot.signal.rule.as_str().to_owned(),
                from,
                to,
                effect: spot.signal.effect.as_str().to_owned(),
            },
            summary: svg::capitalized(&bright_spot_summary(
                &initiative.measure_name,
                measure.direction,
                measure.cadence == Cadence::Weekly,
                &spot,
            )),
            tests: tests_by_team.remove(&team.id).unwrap_or_default(),
        })
        .collect())
}
