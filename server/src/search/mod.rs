//! Full-text search: one index of threads, posts, resources, help requests, convenings and
//! members, kept up to date from the event log by `indexer.rs`, queried through `/search`
//! with every query restricted on the server to the networks the caller can see now.
//!
//! `engine.rs` is the interface; `embedded.rs` is the in-process engine (tantivy) that
//! `cargo run` uses. `sources.rs` turns rows into documents, `query.rs` parses requests,
//! `highlight.rs` makes snippets, `settings.rs` reads `search-config/`; `service.rs` answers
//! a search for one caller.

pub mod command;
pub mod document;
pub mod embedded;
pub mod engine;
pub mod fold;
pub mod highlight;
pub mod indexer;
pub mod lease;
pub mod meili;
pub mod meili_http;
pub mod operators;
pub mod queries;
pub mod query;
pub mod rebuild;
pub mod routes;
pub mod service;
pub mod settings;
pub mod sources;
pub mod views;

use crate::config::Config;
use engine::Engine;
use settings::IndexSettings;
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, OnceLock};
use tokio::sync::Notify;

/// How long an instance may go without renewing its claim on a shared index before another
/// takes over (it renews every round, at least every second).
const LEASE: std::time::Duration = std::time::Duration::from_secs(15);

/// The `search_positions` row of the configured index: the Meilisearch index's name, or
/// `embedded` for the embedded engine.
pub fn row_key(config: &Config) -> String {
    match config.meilisearch_url {
        Some(_) => config.meilisearch_index.clone(),
        None => "embedded".to_owned(),
    }
}

/// Upper bounds, in milliseconds, of the commit-to-searchable histogram's buckets.
pub const LAG_BUCKETS_MS: [u64; 17] = [
    10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1250, 1500, 2000, 2500, 5000, 10000,
];

/// What the indexer has done, for `/metrics`.
#[derive(Debug, Default)]
pub struct SearchCounters {
    /// Documents written or deleted.
    pub applied: AtomicU64,
    /// Batches that failed and will be retried.
    pub failures: AtomicU64,
    /// The last event id applied.
    pub position: AtomicI64,
    /// Commit-to-searchable time of the newest event of the last batch, in milliseconds.
    pub lag_ms: AtomicU64,
    /// Events per commit-to-searchable bucket (`LAG_BUCKETS_MS`, then one for longer).
    lag_buckets: [AtomicU64; LAG_BUCKETS_MS.len() + 1],
    lag_sum_ms: AtomicU64,
}

impl SearchCounters {
    /// Counts one event that became searchable `lag_ms` after it was committed.
    pub fn observe_lag(&self, lag_ms: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let bucket = LAG_BUCKETS_MS
            .iter()
            .position(|bound| lag_ms <= *bound)
            .unwrap_or(LAG_BUCKETS_MS.len());
        self.lag_buckets[bucket].fetch_add(1, Relaxed);
        self.lag_sum_ms.fetch_add(lag_ms, Relaxed);
    }

    /// Events per bucket so far (the last bucket: longer than every bound).
    pub fn lag_counts(&self) -> Vec<u64> {
        use std::sync::atomic::Ordering::Relaxed;
        self.lag_buckets.iter().map(|b| b.load(Relaxed)).collect()
    }

    /// Prometheus text for `/metrics`.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        use std::sync::atomic::Ordering::Relaxed;
        let mut out = format!(
            "# HELP staffroom_search_last_lag_seconds Time from commit to searchable of the newest event in the last indexed batch.\n\
             # TYPE staffroom_search_last_lag_seconds gauge\nstaffroom_search_last_lag_seconds {:.3}\n\
             # HELP staffroom_search_position The last event id the search index holds.\n\
             # TYPE staffroom_search_position gauge\nstaffroom_search_position {}\n\
             # HELP staffroom_search_documents_applied_total Documents written to or deleted from the index by this instance.\n\
             # TYPE staffroom_search_documents_applied_total counter\nstaffroom_search_documents_applied_total {}\n\
             # HELP staffroom_search_index_failures_total Indexing rounds that failed and were retried.\n\
             # TYPE staffroom_search_index_failures_total counter\nstaffroom_search_index_failures_total {}\n\
             # HELP staffroom_search_lag_seconds Time from an event's commit to its changes being searchable.\n\
             # TYPE staffroom_search_lag_seconds histogram\n",
            self.lag_ms.load(Relaxed) as f64 / 1000.0,
            self.position.load(Relaxed),
            self.applied.load(Relaxed),
            self.failures.load(Relaxed),
        );
        let counts = self.lag_counts();
        let mut cumulative = 0;
        for (bound, count) in LAG_BUCKETS_MS.iter().zip(&counts) {
            cumulative += count;
            let _ = writeln!(
                out,
                "staffroom_search_lag_seconds_bucket{{le=\"{}\"}} {cumulative}",
                *bound as f64 / 1000.0
            );
        }
        cumulative += counts.last().copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "staffroom_search_lag_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let _ = writeln!(
            out,
            "staffroom_search_lag_seconds_sum {:.3}\nstaffroom_search_lag_seconds_count {cumulative}",
            self.lag_sum_ms.load(Relaxed) as f64 / 1000.0
        );
        out
    }
}

/// Search as the application holds it. The engine is opened only by a serving instance
/// (`start`): the commands (`admin create`, `demo seed`, …) never touch the index, which an
/// embedded engine lets only one process write.
pub struct Search {
    engine: OnceLock<Engine>,
    pub settings: Arc<IndexSettings>,
    pub counters: Arc<SearchCounters>,
    wake: Arc<Notify>,
}

impl Default for Search {
    fn default() -> Self {
        Search {
            engine: OnceLock::new(),
            settings: Arc::new(IndexSettings::shipped()),
            counters: Arc::default(),
            wake: Arc::new(Notify::new()),
        }
    }
}

impl Search {
    /// Opens the configured engine: Meilisearch when `meilisearch_url` is set (reaching it is
    /// the indexer's business, with retries), otherwise the embedded index in `data_dir`.
    pub fn start(&self, config: &Config, db: &crate::db::Db) -> anyhow::Result<Engine> {
        let engine = match &config.meilisearch_url {
            Some(url) => Engine::Meilisearch(Arc::new(meili::MeiliEngine::new(
                url,
                config.meilisearch_key.as_deref(),
                &config.meilisearch_index,
                self.settings.clone(),
                lease::Lease::new(db.clone(), &config.meilisearch_index, LEASE),
            )?)),
            None => Engine::Embedded(Arc::new(embedded::EmbeddedEngine::open(
                &config.data_dir.join("search"),
                self.settings.clone(),
            )?)),
        };
        let _ = self.engine.set(engine.clone());
        Ok(engine)
    }

    /// The engine, once started.
    pub fn engine(&self) -> Option<&Engine> {
        self.engine.get()
    }

    /// Asks the indexer for a round now, for what is not a commit of a `Tx` (a rebuild
    /// request); commits wake it by themselves.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn wake_signal(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}
