//! The Meilisearch engine, for production and for several instances: documents go to one
//! Meilisearch index configured from `search-config/documents.json`; its position in the
//! event log and the right to feed it are kept in the database (`lease.rs`).
//!
//! Every call has a deadline: an unreachable Meilisearch makes searches answer 503 and the
//! indexer retry, never hang.

use super::document::{Change, DocType, SearchDocument};
use super::engine::{EngineError, EngineHit, EngineResults, Facets, Scope};
use super::highlight::escape_marked;
use super::lease::Lease;
use super::query::SearchQuery;
use super::settings::IndexSettings;
use meilisearch_sdk::client::Client;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::Settings;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const SEARCH_DEADLINE: Duration = Duration::from_secs(5);
const INDEXING_DEADLINE: Duration = Duration::from_secs(60);
const HEALTH_DEADLINE: Duration = Duration::from_secs(2);
/// Marks Meilisearch puts around matches; characters from Unicode's private use area, so no
/// document text can contain them by accident, and escaped away afterwards.
const OPEN: &str = "\u{E000}";
const CLOSE: &str = "\u{E001}";

pub struct MeiliEngine {
    client: Client,
    index_uid: String,
    settings: Arc<IndexSettings>,
    lease: Lease,
    /// Settings applied (once per process, idempotently).
    configured: AtomicBool,
}

impl MeiliEngine {
    pub fn new(
        url: &str,
        key: Option<&str>,
        index_uid: &str,
        settings: Arc<IndexSettings>,
        lease: Lease,
    ) -> anyhow::Result<MeiliEngine> {
        Ok(MeiliEngine {
            client: Client::new(url, key)?,
            index_uid: index_uid.to_owned(),
            settings,
            lease,
            configured: AtomicBool::new(false),
        })
    }

    pub fn index_uid(&self) -> &str {
        &self.index_uid
    }

    pub async fn claim(&self) -> Result<bool, EngineError> {
        self.lease.claim().await.map_err(internal)
    }

    pub async fn position(&self) -> Result<i64, EngineError> {
        self.lease.position().await.map_err(internal)
    }

    pub async fn release(&self) {
        let _ = self.lease.release().await;
    }

    /// Creates the index if needed and applies the settings, waiting until Meilisearch has.
    async fn configure(&self) -> Result<(), EngineError> {
        if self.configured.load(Ordering::Acquire) {
            return Ok(());
        }
        self.configure_index(&self.index_uid).await?;
        self.configured.store(true, Ordering::Release);
        Ok(())
    }

    async fn configure_index(&self, uid: &str) -> Result<(), EngineError> {
        let settings: Settings = serde_json::from_value(self.settings.raw.clone())
            .map_err(|e| internal(anyhow::anyhow!("search-config/documents.json: {e}")))?;
        let created =
            deadline(INDEXING_DEADLINE, self.client.create_index(uid, Some("id"))).await?;
        // Already there is fine: creation is idempotent for us.
        self.wait(created).await?;
        let task = deadline(
            INDEXING_DEADLINE,
            self.client.index(uid).set_settings(&settings),
        )
        .await?;
        let done = self.wait(task).await?;
        if done.is_failure() {
            return Err(internal(anyhow::anyhow!(
                "Meilisearch refused the index settings: {done:?}"
            )));
        }
        Ok(())
    }

    async fn wait(
        &self,
        task: meilisearch_sdk::task_info::TaskInfo,
    ) -> Result<meilisearch_sdk::tasks::Task, EngineError> {
        deadline(
            INDEXING_DEADLINE,
            task.wait_for_completion(
                &self.client,
                Some(Duration::from_millis(20)),
                Some(INDEXING_DEADLINE),
            ),
        )
        .await
    }

    /// A new index beside the one being served, configured, empty: its name.
    pub async fn begin_rebuild(&self) -> Result<String, EngineError> {
        let uid = format!("{}_rebuild", self.index_uid);
        // What an interrupted rebuild left.
        if let Ok(task) = deadline(INDEXING_DEADLINE, self.client.delete_index(&uid)).await {
            self.wait(task).await?;
        }
        self.configure().await?;
        self.configure_index(&uid).await?;
        Ok(uid)
    }

    pub async fn add_to_rebuild(
        &self,
        uid: &str,
        documents: Vec<SearchDocument>,
    ) -> Result<(), EngineError> {
        if documents.is_empty() {
            return Ok(());
        }
        let task = deadline(
            INDEXING_DEADLINE,
            self.client
                .index(uid)
                .add_or_replace(&documents, Some("id")),
        )
        .await?;
        let done = self.wait(task).await?;
        if done.is_failure() {
            return Err(internal(anyhow::anyhow!(
                "Meilisearch failed a task: {done:?}"
            )));
        }
        Ok(())
    }

    /// Swaps the rebuilt index in (one atomic operation in Meilisearch: searches see the old
    /// or the new one, never neither), drops the old one, and resumes from `position`.
    pub async fn finish_rebuild(&self, uid: String, position: i64) -> Result<(), EngineError> {
        let swap = meilisearch_sdk::client::SwapIndexes {
            indexes: (self.index_uid.clone(), uid.clone()),
            rename: None,
        };
        let task = deadline(INDEXING_DEADLINE, self.client.swap_indexes([&swap])).await?;
        let done = self.wait(task).await?;
        if done.is_failure() {
            return Err(internal(anyhow::anyhow!(
                "Meilisearch could not swap the indexes: {done:?}"
            )));
        }
        let task = deadline(INDEXING_DEADLINE, self.client.delete_index(&uid)).await?;
        self.wait(task).await?;
        self.lease.reset_to(position).await.map_err(internal)
    }

    pub async fn apply(&self, changes: Vec<Change>, position: i64) -> Result<(), EngineError> {
        self.configure().await?;
        let index = self.client.index(&self.index_uid);
        let mut deletes = Vec::new();
        let mut upserts = Vec::new();
        for change in changes {
            match change {
                Change::Delete(key) => deletes.push(key),
                Change::Upsert(doc) => upserts.push(*doc),
            }
        }
        let mut last = None;
        if !deletes.is_empty() {
            last = Some(deadline(INDEXING_DEADLINE, index.delete_documents(&deletes)).await?);
        }
        if !upserts.is_empty() {
            last = Some(
                deadline(
                    INDEXING_DEADLINE,
                    index.add_or_replace(&upserts, Some("id")),
                )
                .await?,
            );
        }
        // Tasks of one index run in order: when the last is done, all are.
        if let Some(task) = last {
            let done = self.wait(task).await?;
            if done.is_failure() {
                return Err(internal(anyhow::anyhow!(
                    "Meilisearch failed a task: {done:?}"
                )));
            }
        }
        if !self.lease.record(position).await.map_err(internal)? {
            return Err(EngineError::Unavailable(
                "another instance took over indexing".into(),
            ));
        }
        Ok(())
    }

    pub async fn search(
        &self,
        query: &SearchQuery,
        scope: &Scope,
    ) -> Result<EngineResults, EngineError> {
        let filter = filter(query, scope);
        let text = query.words.join(" ");
        let index = self.client.index(&self.index_uid);
        let mut request = index.search();
        request
            .with_query(&text)
            .with_limit(query.limit)
            .with_offset(query.offset)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_facets(Selectors::Some(&["type", "tags", "network_ids", "status"]))
            .with_attributes_to_highlight(Selectors::Some(&["title", "body", "details"]))
            .with_attributes_to_crop(Selectors::Some(&[
                ("body", Some(30)),
                ("details", Some(30)),
            ]))
            .with_crop_marker("…")
            .with_highlight_pre_tag(OPEN)
            .with_highlight_post_tag(CLOSE)
            .with_show_ranking_score(true);
        if !filter.is_empty() {
            request.with_filter(&filter);
        }
        let found = match tokio::time::timeout(SEARCH_DEADLINE, request.execute::<SearchDocument>())
            .await
        {
            // Nothing indexed yet: the indexer creates and configures the index with its
            // first batch; until its settings are in, filters are refused.
            Ok(Err(meilisearch_sdk::errors::Error::Meilisearch(err)))
                if not_ready_yet(&err.error_code) =>
            {
                return Ok(EngineResults::default());
            }
            other => deadline_result(other, SEARCH_DEADLINE)?,
        };
        let hits = found
            .hits
            .into_iter()
            .map(|hit| {
                let formatted = hit.formatted_result.unwrap_or_default();
                let field = |name: &str| {
                    formatted
                        .get(name)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                };
                let snippet = ["body", "details", "title"]
                    .into_iter()
                    .map(field)
                    .find(|text| text.contains(OPEN))
                    .unwrap_or_else(|| field("body"));
                let doc = hit.result;
                EngineHit {
                    key: doc.id,
                    doc_type: doc.doc_type,
                    network_id: doc.network_id,
                    thread_id: doc.thread_id,
                    title: doc.title,
                    snippet_html: escape_marked(snippet, OPEN, CLOSE),
                    url: doc.url,
                    score: hit.ranking_score.unwrap_or(0.0) as f32,
                }
            })
            .collect();
        let distribution = found.facet_distribution.unwrap_or_default();
        let counts = |name: &str| -> BTreeMap<String, u64> {
            distribution
                .get(name)
                .map(|values| values.iter().map(|(k, v)| (k.clone(), *v as u64)).collect())
                .unwrap_or_default()
        };
        Ok(EngineResults {
            hits,
            total: found.estimated_total_hits.or(found.total_hits).unwrap_or(0) as u64,
            facets: Facets {
                doc_type: counts("type"),
                tags: counts("tags"),
                network_id: counts("network_ids")
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
                    .collect(),
                status: counts("status"),
            },
        })
    }

    pub async fn healthy(&self) -> bool {
        matches!(deadline(HEALTH_DEADLINE, self.client.health()).await, Ok(h) if h.status == "available")
    }
}

/// The filter expression: the caller's scope first, then what they asked for. Every value
/// comes from a parsed, restricted type (ids, known types, tags, statuses).
fn filter(query: &SearchQuery, scope: &Scope) -> String {
    let mut parts = Vec::new();
    if let Scope::Only(networks) = scope {
        let ids: Vec<String> = networks.iter().map(i64::to_string).collect();
        parts.push(format!("network_ids IN [{}]", ids.join(", ")));
    }
    if !query.types.is_empty() {
        let types: Vec<&str> = query.types.iter().map(|t: &DocType| t.as_str()).collect();
        parts.push(format!("type IN [{}]", types.join(", ")));
    }
    if let Some(network) = query.network_id {
        parts.push(format!("network_ids = {network}"));
    }
    for tag in &query.tags {
        parts.push(format!("tags = \"{tag}\""));
    }
    if let Some(status) = &query.status {
        parts.push(format!("status = \"{status}\""));
    }
    parts.join(" AND ")
}

fn not_ready_yet(code: &meilisearch_sdk::errors::ErrorCode) -> bool {
    use meilisearch_sdk::errors::ErrorCode;
    matches!(
        code,
        ErrorCode::IndexNotFound | ErrorCode::InvalidSearchFilter | ErrorCode::InvalidSearchFacets
    )
}

/// Runs a Meilisearch call with a deadline; unreachable or late means unavailable.
async fn deadline<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, meilisearch_sdk::errors::Error>>,
) -> Result<T, EngineError> {
    deadline_result(tokio::time::timeout(limit, call).await, limit)
}

fn deadline_result<T>(
    outcome: Result<Result<T, meilisearch_sdk::errors::Error>, tokio::time::error::Elapsed>,
    limit: Duration,
) -> Result<T, EngineError> {
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(EngineError::Unavailable(err.to_string())),
        Err(_) => Err(EngineError::Unavailable(format!(
            "Meilisearch did not answer within {} s",
            limit.as_secs()
        ))),
    }
}

fn internal(err: impl Into<anyhow::Error>) -> EngineError {
    EngineError::Internal(err.into())
}
