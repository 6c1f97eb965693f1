//! Keeps the index up to date from the event log. Each round reads the events after the
//! index's position, rebuilds the documents they touch from the database (`sources.rs`),
//! and applies them together with the new position, so a crash or an engine outage only
//! means the same events are applied again later. With Meilisearch, the next batches are
//! read and sent while it indexes the previous ones; the position is recorded once they are
//! searchable. Failures are retried with exponential backoff; nothing is skipped.

use super::engine::Engine;
use super::sources::{changes_for, refs_for};
use super::SearchCounters;
use crate::db::Db;
use crate::entities::events;
use crate::events::EventKind;
use crate::shutdown::ShutdownSignal;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tracing::Instrument;

/// Events read per round.
const BATCH: u64 = 256;
const POLL: Duration = Duration::from_secs(1);
/// How often to ask Meilisearch whether what was sent is searchable.
const SETTLE_POLL: Duration = Duration::from_millis(10);
/// Applies sent ahead of what is searchable, at most: Meilisearch merges every queued one
/// into its next batch, so this only bounds what an outage makes send again.
const MAX_IN_FLIGHT: usize = 256;
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_MAX: Duration = Duration::from_secs(30);

pub struct Indexer {
    pub engine: Engine,
    pub db: Db,
    pub file_texts: Arc<crate::file_text::FileTexts>,
    /// Asks for a round now (a rebuild was requested); commits wake the indexer by
    /// themselves.
    pub wake: Arc<Notify>,
    pub counters: Arc<SearchCounters>,
}

/// Events applied (or sent) and not yet searchable, for the lag they will have taken.
struct Pending {
    position: i64,
    committed: Vec<DateTime<Utc>>,
    documents: u64,
}

/// What a round did.
struct Round {
    events: usize,
    in_flight: usize,
}

impl Indexer {
    /// Indexes until `shutdown` is triggered.
    pub async fn run(self, mut shutdown: ShutdownSignal) {
        let mut pending = VecDeque::new();
        let mut retry = RETRY_FIRST;
        let mut commits = self.db.commits();
        loop {
            if shutdown.is_triggered() {
                self.engine.release().await;
                return;
            }
            let span = tracing::info_span!("search_index", engine = self.engine.name());
            let outcome = self.round(&mut pending).instrument(span.clone()).await;
            // Backing off, writes must not cut the wait short: each would be a retry.
            let wakeable = outcome.is_ok();
            let wait = match outcome {
                Ok(round) => {
                    retry = RETRY_FIRST;
                    if round.events > 0 && round.in_flight < MAX_IN_FLIGHT {
                        // More may be waiting: go on at once.
                        continue;
                    }
                    if round.in_flight > 0 {
                        SETTLE_POLL
                    } else {
                        POLL
                    }
                }
                Err(err) => {
                    // The engine drops what was in flight; the same events come again.
                    pending.clear();
                    self.counters.failures.fetch_add(1, Ordering::Relaxed);
                    span.in_scope(|| {
                        tracing::warn!(error = %err, retry_in_ms = retry.as_millis() as u64, "search indexing failed; retrying")
                    });
                    let wait = retry;
                    retry = (retry * 2).min(RETRY_MAX);
                    wait
                }
            };
            tokio::select! {
                _ = commits.committed(), if wakeable => {}
                _ = self.wake.notified(), if wakeable => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.triggered() => {}
            }
        }
    }

    /// Sends the next batch of events to the engine, and accounts for what became
    /// searchable.
    async fn round(&self, pending: &mut VecDeque<Pending>) -> anyhow::Result<Round> {
        if !self.engine.claim().await? {
            // Another instance feeds the shared index.
            pending.clear();
            return Ok(Round {
                events: 0,
                in_flight: 0,
            });
        }
        if super::rebuild::run_if_requested(&self.engine, &self.db, &self.file_texts).await? {
            pending.clear();
            return Ok(Round {
                events: 1,
                in_flight: 0,
            });
        }
        self.settle(pending).await?;
        // Each apply not yet searchable is one entry of `pending`, in the engine's order.
        let in_flight = pending.len();
        if in_flight >= MAX_IN_FLIGHT {
            return Ok(Round {
                events: 0,
                in_flight,
            });
        }
        let position = self.engine.position().await?;
        let batch = events::Entity::find()
            .filter(events::Column::Id.gt(position))
            .order_by_asc(events::Column::Id)
            .limit(BATCH)
            .all(self.db.reader())
            .await?;
        let Some(last) = batch.last() else {
            return Ok(Round {
                events: 0,
                in_flight,
            });
        };
        let last_id = last.id;
        let touched: BTreeSet<_> = batch
            .iter()
            .flat_map(|e| {
                EventKind::parse(&e.kind)
                    .map(|k| refs_for(k, e.subject_id, e.thread_id))
                    .unwrap_or_default()
            })
            .collect();
        let mut changes = Vec::new();
        for doc in touched {
            changes.extend(changes_for(self.db.reader(), &self.file_texts, doc).await?);
        }
        let documents = changes.len() as u64;
        self.engine.apply(changes, last_id).await?;
        pending.push_back(Pending {
            position: last_id,
            committed: batch.iter().map(|e| e.created_at).collect(),
            documents,
        });
        tracing::debug!(
            events = batch.len(),
            documents,
            position = last_id,
            "sent to the index"
        );
        self.settle(pending).await?;
        Ok(Round {
            events: batch.len(),
            in_flight: pending.len(),
        })
    }

    /// Counts what the engine reports searchable: documents, position, and the lag of each
    /// event from its commit.
    async fn settle(&self, pending: &mut VecDeque<Pending>) -> anyhow::Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let Some(position) = self.engine.settle().await? else {
            return Ok(());
        };
        let now = crate::clock::now();
        while let Some(done) = pending.front().filter(|p| p.position <= position) {
            for committed in &done.committed {
                self.counters
                    .observe_lag((now - *committed).num_milliseconds().max(0) as u64);
            }
            let lag = done
                .committed
                .last()
                .map_or(0, |c| (now - *c).num_milliseconds().max(0) as u64);
            self.counters
                .applied
                .fetch_add(done.documents, Ordering::Relaxed);
            self.counters.lag_ms.store(lag, Ordering::Relaxed);
            pending.pop_front();
        }
        self.counters.position.store(position, Ordering::Relaxed);
        Ok(())
    }
}
