//! Data check-ins: a team's value of the measure for one period. One per team and period; a
//! resubmission replaces the value and keeps the one it replaced. Every check-in reads the
//! team's chart again, and a team that has just become a bright spot is announced to
//! everyone on the initiative, once per signal.

use super::charts::chart::{self, bright_spot_summary};
use super::model::{Cadence, MeasureValue, Period};
use super::permissions::{require_active, require_on_team};
use super::queries;
use super::service::Measure;
use super::teams::initiative_of;
use super::views::CheckInView;
use crate::db::Writer;
use crate::entities::{check_in_revisions, check_ins, initiative_teams, initiatives};
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::events::{EventKind, NewEvent};
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::{ApiId, MemberId};
use crate::members::views::MemberRef;
use crate::networks::access::{load, load_for_update};
use crate::notifications::records::{notify_all, NewNotification, NotificationKind};
use crate::text::BoundedText;
use crate::tx::Tx;
use chrono::{Datelike, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

pub const NOTE_MAX_CHARS: usize = 2_000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitCheckIn {
    /// The period's first day: a Monday for weekly measures, the first of the month for
    /// monthly ones (`YYYY-MM-DD`).
    pub period: String,
    /// A finite number; 0–100 when the unit is `%`.
    pub value: f64,
    /// What explains it ("testing week", "snow days").
    #[serde(default)]
    pub note: String,
}

/// `raw` as a period of `cadence`, or a 422 on `field` saying which date would be.
pub fn parse_period(field: &str, raw: &str, cadence: Cadence) -> ApiResult<Period> {
    let date: NaiveDate = raw
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, "must be a date like 2027-01-11"))?;
    if !(2000..=9999).contains(&date.year()) {
        return Err(ApiError::invalid(field, "is out of range"));
    }
    cadence
        .period(date)
        .map_err(|message| ApiError::invalid(field, message))
}

pub fn parse_value(field: &str, value: f64, measure: &Measure) -> ApiResult<MeasureValue> {
    MeasureValue::parse(value, &measure.unit).map_err(|message| ApiError::invalid(field, message))
}

pub fn parse_note(field: &str, raw: &str) -> ApiResult<String> {
    Ok(BoundedText::parse(field, raw, NOTE_MAX_CHARS)?.into_string())
}

/// A validated check-in, ready to store.
pub struct NewCheckIn {
    pub period: Period,
    pub value: MeasureValue,
    pub note: String,
}

/// Stores `new` for `team`, replacing `existing` (its check-in for that period, if any) and
/// keeping the value it had, and announces `check_in.submitted`. The caller holds the team's
/// row lock, so `existing` is still current.
pub async fn store(
    txn: &Tx,
    team: &initiative_teams::Model,
    actor: &MemberRef,
    existing: Option<check_ins::Model>,
    new: NewCheckIn,
) -> ApiResult<check_ins::Model> {
    let now = crate::clock::now();
    let replaced = existing.is_some();
    let row = match existing {
        Some(existing) => {
            check_in_revisions::ActiveModel {
                check_in_id: Set(existing.id),
                value: Set(existing.value),
                note: Set(existing.note.clone()),
                submitted_by: Set(existing.submitted_by),
                submitted_at: Set(existing.submitted_at),
                replaced_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let mut active: check_ins::ActiveModel = existing.into();
            active.value = Set(new.value.get());
            active.note = Set(new.note);
            active.submitted_by = Set(actor.id.0);
            active.submitted_at = Set(now);
            active.update(txn).await?
        }
        None => {
            check_ins::ActiveModel {
                team_id: Set(team.id),
                initiative_id: Set(team.initiative_id),
                period: Set(new.period.date()),
                value: Set(new.value.get()),
                note: Set(new.note),
                submitted_by: Set(actor.id.0),
                submitted_at: Set(now),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?
        }
    };
    // The check-in without its history (the API has that), and whether it replaced one.
    let payload = serde_json::json!({
        "id": ApiId(row.id),
        "initiative_id": ApiId(row.initiative_id),
        "team_id": ApiId(row.team_id),
        "period": row.period,
        "value": row.value,
        "note": row.note,
        "submitted_by": actor,
        "submitted_at": row.submitted_at,
        "replaced": replaced,
    });
    txn.emit(
        NewEvent::in_network(
            EventKind::CheckInSubmitted,
            team.network_id,
            actor.id.0,
            &payload,
        )
        .about(row.id),
    );
    Ok(row)
}

/// The member as check-ins name them.
pub async fn member_ref(db: &impl ConnectionTrait, member_id: i64) -> ApiResult<MemberRef> {
    crate::members::queries::find(db, member_id)
        .await?
        .map(|m| MemberRef::from(&m))
        .ok_or(ApiError::NotFound)
}

pub async fn submit(
    db: &Writer,
    actor: MemberId,
    team_id: i64,
    input: SubmitCheckIn,
) -> ApiResult<CheckInView> {
    let txn = Tx::begin(db).await?;
    let (team, access) = load_for_update::<initiative_teams::Entity>(&txn, actor, team_id).await?;
    let initiative = initiative_of(&txn, &team).await?;
    let measure = Measure::of(&initiative);
    let mut fields = FieldCollector::default();
    let period = fields.take(parse_period("period", &input.period, measure.cadence));
    let value = fields.take(parse_value("value", input.value, &measure));
    let note = fields.take(parse_note("note", &input.note));
    fields.finish()?;
    let (Some(period), Some(value), Some(note)) = (period, value, note) else {
        unreachable!("every field parsed when none was rejected")
    };
    require_on_team(&txn, &access, team.id).await?;
    require_active(&initiative)?;
    let existing = check_ins::Entity::find()
        .filter(check_ins::Column::TeamId.eq(team.id))
        .filter(check_ins::Column::Period.eq(period.date()))
        .one(&txn)
        .await?;
    let submitter = member_ref(&txn, actor.get()).await?;
    let new = NewCheckIn {
        period,
        value,
        note,
    };
    let row = store(&txn, &team, &submitter, existing, new).await?;
    refresh_bright_spot(&txn, &initiative, &team, actor).await?;
    let view = queries::check_in_views(&txn, &[row]).await?.remove(0);
    txn.commit().await?;
    Ok(view)
}

#[derive(Debug, Serialize, Deserialize)]
struct PeriodCursor {
    #[serde(rename = "p")]
    period: NaiveDate,
}

/// A team's check-ins, latest period first.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    team_id: i64,
    page: &PageQuery,
) -> ApiResult<Page<CheckInView>> {
    load::<initiative_teams::Entity>(db, viewer, team_id).await?;
    let limit = page.limit()?;
    let cursor: Option<PeriodCursor> = page.cursor()?;
    let mut select = check_ins::Entity::find().filter(check_ins::Column::TeamId.eq(team_id));
    if let Some(cursor) = cursor {
        select = select.filter(check_ins::Column::Period.lt(cursor.period));
    }
    let rows = select
        .order_by_desc(check_ins::Column::Period)
        .limit(limit + 1)
        .all(db)
        .await?;
    let (rows, next_cursor) = split_page(rows, limit, |c| PeriodCursor { period: c.period });
    Ok(Page {
        items: queries::check_in_views(db, &rows).await?,
        next_cursor,
    })
}

/// Reads `team`'s chart again after its data or baseline changed. A team that has just
/// become a bright spot is announced (`bright_spot.detected`, and a notification to everyone
/// on the initiative); one that no longer is one is marked so, and will be announced again
/// when a new signal makes it one.
pub async fn refresh_bright_spot(
    txn: &Tx,
    initiative: &initiatives::Model,
    team: &initiative_teams::Model,
    actor: MemberId,
) -> ApiResult<()> {
    let measure = Measure::of(initiative);
    let team = initiative_teams::Entity::find_by_id(team.id)
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let reading = chart::read(
        queries::team_series(txn, team.id).await?,
        team.baseline_from,
        measure.direction,
    );
    let spot = reading.bright_spot(measure.direction);
    let since = spot.map(|s| reading.points[s.signal.from].0);
    if since.is_some() == team.bright_since.is_some() {
        return Ok(());
    }
    let mut active: initiative_teams::ActiveModel = team.clone().into();
    active.bright_since = Set(since);
    active.update(txn).await?;
    let Some(spot) = spot else { return Ok(()) };

    let summary = bright_spot_summary(
        &initiative.measure_name,
        measure.direction,
        measure.cadence == Cadence::Weekly,
        &spot,
    );
    let from = reading.points[spot.signal.from].0;
    let to = reading.points[spot.signal.to].0;
    let payload = serde_json::json!({
        "initiative_id": ApiId(initiative.id),
        "initiative_title": initiative.title,
        "team": { "id": ApiId(team.id), "name": team.name },
        "summary": summary,
        "signal": { "rule": spot.signal.rule.as_str(), "from": from, "to": to, "effect": spot.signal.effect.as_str() },
        "baseline_median": spot.baseline_median,
        "recent_median": spot.recent_median,
        "relative_change": spot.relative_change,
    });
    txn.emit(
        NewEvent::in_network(
            EventKind::BrightSpotDetected,
            initiative.network_id,
            actor.get(),
            &payload,
        )
        .about(team.id),
    );
    let mut recipients = queries::initiative_member_ids(txn, initiative.id).await?;
    recipients.push(initiative.created_by);
    recipients.sort_unstable();
    recipients.dedup();
    notify_all(
        txn,
        recipients
            .into_iter()
            .map(|recipient| NewNotification {
                recipient_id: recipient,
                kind: NotificationKind::BrightSpot,
                subject_type: "initiative",
                subject_id: initiative.id,
                network_id: Some(initiative.network_id),
                // Nobody's doing: the team's own members hear of it too.
                actor_id: None,
                data: payload.clone(),
            })
            .collect(),
    )
    .await?;
    Ok(())
}
