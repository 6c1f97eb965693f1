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
use super::meili_http::MeiliHttp;
use super::query::{Matching, SearchQuery, Sort};
use super::settings::IndexSettings;
use meilisearch_sdk::client::Client;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{
    MatchingStrategies, SearchQuery as MeiliQuery, SearchResults as MeiliResults, Selectors,
};
use meilisearch_sdk::settings::Settings;
use meilisearch_sdk::task_info::TaskInfo;
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const SEARCH_DEADLINE: Duration = Duration::from_secs(5);
const INDEXING_DEADLINE: Duration = Duration::from_secs(60);
const HEALTH_DEADLINE: Duration = Duration::from_secs(2);
/// The fields of `HitFields`.
const RETRIEVED: &[&str] = &[
    "id",
    "type",
    "network_id",
    "thread_id",
    "title",
    "url",
    "replies",
    "helpful",
    "activity_at",
];
/// Marks Meilisearch puts around matches; characters from Unicode's private use area, so no
/// document text can contain them by accident, and escaped away afterwards.
const OPEN: &str = "\u{E000}";
const CLOSE: &str = "\u{E001}";

pub struct MeiliEngine {
    client: Client<MeiliHttp>,
    index_uid: String,
    settings: Arc<IndexSettings>,
    lease: Lease,
    /// Settings applied (once per process, idempotently).
    configured: AtomicBool,
    pipeline: tokio::sync::Mutex<Pipeline>,
    /// A rebuild's tasks not yet seen done, oldest first.
    rebuilding: tokio::sync::Mutex<VecDeque<TaskInfo>>,
}

/// A rebuild's tasks that may wait in Meilisearch's queue at once: enough for reading the
/// next batch from the database while Meilisearch indexes, few enough to fail fast.
const REBUILD_IN_FLIGHT: usize = 4;

/// Changes sent to Meilisearch whose tasks have not been seen done. The indexer goes on
/// reading the event log while Meilisearch works, and Meilisearch merges the queued
/// document tasks into one batch: the lag is one batch, not a batch plus a round trip per
/// round. The position in the database moves only once the tasks have succeeded.
#[derive(Default)]
struct Pipeline {
    /// The position the sent tasks bring the index to; `None` when nothing is in flight
    /// (or after a failure): reading resumes from the recorded position.
    sent: Option<i64>,
    /// Oldest first: the last task of each apply (tasks of one index run in order), or
    /// none when it changed no document, and the position it completes.
    in_flight: VecDeque<(Option<TaskInfo>, i64)>,
}

impl Pipeline {
    fn clear(&mut self) {
        self.sent = None;
        self.in_flight.clear();
    }
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
            client: Client::new_with_client(url, key, MeiliHttp::new(key)?),
            index_uid: index_uid.to_owned(),
            settings,
            lease,
            configured: AtomicBool::new(false),
            pipeline: tokio::sync::Mutex::default(),
            rebuilding: tokio::sync::Mutex::default(),
        })
    }

    pub fn index_uid(&self) -> &str {
        &self.index_uid
    }

    pub async fn claim(&self) -> Result<bool, EngineError> {
        let held = self.lease.claim().await.map_err(internal)?;
        if !held {
            // Whoever holds it now goes on from the recorded position; so do we, if we get
            // it back.
            self.pipeline.lock().await.clear();
        }
        Ok(held)
    }

    /// Where the next changes start: after what was sent, or after what was recorded.
    pub async fn position(&self) -> Result<i64, EngineError> {
        if let Some(sent) = self.pipeline.lock().await.sent {
            return Ok(sent);
        }
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

    async fn wait(&self, task: TaskInfo) -> Result<meilisearch_sdk::tasks::Task, EngineError> {
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
        // The rebuild covers what is in flight; the events after it are sent again.
        self.pipeline.lock().await.clear();
        self.rebuilding.lock().await.clear();
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
                .add_or_replace(&for_meili(&documents), Some("id")),
        )
        .await?;
        let mut rebuilding = self.rebuilding.lock().await;
        rebuilding.push_back(task);
        while rebuilding.len() > REBUILD_IN_FLIGHT {
            if let Some(task) = rebuilding.pop_front() {
                self.succeeded(task).await?;
            }
        }
        Ok(())
    }

    /// Waits for `task`; an error unless it succeeded.
    async fn succeeded(&self, task: TaskInfo) -> Result<(), EngineError> {
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
        let sent: Vec<TaskInfo> = self.rebuilding.lock().await.drain(..).collect();
        for task in sent {
            self.succeeded(task).await?;
        }
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
        let mut pipeline = self.pipeline.lock().await;
        pipeline.clear();
        self.lease.reset_to(position).await.map_err(internal)
    }

    /// Sends `changes` as Meilisearch tasks, without waiting for them: `settle` records
    /// `position` once they have succeeded.
    pub async fn apply(&self, changes: Vec<Change>, position: i64) -> Result<(), EngineError> {
        self.configure().await?;
        let mut pipeline = self.pipeline.lock().await;
        let sent = self.send(changes).await;
        match sent {
            Ok(task) => {
                pipeline.in_flight.push_back((task, position));
                pipeline.sent = Some(position);
                Ok(())
            }
            Err(err) => {
                // What was sent before may or may not be done: start again from the record.
                pipeline.clear();
                Err(err)
            }
        }
    }

    /// The last task sent for `changes`, if any.
    async fn send(&self, changes: Vec<Change>) -> Result<Option<TaskInfo>, EngineError> {
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
            let task = deadline(INDEXING_DEADLINE, index.delete_documents(&deletes)).await?;
            last = Some(task);
        }
        if !upserts.is_empty() {
            let task = deadline(
                INDEXING_DEADLINE,
                index.add_or_replace(&for_meili(&upserts), Some("id")),
            )
            .await?;
            last = Some(task);
        }
        Ok(last)
    }

    /// Records the position of the applies whose tasks have succeeded, and returns it
    /// (`None`: none finished since last time). A failed task, an unreachable Meilisearch or
    /// a lost lease drops what is in flight, so the same events are sent again.
    pub async fn settle(&self) -> Result<Option<i64>, EngineError> {
        let mut pipeline = self.pipeline.lock().await;
        let outcome = self.settle_in(&mut pipeline).await;
        if outcome.is_err() {
            pipeline.clear();
        }
        outcome
    }

    async fn settle_in(&self, pipeline: &mut Pipeline) -> Result<Option<i64>, EngineError> {
        use meilisearch_sdk::tasks::{Task, TasksSearchQuery};
        // Every task in flight, in one request.
        let uids: Vec<u32> = pipeline
            .in_flight
            .iter()
            .filter_map(|(task, _)| task.as_ref().map(|t| t.task_uid))
            .collect();
        let mut statuses = std::collections::HashMap::new();
        if !uids.is_empty() {
            let mut query = TasksSearchQuery::new(&self.client);
            query.with_uids(&uids).with_limit(uids.len() as u32);
            let found = deadline(INDEXING_DEADLINE, query.execute()).await?;
            statuses.extend(found.results.into_iter().map(|t| (t.get_uid(), t)));
        }
        let mut done = None;
        while let Some((task, position)) = pipeline.in_flight.front() {
            if let Some(task) = task {
                match statuses.get(&task.task_uid) {
                    Some(Task::Succeeded { .. }) => {}
                    Some(Task::Failed { content }) => {
                        return Err(internal(anyhow::anyhow!(
                            "Meilisearch failed a task: {:?}",
                            content.error
                        )))
                    }
                    // Enqueued, processing, or not listed yet.
                    _ => break,
                }
            }
            done = Some(*position);
            pipeline.in_flight.pop_front();
        }
        if pipeline.in_flight.is_empty() {
            pipeline.sent = None;
        }
        let Some(position) = done else {
            return Ok(None);
        };
        if !self.lease.record(position).await.map_err(internal)? {
            return Err(EngineError::Unavailable(
                "another instance took over indexing".into(),
            ));
        }
        Ok(Some(position))
    }

    /// Hits holding every word; when there are none, the best partial matches: the same
    /// words with the `frequency` strategy, which drops the most frequent words first (and
    /// a word found nowhere: Meilisearch 1.50 matches "ideas attendance incentives" as
    /// "attendance incentives" when no document says "ideas"). What members mostly type,
    /// every word found, is the one request a client would send; a question falls back in
    /// two.
    pub async fn search(
        &self,
        query: &SearchQuery,
        scope: &Scope,
    ) -> Result<EngineResults, EngineError> {
        let filter = filter(query, scope);
        let index = self.client.index(&self.index_uid);
        let text = query_text(&query.words, query);
        if query.matching == Matching::All {
            let request = hits_request(&index, query, &text, MatchingStrategies::ALL, &filter);
            let Some(found) = self.execute(request.execute::<HitFields>()).await? else {
                return Ok(EngineResults::default());
            };
            let every_word = results_of(found);
            if every_word.total > 0 || !query.could_match_some() {
                return Ok(every_word);
            }
        }
        let request = hits_request(&index, query, &text, MatchingStrategies::FREQUENCY, &filter);
        let some_words = match self.execute(request.execute::<HitFields>()).await? {
            Some(found) => results_of(found),
            None => EngineResults::default(),
        };
        Ok(EngineResults {
            matched: Matching::Some,
            ..some_words
        })
    }

    /// A search request's answer within the deadline; `None` while the index is not ready
    /// (the indexer creates and configures it with its first batch; until its settings are
    /// in, filters are refused).
    async fn execute<T>(
        &self,
        request: impl Future<Output = Result<T, meilisearch_sdk::errors::Error>>,
    ) -> Result<Option<T>, EngineError> {
        match tokio::time::timeout(SEARCH_DEADLINE, request).await {
            Ok(Err(meilisearch_sdk::errors::Error::Meilisearch(err)))
                if not_ready_yet(&err.error_code) =>
            {
                Ok(None)
            }
            other => deadline_result(other, SEARCH_DEADLINE).map(Some),
        }
    }

    pub async fn healthy(&self) -> bool {
        matches!(deadline(HEALTH_DEADLINE, self.client.health()).await, Ok(h) if h.status == "available")
    }
}

/// What Meilisearch is asked: `words`, then the quoted phrases as it reads them (their
/// words in order, between quotes).
fn query_text(words: &[String], query: &SearchQuery) -> String {
    words
        .iter()
        .cloned()
        .chain(
            query
                .phrases
                .iter()
                .map(|phrase| format!("\"{}\"", phrase.text)),
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// The request for a page of `query`'s hits, asking `text` matched by `strategy`: only
/// what a hit shows comes back, the texts cropped around what matched.
fn hits_request<'a>(
    index: &'a Index<MeiliHttp>,
    query: &SearchQuery,
    text: &'a str,
    strategy: MatchingStrategies,
    filter: &'a str,
) -> MeiliQuery<'a, MeiliHttp> {
    let mut request = index.search();
    request
        .with_query(text)
        .with_limit(query.limit)
        .with_offset(query.offset)
        .with_matching_strategy(strategy)
        .with_facets(Selectors::Some(&["type", "tags", "network_ids", "status"]))
        .with_attributes_to_retrieve(Selectors::Some(RETRIEVED))
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
        request.with_filter(filter);
    }
    // Relevance is the ranking rules' order (search-config/documents.json); `sort`, the
    // first rule, only orders when asked.
    if query.sort == Sort::Latest {
        request.with_sort(&["activity_at:desc"]);
    }
    if query.title_only {
        request.with_attributes_to_search_on(&["title"]);
    }
    request
}

/// A page of hits as the engine gives them, with facets over all of them.
fn results_of(found: MeiliResults<HitFields>) -> EngineResults {
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
            // The best-matching passage (Meilisearch crops around it), never the title
            // again: when only the title matched, the text's beginning.
            let snippet = ["body", "details"]
                .into_iter()
                .map(field)
                .find(|text| text.contains(OPEN))
                .or_else(|| {
                    ["body", "details"]
                        .into_iter()
                        .map(field)
                        .find(|text| !text.trim().is_empty())
                })
                .unwrap_or_default();
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
                replies: doc.replies,
                helpful: doc.helpful,
                activity_at: doc.activity_at,
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
    EngineResults {
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
        matched: Matching::All,
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
    if !query.statuses.is_empty() {
        let statuses: Vec<String> = query.statuses.iter().map(|s| format!("\"{s}\"")).collect();
        parts.push(format!("status IN [{}]", statuses.join(", ")));
    }
    if let Some(author) = query.author_id {
        parts.push(format!("author_id = {author}"));
    }
    parts.join(" AND ")
}

/// What a search takes from each document (see `RETRIEVED`).
#[derive(serde::Deserialize)]
struct HitFields {
    id: String,
    #[serde(rename = "type")]
    doc_type: DocType,
    network_id: Option<i64>,
    thread_id: Option<i64>,
    title: String,
    url: String,
    replies: Option<u64>,
    helpful: Option<u64>,
    #[serde(default)]
    activity_at: i64,
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

/// A document as Meilisearch is given it: with the words its text writes joined
/// (`check-in` as `checkin`) in a field of their own, searched last. Meilisearch finds
/// `check-in` for `checkin` by splitting the query word, but not when a part is a stop word
/// (`in`); the embedded engine holds joined words itself (`fold.rs`).
#[derive(serde::Serialize)]
struct MeiliDocument<'a> {
    #[serde(flatten)]
    document: &'a SearchDocument,
    joined: String,
    /// `Signals::engagement`, for the ranking rule `engagement:desc`.
    engagement: f64,
}

fn for_meili(documents: &[SearchDocument]) -> Vec<MeiliDocument<'_>> {
    documents
        .iter()
        .map(|document| MeiliDocument {
            document,
            joined: [&document.title, &document.body, &document.details]
                .into_iter()
                .flat_map(|text| super::fold::joined_words(text))
                .collect::<Vec<_>>()
                .join(" "),
            engagement: document.signals.engagement(),
        })
        .collect()
}
