//! Check-in reminders: on the first day after a period ends, in each team member's own
//! timezone, a member whose team has not checked in for that period gets an in-app
//! notification. Once per member, team and period (a `check_in_reminders` row, written with
//! the notification), never for a period already in, never for a period the team (or the
//! member's place on it) did not exist in. A pass that runs late (the instance was down on
//! that day) still reminds, until the next period ends.

use super::model::{Cadence, Period};
use super::queries;
use super::service::Measure;
use crate::db::Writer;
use crate::entities::{
    check_in_reminders, check_ins, initiative_team_members, initiative_teams, initiatives, members,
};
use crate::ids::ApiId;
use crate::notifications::records::{notify_all, NewNotification, NotificationKind};
use crate::shutdown::ShutdownSignal;
use crate::state::AppState;
use crate::tx::Tx;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tracing::Instrument;

/// One reminder due.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Due {
    member_id: i64,
    team_id: i64,
    period: Period,
}

/// The period a member at `now` in `timezone` should have checked in for by now: the one
/// before the period their today falls in.
fn last_ended(cadence: Cadence, timezone: &str, now: DateTime<Utc>) -> (Period, NaiveDate) {
    let zone: Tz = timezone.parse().unwrap_or(Tz::UTC);
    let today = now.with_timezone(&zone).date_naive();
    let current = cadence.containing(today);
    (cadence.previous(current), current.date())
}

/// Reminds every team member whose team's last ended period has no check-in; the number
/// of reminders sent.
pub async fn pass(db: &Writer, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let active = initiatives::Entity::find()
        .filter(initiatives::Column::Status.eq("active"))
        .all(db)
        .await?;
    let mut sent = 0;
    for initiative in active {
        sent += remind_for(db, &initiative, now).await?;
    }
    Ok(sent)
}

async fn remind_for(
    db: &Writer,
    initiative: &initiatives::Model,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let measure = Measure::of(initiative);
    let teams = queries::teams(db, initiative.id).await?;
    if teams.is_empty() {
        return Ok(0);
    }
    let team_ids: Vec<i64> = teams.iter().map(|t| t.id).collect();
    let places = initiative_team_members::Entity::find()
        .filter(initiative_team_members::Column::TeamId.is_in(team_ids.clone()))
        .all(db)
        .await?;
    let member_ids: Vec<i64> = places.iter().map(|p| p.member_id).collect();
    let zones: HashMap<i64, String> = members::Entity::find()
        .filter(members::Column::Id.is_in(member_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.timezone))
        .collect();
    // Timezones put members at most a day apart, so two periods back covers everyone.
    let earliest = measure.cadence.previous(
        measure
            .cadence
            .previous(measure.cadence.containing(now.date_naive())),
    );
    let checked_in: HashSet<(i64, NaiveDate)> = check_ins::Entity::find()
        .filter(check_ins::Column::TeamId.is_in(team_ids.clone()))
        .filter(check_ins::Column::Period.gte(earliest.date()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.team_id, c.period))
        .collect();
    let reminded: HashSet<(i64, NaiveDate, i64)> = check_in_reminders::Entity::find()
        .filter(check_in_reminders::Column::TeamId.is_in(team_ids))
        .filter(check_in_reminders::Column::Period.gte(earliest.date()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.team_id, r.period, r.member_id))
        .collect();
    let by_id: HashMap<i64, &initiative_teams::Model> = teams.iter().map(|t| (t.id, t)).collect();
    let mut due = Vec::new();
    for place in places {
        let Some(team) = by_id.get(&place.team_id) else {
            continue;
        };
        let zone = zones
            .get(&place.member_id)
            .map(String::as_str)
            .unwrap_or("UTC");
        let (period, current_start) = last_ended(measure.cadence, zone, now);
        let existed = |at: DateTime<Utc>| {
            let zone: Tz = zone.parse().unwrap_or(Tz::UTC);
            at.with_timezone(&zone).date_naive() < current_start
        };
        if existed(team.created_at)
            && existed(place.added_at)
            && !checked_in.contains(&(team.id, period.date()))
            && !reminded.contains(&(team.id, period.date(), place.member_id))
        {
            due.push(Due {
                member_id: place.member_id,
                team_id: team.id,
                period,
            });
        }
    }
    if due.is_empty() {
        return Ok(0);
    }
    let txn = Tx::begin(db).await?;
    let mut notifications = Vec::new();
    for reminder in due {
        // Another instance's pass may have sent this one meanwhile: only the one that
        // records it notifies.
        let recorded = check_in_reminders::Entity::insert(check_in_reminders::ActiveModel {
            team_id: Set(reminder.team_id),
            period: Set(reminder.period.date()),
            member_id: Set(reminder.member_id),
            sent_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                check_in_reminders::Column::TeamId,
                check_in_reminders::Column::Period,
                check_in_reminders::Column::MemberId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if recorded == 0 {
            continue;
        }
        let team = by_id[&reminder.team_id];
        notifications.push(NewNotification {
            recipient_id: reminder.member_id,
            kind: NotificationKind::CheckInDue,
            subject_type: "team",
            subject_id: team.id,
            network_id: Some(initiative.network_id),
            actor_id: None,
            data: serde_json::json!({
                "team_id": ApiId(team.id),
                "team_name": team.name,
                "initiative_id": ApiId(initiative.id),
                "initiative_title": initiative.title,
                "measure_name": initiative.measure_name,
                "period": reminder.period.date(),
                "period_label": measure.cadence.label(reminder.period),
            }),
        });
    }
    let sent = notify_all(&txn, notifications)
        .await?
        .into_iter()
        .flatten()
        .count();
    txn.commit().await?;
    Ok(sent)
}

/// The reminder loop of a serving instance: a pass every
/// `initiatives.reminder_interval_secs` until `shutdown` is triggered.
pub async fn run(state: actix_web::web::Data<AppState>, shutdown: ShutdownSignal) {
    let interval = Duration::from_secs(state.config.initiatives.reminder_interval_secs);
    crate::jobs::every(interval, shutdown, |now| {
        let state = state.clone();
        async move {
            match pass(state.db.writer(), now).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "check-in reminders"),
                Err(err) => tracing::warn!(error = %err, "check-in reminders failed; retrying"),
            }
        }
        .instrument(tracing::info_span!("check_in_reminders", at = %now))
    })
    .await
}
