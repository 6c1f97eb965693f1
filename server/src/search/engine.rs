//! One interface over the search engines: apply changes with the event-log position they
//! bring the index to, and run a query restricted to the networks the caller may see.

use super::document::{Change, DocType, SearchDocument};
use super::embedded::EmbeddedEngine;
use super::embedded::Generation;
use super::meili::MeiliEngine;
use super::query::{Matching, SearchQuery};
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
    pub thread_id: Option<i64>,
    pub title: String,
    pub snippet_html: String,
    pub url: String,
    pub score: f32,
    /// `Signals::replies`, `helpful` and `activity_at`.
    pub replies: Option<u64>,
    pub helpful: Option<u64>,
    pub activity_at: i64,
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
    /// Whether these hits hold every word of the query or only some.
    pub matched: Matching,
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

    /// Applies `changes` and records `position`, together: at once for the embedded engine;
    /// for Meilisearch, sent now and recorded by `settle` once Meilisearch has them.
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

    /// The position now searchable, when it moved since the last call (the embedded engine
    /// applies synchronously: its position).
    pub async fn settle(&self) -> Result<Option<i64>, EngineError> {
        match self {
            Engine::Embedded(_) => self.position().await.map(Some),
            Engine::Meilisearch(engine) => engine.settle().await,
        }
    }

    /// Hits holding every word; when there are none, the best partial matches (most words
    /// matched first), as a member typing a question expects.
    pub async fn search(
        &self,
        query: SearchQuery,
        scope: Scope,
    ) -> Result<EngineResults, EngineError> {
        if scope == Scope::Only(Vec::new()) {
            return Ok(EngineResults::default());
        }
        // Meilisearch asks for both in one multi-search (see `MeiliEngine::search`).
        if let Engine::Meilisearch(engine) = self {
            return engine.search(&query, &scope).await;
        }
        let partial = query.could_match_some().then(|| query.matching_some());
        let every_word = self.run(query, scope.clone()).await?;
        match partial {
            Some(partial) if every_word.total == 0 => {
                let mut some_words = self.run(partial, scope).await?;
                some_words.matched = Matching::Some;
                Ok(some_words)
            }
            _ => Ok(every_word),
        }
    }

    async fn run(&self, query: SearchQuery, scope: Scope) -> Result<EngineResults, EngineError> {
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

/// An index being rebuilt beside the one being served.
pub enum Rebuild {
    Embedded(Arc<Generation>),
    Meilisearch(String),
}

impl Engine {
    /// The `search_positions` row that carries this index's rebuild requests (and, for
    /// Meilisearch, its position and lease): see `search::row_key`.
    pub fn row_key(&self) -> String {
        match self {
            Engine::Embedded(_) => "embedded".to_owned(),
            Engine::Meilisearch(engine) => engine.index_uid().to_owned(),
        }
    }

    pub async fn begin_rebuild(&self) -> Result<Rebuild, EngineError> {
        match self {
            Engine::Embedded(engine) => {
                let engine = engine.clone();
                blocking(move || {
                    engine
                        .begin_rebuild()
                        .map(|g| Rebuild::Embedded(Arc::new(g)))
                })
                .await
            }
            Engine::Meilisearch(engine) => engine.begin_rebuild().await.map(Rebuild::Meilisearch),
        }
    }

    pub async fn add_to_rebuild(
        &self,
        rebuild: &Rebuild,
        documents: Vec<SearchDocument>,
    ) -> Result<(), EngineError> {
        match (self, rebuild) {
            (Engine::Embedded(_), Rebuild::Embedded(generation)) => {
                let generation = generation.clone();
                let changes = documents
                    .into_iter()
                    .map(|d| Change::Upsert(Box::new(d)))
                    .collect();
                // Uncommitted position 0 until finished: a crash leaves it unused.
                blocking(move || generation.add(changes)).await
            }
            (Engine::Meilisearch(engine), Rebuild::Meilisearch(uid)) => {
                engine.add_to_rebuild(uid, documents).await
            }
            _ => Err(EngineError::Internal(anyhow::anyhow!(
                "a rebuild of another engine"
            ))),
        }
    }

    /// Serves the rebuilt index from now on, resuming the event log after `position`.
    pub async fn finish_rebuild(&self, rebuild: Rebuild, position: i64) -> Result<(), EngineError> {
        match (self, rebuild) {
            (Engine::Embedded(engine), Rebuild::Embedded(generation)) => {
                let engine = engine.clone();
                let generation = Arc::try_unwrap(generation).map_err(|_| {
                    EngineError::Internal(anyhow::anyhow!("the new index is still being written"))
                })?;
                blocking(move || engine.finish_rebuild(generation, position)).await
            }
            (Engine::Meilisearch(engine), Rebuild::Meilisearch(uid)) => {
                engine.finish_rebuild(uid, position).await
            }
            _ => Err(EngineError::Internal(anyhow::anyhow!(
                "a rebuild of another engine"
            ))),
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
