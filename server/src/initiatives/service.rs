//! Starting, listing and steering initiatives, and re-baselining their charts.

use super::check_ins::{parse_period, refresh_bright_spot};
use super::model::{parse_direction, Cadence, InitiativeStatus, Stage, Unit};
use super::permissions::require_steering;
use super::queries;
use super::views::InitiativeView;
use crate::db::Writer;
use crate::entities::{initiative_teams, initiatives};
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::events::{EventKind, NewEvent};
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::item_reads::ReadItem;
use crate::markdown::Markdown;
use crate::networks::access::{load, load_for_update};
use crate::networks::network_access;
use crate::notifications::service::UnreadCount;
use crate::notifications::settle;
use crate::paging::IdPage;
use crate::text::{MarkdownBody, Title};
use crate::tx::Tx;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

/// The longest aim, measure name and change idea.
const AIM_MAX_CHARS: usize = 500;
const MEASURE_NAME_MAX_CHARS: usize = 120;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    /// "Chronic absence, 9th grade".
    pub name: String,
    /// "%" (values 0–100), "students", …; may be empty.
    #[serde(default)]
    pub unit: String,
    /// `decrease` or `increase`.
    pub direction: String,
    /// `weekly` or `monthly`.
    pub cadence: String,
    pub target: Option<f64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInitiative {
    pub title: String,
    /// The problem of practice, markdown.
    #[serde(default)]
    pub problem: String,
    /// "Reduce chronic absence among 9th graders from 18% to 12% by May".
    pub aim: String,
    pub measure: MeasureInput,
    /// Defaults to `understand`.
    pub stage: Option<String>,
}

/// Facilitators only; every field optional. The measure's unit, direction and cadence are
/// fixed once created (its check-ins were taken in them); its name and target may change
/// (`target: null` clears it).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInitiative {
    pub title: Option<String>,
    pub problem: Option<String>,
    pub aim: Option<String>,
    pub measure_name: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<f64>)]
    pub target: Option<Option<f64>>,
    /// `understand`, `analyze`, `design_test`, `learn_refine`, `scale`.
    pub stage: Option<String>,
    /// `active`, `completed`, `archived`.
    pub status: Option<String>,
}

/// Start a chart's baseline again from a period, after a signal showed the process changed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rebaseline {
    /// The team whose chart to re-baseline; absent or null: the network chart.
    pub team_id: Option<ApiId>,
    /// A period of the measure's cadence (`YYYY-MM-DD`); null: back to the first period.
    pub from_period: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InitiativeListQuery {
    /// `active`, `completed` or `archived`; absent: all.
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct IdCursor {
    #[serde(rename = "i")]
    id: i64,
}

/// The initiative's measure, parsed back from its row.
pub struct Measure {
    pub unit: Unit,
    pub direction: super::charts::run_chart::Direction,
    pub cadence: Cadence,
}

impl Measure {
    pub fn of(row: &initiatives::Model) -> Measure {
        Measure {
            unit: Unit::parse(&row.measure_unit).unwrap_or_else(|_| {
                Unit::parse("").unwrap_or_else(|_| unreachable!("an empty unit is valid"))
            }),
            direction: parse_direction(&row.direction)
                .unwrap_or(super::charts::run_chart::Direction::Decrease),
            cadence: Cadence::parse(&row.cadence).unwrap_or(Cadence::Weekly),
        }
    }
}

/// A target a measure can have: finite, and 0–100 for a percentage.
fn parse_target(field: &str, raw: Option<f64>, unit: &Unit) -> ApiResult<Option<f64>> {
    raw.map(|target| {
        super::model::MeasureValue::parse(target, unit)
            .map(|v| v.get())
            .map_err(|message| ApiError::invalid(field, message))
    })
    .transpose()
}

fn parse_stage(field: &str, raw: &str) -> ApiResult<Stage> {
    Stage::parse(raw).ok_or_else(|| {
        ApiError::invalid(
            field,
            "must be one of understand, analyze, design_test, learn_refine, scale",
        )
    })
}

fn parse_status(raw: &str) -> ApiResult<InitiativeStatus> {
    InitiativeStatus::parse(raw)
        .ok_or_else(|| ApiError::invalid("status", "must be one of active, completed, archived"))
}

pub fn announce(txn: &Tx, kind: EventKind, actor: MemberId, view: &InitiativeView) {
    txn.emit(NewEvent::in_network(kind, view.network_id.0, actor.get(), view).about(view.id.0));
}

pub async fn create(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    network_id: i64,
    input: CreateInitiative,
) -> ApiResult<InitiativeView> {
    let mut fields = FieldCollector::default();
    let title = fields.take(Title::parse(&input.title));
    let problem = fields.take(MarkdownBody::optional("problem", &input.problem));
    let aim = fields.take(Title::parse_as("aim", &input.aim, AIM_MAX_CHARS));
    let measure_name = fields.take(Title::parse_as(
        "measure.name",
        &input.measure.name,
        MEASURE_NAME_MAX_CHARS,
    ));
    let unit = fields
        .take(Unit::parse(&input.measure.unit).map_err(|m| ApiError::invalid("measure.unit", m)));
    let direction = fields.take(
        parse_direction(&input.measure.direction)
            .ok_or_else(|| ApiError::invalid("measure.direction", "must be decrease or increase")),
    );
    let cadence = fields.take(
        Cadence::parse(&input.measure.cadence)
            .ok_or_else(|| ApiError::invalid("measure.cadence", "must be weekly or monthly")),
    );
    let target = unit
        .as_ref()
        .and_then(|unit| fields.take(parse_target("measure.target", input.measure.target, unit)));
    let stage = fields.take(
        input
            .stage
            .as_deref()
            .map(|s| parse_stage("stage", s))
            .transpose(),
    );
    fields.finish()?;
    let (
        Some(title),
        Some(problem),
        Some(aim),
        Some(measure_name),
        Some(unit),
        Some(direction),
        Some(cadence),
        Some(target),
        Some(stage),
    ) = (
        title,
        problem,
        aim,
        measure_name,
        unit,
        direction,
        cadence,
        target,
        stage,
    )
    else {
        unreachable!("every field parsed when none was rejected")
    };

    let txn = Tx::begin(db).await?;
    require_steering(&network_access(&txn, actor, NetworkId(network_id)).await?)?;
    let now = crate::clock::now();
    let opening = format!(
        "Discussion of the initiative **{}**.\n\nAim: {}",
        title.as_str(),
        aim.as_str()
    );
    let thread = crate::threads::service::start_thread(
        &txn,
        markdown,
        actor,
        NetworkId(network_id),
        title.as_str().chars().take(186).collect::<String>() + " (discussion)",
        opening,
        &[],
    )
    .await?;
    let initiative = initiatives::ActiveModel {
        network_id: Set(network_id),
        created_by: Set(actor.get()),
        title: Set(title.into_string()),
        problem_html: Set(problem.render(markdown)),
        problem: Set(problem.into_string()),
        aim: Set(aim.into_string()),
        measure_name: Set(measure_name.into_string()),
        measure_unit: Set(unit.as_str().to_owned()),
        direction: Set(direction.as_str().to_owned()),
        cadence: Set(cadence.as_str().to_owned()),
        target: Set(target),
        stage: Set(stage.unwrap_or(Stage::Understand).as_str().to_owned()),
        status: Set(InitiativeStatus::Active.as_str().to_owned()),
        discussion_thread_id: Set(Some(thread.summary.id.0)),
        baseline_from: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = queries::initiative_view(&txn, &initiative).await?;
    announce(&txn, EventKind::InitiativeCreated, actor, &view);
    txn.commit().await?;
    Ok(view)
}

pub async fn get(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    id: i64,
) -> ApiResult<InitiativeView> {
    let (initiative, _) = load::<initiatives::Entity>(db, viewer, id).await?;
    Ok(queries::initiative_view(db, &initiative).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    network_id: i64,
    query: InitiativeListQuery,
) -> ApiResult<Page<InitiativeView>> {
    network_access(db, viewer, NetworkId(network_id)).await?;
    let status = query.status.as_deref().map(parse_status).transpose()?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let cursor: Option<IdCursor> = page.cursor()?;
    let mut select =
        initiatives::Entity::find().filter(initiatives::Column::NetworkId.eq(network_id));
    if let Some(status) = status {
        select = select.filter(initiatives::Column::Status.eq(status.as_str()));
    }
    let page = IdPage {
        limit,
        past: cursor.map(|c| c.id),
    };
    let rows = page
        .descending(select, initiatives::Column::Id)
        .all(db)
        .await?;
    let (rows, next_cursor) = split_page(rows, limit, |i| IdCursor { id: i.id });
    Ok(Page {
        items: queries::initiative_views(db, &rows).await?,
        next_cursor,
    })
}

pub async fn update(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    id: i64,
    input: UpdateInitiative,
) -> ApiResult<InitiativeView> {
    let mut fields = FieldCollector::default();
    let title = fields.take(input.title.as_deref().map(Title::parse).transpose());
    let problem = fields.take(
        input
            .problem
            .as_deref()
            .map(|p| MarkdownBody::optional("problem", p))
            .transpose(),
    );
    let aim = fields.take(
        input
            .aim
            .as_deref()
            .map(|a| Title::parse_as("aim", a, AIM_MAX_CHARS))
            .transpose(),
    );
    let measure_name = fields.take(
        input
            .measure_name
            .as_deref()
            .map(|n| Title::parse_as("measure_name", n, MEASURE_NAME_MAX_CHARS))
            .transpose(),
    );
    let stage = fields.take(
        input
            .stage
            .as_deref()
            .map(|s| parse_stage("stage", s))
            .transpose(),
    );
    let status = fields.take(input.status.as_deref().map(parse_status).transpose());
    fields.finish()?;
    let (title, problem, aim, measure_name, stage, status) = (
        title.flatten(),
        problem.flatten(),
        aim.flatten(),
        measure_name.flatten(),
        stage.flatten(),
        status.flatten(),
    );

    let txn = Tx::begin(db).await?;
    let (initiative, access) = load_for_update::<initiatives::Entity>(&txn, actor, id).await?;
    require_steering(&access)?;
    let unit = Measure::of(&initiative).unit;
    let target = input
        .target
        .map(|t| parse_target("target", t, &unit))
        .transpose()?;
    let mut active: initiatives::ActiveModel = initiative.into();
    if let Some(title) = title {
        active.title = Set(title.into_string());
    }
    if let Some(problem) = problem {
        active.problem_html = Set(problem.render(markdown));
        active.problem = Set(problem.into_string());
    }
    if let Some(aim) = aim {
        active.aim = Set(aim.into_string());
    }
    if let Some(name) = measure_name {
        active.measure_name = Set(name.into_string());
    }
    if let Some(target) = target {
        active.target = Set(target);
    }
    if let Some(stage) = stage {
        active.stage = Set(stage.as_str().to_owned());
    }
    if let Some(status) = status {
        active.status = Set(status.as_str().to_owned());
    }
    active.updated_at = Set(crate::clock::now());
    let initiative = active.update(&txn).await?;
    let view = queries::initiative_view(&txn, &initiative).await?;
    announce(&txn, EventKind::InitiativeUpdated, actor, &view);
    txn.commit().await?;
    Ok(view)
}

/// Re-baselines the network chart (no `team_id`) or a team's chart from a period; the
/// team's bright-spot standing is read again against its new baseline.
pub async fn rebaseline(
    db: &Writer,
    actor: MemberId,
    id: i64,
    input: Rebaseline,
) -> ApiResult<InitiativeView> {
    let txn = Tx::begin(db).await?;
    let (initiative, access) = load_for_update::<initiatives::Entity>(&txn, actor, id).await?;
    require_steering(&access)?;
    let measure = Measure::of(&initiative);
    let from = input
        .from_period
        .as_deref()
        .map(|raw| parse_period("from_period", raw, measure.cadence))
        .transpose()?
        .map(|p| p.date());
    let now = crate::clock::now();
    let team = match input.team_id {
        Some(team_id) => {
            let team = team_of(&txn, &initiative, team_id.0).await?;
            // Taken like a check-in takes it: the bright-spot standing is decided under it.
            initiative_teams::Entity::find_by_id(team.id)
                .lock_exclusive()
                .one(&txn)
                .await?;
            let mut active: initiative_teams::ActiveModel = team.into();
            active.baseline_from = Set(from);
            active.updated_at = Set(now);
            Some(active.update(&txn).await?)
        }
        None => None,
    };
    let initiative = match &team {
        Some(_) => initiative,
        None => {
            let mut active: initiatives::ActiveModel = initiative.into();
            active.baseline_from = Set(from);
            active.updated_at = Set(now);
            active.update(&txn).await?
        }
    };
    if let Some(team) = &team {
        refresh_bright_spot(&txn, &initiative, team, actor).await?;
    }
    let view = queries::initiative_view(&txn, &initiative).await?;
    txn.emit(
        NewEvent::in_network(
            EventKind::InitiativeRebaselined,
            initiative.network_id,
            actor.get(),
            &serde_json::json!({
                "initiative_id": ApiId(initiative.id),
                "team_id": team.as_ref().map(|t| ApiId(t.id)),
                "from_period": from,
            }),
        )
        .about(initiative.id),
    );
    txn.commit().await?;
    Ok(view)
}

/// Team `team_id` of this initiative (not deleted): a 422 naming `team_id` otherwise, since
/// the caller can already see the initiative.
pub async fn team_of(
    db: &impl ConnectionTrait,
    initiative: &initiatives::Model,
    team_id: i64,
) -> ApiResult<initiative_teams::Model> {
    initiative_teams::Entity::find_by_id(team_id)
        .one(db)
        .await?
        .filter(|t| t.initiative_id == initiative.id && t.deleted_at.is_none())
        .ok_or_else(|| ApiError::invalid("team_id", "is not a team of this initiative"))
}

/// The viewer opened an initiative: recorded as read (`item_reads`), and their notifications about
/// its bright spots and its teams' check-in reminders settled; answers with their unread notifications.
pub async fn mark_read(db: &Writer, viewer: MemberId, id: i64) -> ApiResult<UnreadCount> {
    let txn = Tx::begin(db).await?;
    load::<initiatives::Entity>(&txn, viewer, id).await?;
    let unread = settle::opened(&txn, viewer, ReadItem::Initiative, id).await?;
    txn.commit().await?;
    Ok(unread)
}
