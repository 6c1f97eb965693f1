//! Tests of change (PDSA): a team plans a change with a prediction, runs it, studies what
//! happened and acts on it (adopt, adapt or abandon), one step at a time. "Try this": another
//! team on the initiative takes a peer's test up as its own new plan, linked to it, and the
//! team that ran it hears so.

use super::model::{Act, TestStatus};
use super::permissions::{require_active, require_on_team};
use super::queries;
use super::service::team_of;
use super::teams::initiative_of;
use super::views::TestView;
use crate::db::Writer;
use crate::entities::{initiative_teams, initiatives, tests_of_change};
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::events::{EventKind, NewEvent};
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::item_reads::ReadItem;
use crate::markdown::Markdown;
use crate::networks::access::{load, load_for_update};
use crate::notifications::records::{notify_all, NewNotification, NotificationKind};
use crate::notifications::service::UnreadCount;
use crate::notifications::settle;
use crate::paging::IdPage;
use crate::text::{BoundedText, Title};
use crate::tx::Tx;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

const IDEA_MAX_CHARS: usize = 300;
const TEXT_MAX_CHARS: usize = 4_000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// What will be tried.
    #[serde(default)]
    pub what: String,
    /// Who will do it, with whom.
    #[serde(default)]
    pub who: String,
    /// When, and for how long.
    #[serde(default)]
    pub when: String,
    /// What the team expects to happen.
    #[serde(default)]
    pub prediction: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTest {
    #[schema(value_type = String)]
    pub team_id: ApiId,
    /// "Mentors call home after the second absence".
    pub change_idea: String,
    pub plan: PlanInput,
}

/// Plan fields to change; absent ones stay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanUpdate {
    pub what: Option<String>,
    pub who: Option<String>,
    pub when: Option<String>,
    pub prediction: Option<String>,
}

/// The team or a facilitator; every field optional. `status` moves one step at a time
/// (`planning → doing → studying → acted`); moving to `acted` needs `act`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTest {
    pub change_idea: Option<String>,
    pub plan: Option<PlanUpdate>,
    pub status: Option<String>,
    /// What happened while doing it.
    pub do_notes: Option<String>,
    /// What the team learned, against the prediction.
    pub study: Option<String>,
    /// `adopt`, `adapt` or `abandon`, with `status: acted`.
    pub act: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TryTest {
    /// The team taking it up (not the one that ran it).
    #[schema(value_type = String)]
    pub team_id: ApiId,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TestListQuery {
    pub team_id: Option<ApiId>,
    /// `planning`, `doing`, `studying`, `acted`.
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct IdCursor {
    #[serde(rename = "i")]
    id: i64,
}

fn text(field: &str, raw: &str) -> ApiResult<String> {
    Ok(BoundedText::parse(field, raw, TEXT_MAX_CHARS)?.into_string())
}

fn parse_status(raw: &str) -> ApiResult<TestStatus> {
    TestStatus::parse(raw).ok_or_else(|| {
        ApiError::invalid("status", "must be one of planning, doing, studying, acted")
    })
}

fn announce(txn: &Tx, kind: EventKind, actor: MemberId, view: &TestView) {
    txn.emit(NewEvent::in_network(kind, view.network_id.0, actor.get(), view).about(view.id.0));
}

/// The plan as stored columns: what, who, when, prediction.
struct Plan([String; 4]);

fn parse_plan(plan: &PlanInput) -> ApiResult<Plan> {
    let mut fields = FieldCollector::default();
    let what = fields.take(text("plan.what", &plan.what));
    let who = fields.take(text("plan.who", &plan.who));
    let when = fields.take(text("plan.when", &plan.when));
    let prediction = fields.take(text("plan.prediction", &plan.prediction));
    fields.finish()?;
    match (what, who, when, prediction) {
        (Some(a), Some(b), Some(c), Some(d)) => Ok(Plan([a, b, c, d])),
        _ => unreachable!("every field parsed when none was rejected"),
    }
}

/// Inserts a test in `planning` for `team`, with its discussion thread.
async fn insert(
    txn: &Tx,
    markdown: &Markdown,
    actor: MemberId,
    team: &initiative_teams::Model,
    change_idea: String,
    plan: Plan,
    adopted_from: Option<i64>,
) -> ApiResult<tests_of_change::Model> {
    let [what, who, when, prediction] = plan.0;
    let opening = format!(
        "Discussion of {}'s test of change: **{}**.{}",
        team.name,
        change_idea,
        if prediction.is_empty() {
            String::new()
        } else {
            format!("\n\nPrediction: {prediction}")
        }
    );
    let thread = crate::threads::service::start_thread(
        txn,
        markdown,
        actor,
        NetworkId(team.network_id),
        change_idea.chars().take(186).collect::<String>() + " (test of change)",
        opening,
        &[],
    )
    .await?;
    let now = crate::clock::now();
    Ok(tests_of_change::ActiveModel {
        initiative_id: Set(team.initiative_id),
        team_id: Set(team.id),
        network_id: Set(team.network_id),
        created_by: Set(actor.get()),
        change_idea: Set(change_idea),
        plan_what: Set(what),
        plan_who: Set(who),
        plan_when: Set(when),
        prediction: Set(prediction),
        status: Set(TestStatus::Planning.as_str().to_owned()),
        do_notes: Set(String::new()),
        study: Set(String::new()),
        act: Set(None),
        discussion_thread_id: Set(Some(thread.summary.id.0)),
        adopted_from: Set(adopted_from),
        started_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        acted_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

pub async fn create(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    initiative_id: i64,
    input: CreateTest,
) -> ApiResult<TestView> {
    let mut fields = FieldCollector::default();
    let idea = fields.take(Title::parse_as(
        "change_idea",
        &input.change_idea,
        IDEA_MAX_CHARS,
    ));
    let plan = fields.take(parse_plan(&input.plan));
    fields.finish()?;
    let (Some(idea), Some(plan)) = (idea, plan) else {
        unreachable!("every field parsed when none was rejected")
    };

    let txn = Tx::begin(db).await?;
    let (initiative, access) = load::<initiatives::Entity>(&txn, actor, initiative_id).await?;
    let team = team_of(&txn, &initiative, input.team_id.0).await?;
    require_on_team(&txn, &access, team.id).await?;
    require_active(&initiative)?;
    let row = insert(&txn, markdown, actor, &team, idea.into_string(), plan, None).await?;
    let view = queries::test_view(&txn, &row).await?;
    announce(&txn, EventKind::TestOfChangeCreated, actor, &view);
    txn.commit().await?;
    Ok(view)
}

pub async fn get(db: &impl ConnectionTrait, viewer: MemberId, id: i64) -> ApiResult<TestView> {
    let (row, _) = load::<tests_of_change::Entity>(db, viewer, id).await?;
    Ok(queries::test_view(db, &row).await?)
}

/// An initiative's tests, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    initiative_id: i64,
    query: TestListQuery,
) -> ApiResult<Page<TestView>> {
    load::<initiatives::Entity>(db, viewer, initiative_id).await?;
    let status = query.status.as_deref().map(parse_status).transpose()?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let cursor: Option<IdCursor> = page.cursor()?;
    let mut select = tests_of_change::Entity::find()
        .filter(tests_of_change::Column::InitiativeId.eq(initiative_id));
    if let Some(team) = query.team_id {
        select = select.filter(tests_of_change::Column::TeamId.eq(team.0));
    }
    if let Some(status) = status {
        select = select.filter(tests_of_change::Column::Status.eq(status.as_str()));
    }
    let page = IdPage {
        limit,
        past: cursor.map(|c| c.id),
    };
    let rows = page
        .descending(select, tests_of_change::Column::Id)
        .all(db)
        .await?;
    let (rows, next_cursor) = split_page(rows, limit, |t| IdCursor { id: t.id });
    Ok(Page {
        items: queries::test_views(db, &rows).await?,
        next_cursor,
    })
}

pub async fn update(
    db: &Writer,
    actor: MemberId,
    id: i64,
    input: UpdateTest,
) -> ApiResult<TestView> {
    let mut fields = FieldCollector::default();
    let idea = fields.take(
        input
            .change_idea
            .as_deref()
            .map(|i| Title::parse_as("change_idea", i, IDEA_MAX_CHARS))
            .transpose(),
    );
    let plan = input.plan.as_ref();
    let mut plan_field = |name: &str, raw: Option<&String>| {
        fields
            .take(raw.map(|r| text(&format!("plan.{name}"), r)).transpose())
            .flatten()
    };
    let what = plan_field("what", plan.and_then(|p| p.what.as_ref()));
    let who = plan_field("who", plan.and_then(|p| p.who.as_ref()));
    let when = plan_field("when", plan.and_then(|p| p.when.as_ref()));
    let prediction = plan_field("prediction", plan.and_then(|p| p.prediction.as_ref()));
    let status = fields.take(input.status.as_deref().map(parse_status).transpose());
    let act = fields.take(
        input
            .act
            .as_deref()
            .map(|a| {
                Act::parse(a)
                    .ok_or_else(|| ApiError::invalid("act", "must be adopt, adapt or abandon"))
            })
            .transpose(),
    );
    let do_notes = fields.take(
        input
            .do_notes
            .as_deref()
            .map(|n| text("do_notes", n))
            .transpose(),
    );
    let study = fields.take(input.study.as_deref().map(|s| text("study", s)).transpose());
    fields.finish()?;
    let (idea, status, act, do_notes, study) = (
        idea.flatten(),
        status.flatten(),
        act.flatten(),
        do_notes.flatten(),
        study.flatten(),
    );

    let txn = Tx::begin(db).await?;
    let (test, access) = load_for_update::<tests_of_change::Entity>(&txn, actor, id).await?;
    require_on_team(&txn, &access, test.team_id).await?;
    let initiative = initiatives::Entity::find_by_id(test.initiative_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    require_active(&initiative)?;
    let current = TestStatus::parse(&test.status).unwrap_or(TestStatus::Planning);
    let next = match (status, act) {
        (Some(to), act) => Some(
            current
                .step(to, act)
                .map_err(|refused| ApiError::Conflict(refused.0))?,
        ),
        (None, Some(_)) => {
            return Err(ApiError::Conflict(
                "The decision (adopt, adapt or abandon) comes with moving to acted.".into(),
            ))
        }
        (None, None) => None,
    };
    let now = crate::clock::now();
    let mut active: tests_of_change::ActiveModel = test.into();
    if let Some(idea) = idea {
        active.change_idea = Set(idea.into_string());
    }
    if let Some(what) = what {
        active.plan_what = Set(what);
    }
    if let Some(who) = who {
        active.plan_who = Set(who);
    }
    if let Some(when) = when {
        active.plan_when = Set(when);
    }
    if let Some(prediction) = prediction {
        active.prediction = Set(prediction);
    }
    if let Some(notes) = do_notes {
        active.do_notes = Set(notes);
    }
    if let Some(study) = study {
        active.study = Set(study);
    }
    match next {
        Some(TestStatus::Doing) => active.started_on = Set(Some(now.date_naive())),
        Some(TestStatus::Acted) => {
            active.act = Set(act.map(|a| a.as_str().to_owned()));
            active.acted_at = Set(Some(now));
        }
        _ => {}
    }
    if let Some(next) = next {
        active.status = Set(next.as_str().to_owned());
    }
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    let view = queries::test_view(&txn, &row).await?;
    announce(&txn, EventKind::TestOfChangeUpdated, actor, &view);
    // A decision changes the adoption count the original shows.
    if let (Some(original), Some(TestStatus::Acted)) = (row.adopted_from, next) {
        reannounce(&txn, actor, original).await?;
    }
    txn.commit().await?;
    Ok(view)
}

/// Announces `test_id` again (its counts changed) so boards showing it stay true.
async fn reannounce(txn: &Tx, actor: MemberId, test_id: i64) -> ApiResult<()> {
    if let Some(row) = tests_of_change::Entity::find_by_id(test_id)
        .one(txn)
        .await?
    {
        let view = queries::test_view(txn, &row).await?;
        announce(txn, EventKind::TestOfChangeUpdated, actor, &view);
    }
    Ok(())
}

/// "Try this": `team_id` takes the test up as its own new plan, linked to it.
pub async fn try_test(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    id: i64,
    input: TryTest,
) -> ApiResult<TestView> {
    let txn = Tx::begin(db).await?;
    let (original, access) = load_for_update::<tests_of_change::Entity>(&txn, actor, id).await?;
    let original_team = initiative_teams::Entity::find_by_id(original.team_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let initiative = initiative_of(&txn, &original_team).await?;
    let team = team_of(&txn, &initiative, input.team_id.0).await?;
    if team.id == original.team_id {
        return Err(ApiError::invalid(
            "team_id",
            "is the team that ran this test: plan a new test to run it again",
        ));
    }
    require_on_team(&txn, &access, team.id).await?;
    require_active(&initiative)?;
    let already = tests_of_change::Entity::find()
        .filter(tests_of_change::Column::AdoptedFrom.eq(original.id))
        .filter(tests_of_change::Column::TeamId.eq(team.id))
        .one(&txn)
        .await?;
    if let Some(already) = already {
        return Err(ApiError::Conflict(format!(
            "{} is already trying this test (test {}).",
            team.name, already.id
        )));
    }
    let plan = Plan([
        original.plan_what.clone(),
        original.plan_who.clone(),
        original.plan_when.clone(),
        original.prediction.clone(),
    ]);
    let row = insert(
        &txn,
        markdown,
        actor,
        &team,
        original.change_idea.clone(),
        plan,
        Some(original.id),
    )
    .await?;
    let view = queries::test_view(&txn, &row).await?;
    announce(&txn, EventKind::TestOfChangeCreated, actor, &view);
    reannounce(&txn, actor, original.id).await?;
    let recipients = queries::team_member_ids(&txn, &[original.team_id])
        .await?
        .remove(&original.team_id)
        .unwrap_or_default();
    let data = serde_json::json!({
        "test_id": ApiId(row.id),
        "original_test_id": ApiId(original.id),
        "change_idea": original.change_idea,
        "team_name": team.name,
        "initiative_id": ApiId(initiative.id),
        "initiative_title": initiative.title,
    });
    notify_all(
        &txn,
        recipients
            .into_iter()
            .map(|recipient| NewNotification {
                recipient_id: recipient,
                kind: NotificationKind::TestTried,
                subject_type: "test_of_change",
                subject_id: row.id,
                network_id: Some(initiative.network_id),
                actor_id: Some(actor.get()),
                data: data.clone(),
            })
            .collect(),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// The viewer opened a test of change: recorded as read (`item_reads`), and their notifications about
/// other teams trying it settled; answers with their unread notifications.
pub async fn mark_read(db: &Writer, viewer: MemberId, id: i64) -> ApiResult<UnreadCount> {
    let txn = Tx::begin(db).await?;
    load::<tests_of_change::Entity>(&txn, viewer, id).await?;
    let unread = settle::opened(&txn, viewer, ReadItem::Test, id).await?;
    txn.commit().await?;
    Ok(unread)
}
