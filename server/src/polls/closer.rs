//! Closing polls whose closing time has passed: each is settled once (`closed_at` set to its
//! closing time, under its row lock, whichever instance gets there first) and announced
//! with `poll.updated`, so pages showing it learn that voting ended and, for results shown
//! on close, see the results.

use super::service::announce;
use crate::db::Writer;
use crate::entities::polls;
use crate::events::EventKind;
use crate::shutdown::ShutdownSignal;
use crate::tx::Tx;
use crate::AppState;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use std::time::Duration;
use tracing::Instrument;

/// Polls closed per pass.
const BATCH: u64 = 100;

/// Closes every poll due at `now`; how many this pass closed.
pub async fn pass(db: &Writer, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let due: Vec<i64> = polls::Entity::find()
        .select_only()
        .column(polls::Column::Id)
        .filter(polls::Column::ClosedAt.is_null())
        .filter(polls::Column::DeletedAt.is_null())
        .filter(polls::Column::ClosesAt.lte(now))
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    let mut closed = 0;
    for id in due {
        let txn = Tx::begin(db).await?;
        let poll = polls::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&txn)
            .await?
            .filter(|p| p.closed_at.is_none() && p.deleted_at.is_none());
        let Some(poll) = poll else {
            continue; // another instance closed it first
        };
        let closes_at = poll.closes_at.unwrap_or(now);
        let mut active: polls::ActiveModel = poll.into();
        active.closed_at = Set(Some(closes_at));
        active.updated_at = Set(now);
        let poll = active.update(&txn).await?;
        announce(&txn, EventKind::PollUpdated, None, &poll)
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        txn.commit().await?;
        closed += 1;
    }
    Ok(closed)
}

/// The closer of a serving instance: a pass every `polls.close_interval_secs` until
/// `shutdown` is triggered.
pub async fn run(state: actix_web::web::Data<AppState>, shutdown: ShutdownSignal) {
    let interval = Duration::from_secs(state.config.polls.close_interval_secs);
    crate::jobs::every(interval, shutdown, |now| {
        let state = state.clone();
        async move {
            match pass(state.db.writer(), now).await {
                Ok(0) => {}
                Ok(closed) => tracing::info!(closed, "polls closed"),
                Err(err) => tracing::warn!(error = %err, "closing polls failed; retrying"),
            }
        }
        .instrument(tracing::info_span!("poll_closer", at = %now))
    })
    .await
}
