//! Keeps the index up to date from the event log. Each round reads the events after the
//! index's position, rebuilds the documents they touch from the database (`sources.rs`),
//! and applies them together with the new position, so a crash or an engine outage only
//! means the same events are applied again later. Failures are retried with exponential
//! backoff; nothing is skipped.

use super::engine::Engine;
use super::sources::{changes_for, refs_for};
use super::SearchCounters;
use crate::db::Db;
use crate::entities::events;
use crate::events::EventKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tracing::Instrument;

/// Events read per round.
const BATCH: u64 = 256;
const POLL: Duration = Duration::from_secs(1);
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_MAX: Duration = Duration::from_secs(30);

pub struct Indexer {
    pub engine: Engine,
    pub db: Db,
    pub files: crate::files::FileStore,
    pub wake: Arc<Notify>,
    pub counters: Arc<SearchCounters>,
}

impl Indexer {
    /// Indexes until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut retry = RETRY_FIRST;
        loop {
            if *shutdown.borrow() {
                self.engine.release().await;
                return;
            }
            let span = tracing::info_span!("search_index", engine = self.engine.name());
            let wait = match self.round().instrument(span.clone()).await {
                // More may be waiting: go on at once.
                Ok(applied) if applied > 0 => {
                    retry = RETRY_FIRST;
                    continue;
                }
                Ok(_) => {
                    retry = RETRY_FIRST;
                    POLL
                }
                Err(err) => {
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
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Applies the next batch of events; returns how many events it covered.
    pub async fn round(&self) -> anyhow::Result<usize> {
        if !self.engine.claim().await? {
            // Another instance feeds the shared index.
            return Ok(0);
        }
        if super::rebuild::run_if_requested(&self.engine, &self.db, &self.files).await? {
            return Ok(1);
        }
        let position = self.engine.position().await?;
        let batch = events::Entity::find()
            .filter(events::Column::Id.gt(position))
            .order_by_asc(events::Column::Id)
            .limit(BATCH)
            .all(self.db.reader())
            .await?;
        let Some(last) = batch.last() else {
            return Ok(0);
        };
        let (last_id, last_at) = (last.id, last.created_at);
        let touched: BTreeSet<_> = batch
            .iter()
            .filter_map(|e| EventKind::parse(&e.kind).and_then(|k| refs_for(k, e.subject_id)))
            .collect();
        let mut changes = Vec::new();
        for doc in touched {
            changes.extend(changes_for(self.db.reader(), &self.files, doc).await?);
        }
        let applied = changes.len() as u64;
        self.engine.apply(changes, last_id).await?;
        let applied_at = crate::clock::now();
        for event in &batch {
            let lag = (applied_at - event.created_at).num_milliseconds().max(0) as u64;
            self.counters.observe_lag(lag);
        }
        let lag = (applied_at - last_at).num_milliseconds().max(0) as u64;
        self.counters.applied.fetch_add(applied, Ordering::Relaxed);
        self.counters.position.store(last_id, Ordering::Relaxed);
        self.counters.lag_ms.store(lag, Ordering::Relaxed);
        tracing::debug!(
            events = batch.len(),
            documents = applied,
            position = last_id,
            lag_ms = lag,
            "indexed"
        );
        Ok(batch.len())
    }
}
