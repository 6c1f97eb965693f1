//! One interface over the search engines: apply changes with the event-log position they
//! bring the index to, and run a query restricted to the networks the caller may see.

use super::document::{Change, DocType};
use super::embedded::EmbeddedEngine;
use super::meili::MeiliEngine;
use super::query::SearchQuery;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which networks' documents a search may return: decided by the server for the caller,
/// never taken from the request.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Instance admins.
    All,
    /// Sorted network ids.
    Only(Vec<i64>),
}

#[derive(Debug, Clone)]
pub struct EngineHit {
    pub key: String,
    pub doc_type: DocType,
    pub network_id: Option<i64>,
    pub network_ids: Vec<i64>,
    pub thread_id: Option<i64>,
    pub title: String,
    pub snippet_html: String,
    pub url: String,
    pub score: f32,
}

/// Counts per value, among every hit of the query (not only the page).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    pub doc_type: BTreeMap<String, u64>,
    pub tags: BTreeMap<String, u64>,
    pub network_id: BTreeMap<i64, u64>,
    pub status: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default)]
pub struct EngineResults {
    pub hits: Vec<EngineHit>,
    pub total: u64,
    pub facets: Facets,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The engine cannot be reached or refused the work; try again later.
    #[error("search engine unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The configured engine.
#[derive(Clone)]
pub enum Engine {
    Embedded(Arc<EmbeddedEngine>),
    Meilisearch(Arc<MeiliEngine>),
}

impl Engine {
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Embedded(_) => "embedded",
            Engine::Meilisearch(_) => "meilisearch",
        }
    }

    /// Whether this instance may feed the index now: always for an embedded index (it is
    /// this instance's own); for Meilisearch, while it holds the lease.
    pub async fn claim(&self) -> Result<bool, EngineError> {
        match self {
            Engine::Embedded(_) => Ok(true),
            Engine::Meilisearch(engine) => engine.claim().await,
        }
    }

    /// Lets another instance take over indexing at once.
    pub async fn release(&self) {
        if let Engine::Meilisearch(engine) = self {
            engine.release().await;
        }
    }

    /// The last event-log id whose changes the index holds (0: none).
    pub async fn position(&self) -> Result<i64, EngineError> {
        match self {
            Engine::Embedded(engine) => {
                let engine = engine.clone();
                blocking(move || engine.position()).await
            }
            Engine::Meilisearch(engine) => engine.position().await,
        }
    }

    /// Applies `changes` and records `position`, together.
    pub async fn apply(&self, changes: Vec<Change>, position: i64) -> Result<(), EngineError> {
        // One change per document, the last one decided.
        let mut last: std::collections::HashMap<String, Change> = std::collections::HashMap::new();
        for change in changes {
            last.insert(change.key().to_owned(), change);
        }
        let changes: Vec<Change> = last.into_values().collect();
        match self {
            Engine::Embedded(engine) => {
                let engine = engine.clone();
                blocking(move || engine.apply(changes, position)).await
            }
            Engine::Meilisearch(engine) => engine.apply(changes, position).await,
        }
    }

    pub async fn search(
        &self,
        query: SearchQuery,
        scope: Scope,
    ) -> Result<EngineResults, EngineError> {
        if scope == Scope::Only(Vec::new()) {
            return Ok(EngineResults::default());
        }
        match self {
            Engine::Embedded(engine) => {
                let engine = engine.clone();
                blocking(move || engine.search(&query, &scope)).await
            }
            Engine::Meilisearch(engine) => engine.search(&query, &scope).await,
        }
    }

    /// Whether searches can be answered now.
    pub async fn healthy(&self) -> bool {
        match self {
            Engine::Embedded(_) => true,
            Engine::Meilisearch(engine) => engine.healthy().await,
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| EngineError::Internal(anyhow::anyhow!("search task failed: {err}")))?
}
