//! Which digests to send now, and sending them: the scheduler's pass (every
//! `digests.interval_secs` on each serving instance) and `staffroom digest send`.
//!
//! A pass lists candidates from two cheap reads (members with digests on, and the keys
//! recorded lately) and leaves the decision that counts to `send::deliver_batch`, which checks
//! the key again under the member's lock. So a pass can overlap another instance's, a CLI
//! run or its own restart after a crash: each member still gets one digest per period.

use super::compose::NewsCache;
use super::schedule::{Cadence, Schedule};
use super::send::{self, Outcome};
use crate::entities::{digest_deliveries, members};
use crate::members::profile::DigestFrequency;
use crate::shutdown::ShutdownSignal;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tracing::Instrument;

/// Which members a run is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Those whose chosen weekday and hour in the current period have passed, from their
    /// first full period on (a member who joined on Wednesday hears nothing until the
    /// next week's digest): the scheduler.
    Due,
    /// Every member of this frequency, whatever their chosen hour, even in the period they
    /// joined: `digest send --now`.
    CurrentPeriod(Cadence),
}

pub use super::send::Pending;

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub sent: usize,
    pub empty: usize,
    pub already_sent: usize,
    pub busy: usize,
    pub failed: usize,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Sent(_) => self.sent += 1,
            Outcome::Empty => self.empty += 1,
            Outcome::AlreadySent => self.already_sent += 1,
            Outcome::Busy => self.busy += 1,
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sent, {} with nothing to tell, {} already sent, {} taken by another instance, {} failed",
            self.sent, self.empty, self.already_sent, self.busy, self.failed
        )
    }
}

/// The digests to send at `now`, oldest member first.
pub async fn pending(
    db: &impl ConnectionTrait,
    which: Which,
    now: DateTime<Utc>,
) -> Result<Vec<Pending>, DbErr> {
    let mut query = members::Entity::find();
    query = match which {
        Which::Due => {
            query.filter(members::Column::DigestFrequency.ne(DigestFrequency::Off.as_str()))
        }
        Which::CurrentPeriod(cadence) => {
            query.filter(members::Column::DigestFrequency.eq(cadence.as_str()))
        }
    };
    let candidates = query.all(db).await?;
    let recorded = recorded_keys(db, now).await?;
    let mut pending = Vec::new();
    for member in candidates {
        let Some(schedule) = Schedule::from_stored(
            DigestFrequency::from_stored(&member.digest_frequency),
            member.digest_weekday,
            member.digest_hour,
            &member.timezone,
        ) else {
            continue;
        };
        let key = match which {
            Which::Due => match schedule.due(now) {
                Some(key) if schedule.period_key(member.created_at) != key => key,
                _ => continue,
            },
            Which::CurrentPeriod(_) => schedule.period_key(now),
        };
        if recorded.contains(&(member.id, schedule.cadence.as_str().to_owned(), key.clone())) {
            continue;
        }
        pending.push(Pending {
            member,
            cadence: schedule.cadence,
            key,
        });
    }
    Ok(pending)
}

/// `(member, frequency, period key)` recorded recently enough to be a current period's: ten
/// days cover the longest period plus any timezone offset.
async fn recorded_keys(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<HashSet<(i64, String, String)>, DbErr> {
    let rows: Vec<(i64, String, String)> = digest_deliveries::Entity::find()
        .select_only()
        .column(digest_deliveries::Column::MemberId)
        .column(digest_deliveries::Column::Frequency)
        .column(digest_deliveries::Column::PeriodKey)
        .filter(digest_deliveries::Column::CreatedAt.gte(now - chrono::Duration::days(10)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Sends each pending digest, `digests.batch_size` members per transaction, a few batches
/// at a time (three on SQLite, whose one writer then records one batch while the next two
/// are composed), calling `progress(done, total)` after each batch.
pub async fn send_all(
    state: &AppState,
    pending: Vec<Pending>,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize, usize),
) -> Tally {
    let concurrency = match state.db.backend() {
        DatabaseBackend::Postgres => 4,
        _ => 3,
    };
    let size = usize::try_from(state.config.digests.batch_size)
        .unwrap_or(100)
        .max(1);
    let total = pending.len();
    let mut batches = Vec::new();
    for cadence in [Cadence::Daily, Cadence::Weekly] {
        let of_cadence: Vec<Pending> = pending
            .iter()
            .filter(|p| p.cadence == cadence)
            .cloned()
            .collect();
        for chunk in of_cadence.chunks(size) {
            batches.push((cadence, chunk.to_vec()));
        }
    }
    // Every window of the run starts at most this far back (weekly is the longest cadence).
    let news = NewsCache::new(now, send::furthest_back(Cadence::Weekly, now));
    let news = &news;
    let mut tally = Tally::default();
    let mut results = futures_util::stream::iter(batches)
        .map(|(cadence, batch)| async move {
            let span = tracing::info_span!(
                "digest_batch",
                frequency = cadence.as_str(),
                members = batch.len(),
                first_member = batch.first().map(|p| p.member.id)
            );
            let outcome = send::deliver_batch(state, &batch, cadence, now, news)
                .instrument(span)
                .await;
            if let Err(err) = &outcome {
                tracing::error!(
                    members = batch.len(),
                    error = format!("{err:#}"),
                    "digests not sent; the next pass tries again"
                );
            }
            (batch.len(), outcome)
        })
        .buffer_unordered(concurrency);
    while let Some((size, outcome)) = results.next().await {
        match outcome {
            Ok(outcomes) => outcomes.iter().for_each(|o| tally.add(o)),
            Err(_) => tally.failed += size,
        }
        progress(tally_done(&tally), total);
    }
    tally
}

fn tally_done(tally: &Tally) -> usize {
    tally.sent + tally.empty + tally.already_sent + tally.busy + tally.failed
}

/// One scheduler pass at `now` (counted on `/metrics` once it is over).
pub async fn pass(state: &AppState, now: DateTime<Utc>) -> Result<Tally, DbErr> {
    let pending = pending(state.db.reader(), Which::Due, now).await?;
    let tally = if pending.is_empty() {
        Tally::default()
    } else {
        let tally = send_all(state, pending, now, |_, _| {}).await;
        tracing::info!(%tally, "digest pass");
        tally
    };
    let counters = &state.metrics.digests;
    counters
        .sent
        .fetch_add(tally.sent as u64, Ordering::Relaxed);
    counters
        .empty
        .fetch_add(tally.empty as u64, Ordering::Relaxed);
    counters
        .failed
        .fetch_add(tally.failed as u64, Ordering::Relaxed);
    counters.passes.fetch_add(1, Ordering::Relaxed);
    Ok(tally)
}

/// The scheduler of a serving instance: a pass every `digests.interval_secs` until
/// `shutdown` is triggered. A pass under way when it does ends after the member at hand
/// (everything not yet sent is still due for the next instance to start).
pub async fn run(state: actix_web::web::Data<AppState>, shutdown: ShutdownSignal) {
    let interval = Duration::from_secs(state.config.digests.interval_secs);
    crate::jobs::every(interval, shutdown, |now| {
        let state = state.clone();
        async move {
            if let Err(err) = pass(&state, now).await {
                tracing::warn!(error = %err, "digest scheduler could not read members; retrying");
            }
        }
        .instrument(tracing::info_span!("digest_scheduler", at = %now))
    })
    .await
}
