//! The embedded engine: a tantivy index under `<data_dir>/search/`, so that `cargo run` has
//! search with no other service. It behaves as the Meilisearch settings describe: every
//! query word must match (or a synonym of it), words of five letters tolerate one typo and
//! of nine two, the last word also matches as a prefix, and fields weigh in the order of
//! `searchableAttributes`. Ranking is BM25 on exact words, with typo and prefix matches
//! counting less.
//!
//! The index position (the last event applied) is stored in tantivy's commit payload, in the
//! same commit as the documents: the two can never disagree, and a deleted index folder
//! simply starts again from the first event. tantivy allows one writer per folder, so an
//! embedded index belongs to one running instance.

use super::document::{Change, DocType, SearchDocument};
use super::engine::{EngineError, EngineHit, EngineResults, Facets, Scope};
use super::fold::fold;
use super::highlight::{snippet, Matcher};
use super::query::{Matching, SearchQuery, Sort};
use super::settings::IndexSettings;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::AggregationCollector;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value, FAST,
    STORED, STRING,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, SegmentReader,
    TantivyDocument, Term,
};

/// The analyzer's name is part of the schema: an index written with another analyzer (before
/// words were folded, `staffroom`) no longer matches it, and is rebuilt when opened.
const TOKENIZER: &str = "staffroom_folded";
/// The file naming the generation folder in use.
const CURRENT: &str = "CURRENT";
/// Memory for the writer's buffers (tantivy's minimum is 15 MB).
const WRITER_MEMORY: usize = 32 * 1024 * 1024;
const SNIPPET_CHARS: usize = 180;
/// What each matched word adds to a partial match's score, above any BM25 score a word
/// reaches here: a hit holding more of the words ranks first, then by relevance, as
/// Meilisearch's `words` rule ranks them.
const MATCHED_WORD_SCORE: f32 = 1000.0;
/// What a point of engagement adds to a score: a nudge next to the BM25 score of a title
/// match (about 10 to 25 here), enough to order documents that match about as well.
const ENGAGEMENT_WEIGHT: f32 = 1.0;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    doc_type: Field,
    network_id: Field,
    network_ids: Field,
    thread_id: Field,
    title: Field,
    tags_text: Field,
    body: Field,
    details: Field,
    tags: Field,
    status: Field,
    url: Field,
    created_at: Field,
    updated_at: Field,
    author_id: Field,
    replies: Field,
    helpful: Field,
    engagement: Field,
    activity_at: Field,
}

/// One index folder: the engine serves one generation and builds the next when rebuilt.
pub struct Generation {
    path: PathBuf,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    index: Index,
    fields: Fields,
    settings: Arc<IndexSettings>,
    /// Searchable text fields with their weights, most important first.
    weighted: Vec<(Field, f32)>,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let stored_text = text.clone().set_stored();
    let number = NumericOptions::default()
        .set_indexed()
        .set_stored()
        .set_fast();
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        doc_type: builder.add_text_field("type", STRING | STORED | FAST),
        network_id: builder.add_u64_field("network_id", STORED),
        network_ids: builder.add_u64_field("network_ids", number.clone()),
        thread_id: builder.add_u64_field("thread_id", number.clone()),
        title: builder.add_text_field("title", stored_text.clone()),
        tags_text: builder.add_text_field("tags_text", text),
        body: builder.add_text_field("body", stored_text.clone()),
        details: builder.add_text_field("details", stored_text),
        tags: builder.add_text_field("tags", STRING | STORED | FAST),
        status: builder.add_text_field("status", STRING | STORED | FAST),
        url: builder.add_text_field("url", STORED),
        created_at: builder.add_i64_field("created_at", number.clone()),
        updated_at: builder.add_i64_field("updated_at", number.clone()),
        author_id: builder.add_u64_field("author_id", NumericOptions::default().set_indexed()),
        replies: builder.add_u64_field("replies", STORED),
        helpful: builder.add_u64_field("helpful", STORED),
        engagement: builder.add_f64_field("engagement", FAST),
        activity_at: builder.add_i64_field("activity_at", number),
    };
    (builder.build(), fields)
}

/// The embedded engine: `<dir>/CURRENT` names the generation folder being served.
pub struct EmbeddedEngine {
    dir: PathBuf,
    settings: Arc<IndexSettings>,
    current: RwLock<Arc<Generation>>,
}

impl EmbeddedEngine {
    pub fn open(dir: &Path, settings: Arc<IndexSettings>) -> anyhow::Result<EmbeddedEngine> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the search index folder {}", dir.display()))?;
        let name = std::fs::read_to_string(dir.join(CURRENT))
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|_| "g1".to_owned());
        let generation = Generation::open(&dir.join(&name), settings.clone())?;
        Ok(EmbeddedEngine {
            dir: dir.to_owned(),
            settings,
            current: RwLock::new(Arc::new(generation)),
        })
    }

    fn current(&self) -> Arc<Generation> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn position(&self) -> Result<i64, EngineError> {
        self.current().position()
    }

    pub fn apply(&self, changes: Vec<Change>, position: i64) -> Result<(), EngineError> {
        self.current().apply(changes, position)
    }

    pub fn search(&self, query: &SearchQuery, scope: &Scope) -> Result<EngineResults, EngineError> {
        self.current().search(query, scope)
    }

    /// A new, empty generation beside the one being served.
    pub fn begin_rebuild(&self) -> Result<Generation, EngineError> {
        let next = generation_number(&self.current().path) + 1;
        let path = self.dir.join(format!("g{next}"));
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(internal)?;
        }
        Generation::open(&path, self.settings.clone()).map_err(EngineError::Internal)
    }

    /// Serves `next` from now on (its documents committed at `position`), and removes the
    /// generation it replaces. Searches never wait: they use whichever one they started with.
    pub fn finish_rebuild(&self, next: Generation, position: i64) -> Result<(), EngineError> {
        next.apply(Vec::new(), position)?;
        let name = next
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("g1")
            .to_owned();
        let pointer = self.dir.join(CURRENT);
        let temporary = self.dir.join(format!("{CURRENT}.tmp"));
        std::fs::write(&temporary, &name).map_err(internal)?;
        std::fs::rename(&temporary, &pointer).map_err(internal)?;
        let old = std::mem::replace(
            &mut *self.current.write().unwrap_or_else(|p| p.into_inner()),
            Arc::new(next),
        );
        let old_path = old.path.clone();
        drop(old);
        // Open mappings stay valid after the files go (searches still on it finish).
        std::fs::remove_dir_all(&old_path).map_err(internal)?;
        Ok(())
    }
}

fn generation_number(path: &Path) -> u64 {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix('g'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

impl Generation {
    /// Opens the index in `dir`, creating it, or rebuilding it from scratch when it was
    /// written with another layout.
    fn open(dir: &Path, settings: Arc<IndexSettings>) -> anyhow::Result<Generation> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the search index folder {}", dir.display()))?;
        let open = || -> tantivy::Result<Index> {
            Index::open_or_create(MmapDirectory::open(dir)?, schema.clone())
        };
        let index = match open() {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(_)) => {
                tracing::warn!(dir = %dir.display(), "the search index has another layout; rebuilding it from the event log");
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                open()?
            }
            Err(err) => return Err(err).context("opening the search index"),
        };
        index
            .tokenizers()
            .register(TOKENIZER, super::fold::analyzer());
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .context("locking the search index (is another Staffroom using this data folder?)")?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("reading the search index")?;
        let by_name = |name: &str| match name {
            "title" => Some(fields.title),
            "tags" => Some(fields.tags_text),
            "body" => Some(fields.body),
            "details" => Some(fields.details),
            _ => None,
        };
        // Fields this engine holds, in order (`joined` is Meilisearch's: see `meili.rs`).
        let held: Vec<Field> = settings
            .searchable
            .iter()
            .filter_map(|n| by_name(n))
            .collect();
        let count = held.len();
        let weighted = held
            .into_iter()
            .enumerate()
            .map(|(rank, f)| (f, (count - rank) as f32))
            .collect();
        Ok(Generation {
            path: dir.to_owned(),
            reader,
            writer: Mutex::new(writer),
            index,
            fields,
            settings,
            weighted,
        })
    }

    fn position(&self) -> Result<i64, EngineError> {
        let metas = self.index.load_metas().map_err(internal)?;
        Ok(metas.payload.and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    /// Adds documents to a generation being built, without committing them yet.
    pub fn add(&self, changes: Vec<Change>) -> Result<(), EngineError> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for change in changes {
            if let Change::Upsert(doc) = change {
                writer.add_document(self.document(&doc)).map_err(internal)?;
            }
        }
        Ok(())
    }

    pub fn apply(&self, changes: Vec<Change>, position: i64) -> Result<(), EngineError> {
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = self.write(&mut writer, changes, position);
        if outcome.is_err() {
            // A failed writer (a full disk, say) refuses everything after; the uncommitted
            // changes are dropped with it and come again from the event log.
            if let Err(err) = writer.rollback() {
                tracing::warn!(error = %err, "could not reset the search index writer");
            }
        }
        drop(writer);
        outcome?;
        self.reader.reload().map_err(internal)?;
        Ok(())
    }

    fn write(
        &self,
        writer: &mut IndexWriter<TantivyDocument>,
        changes: Vec<Change>,
        position: i64,
    ) -> Result<(), EngineError> {
        for change in &changes {
            writer.delete_term(Term::from_field_text(self.fields.id, change.key()));
        }
        for change in changes {
            if let Change::Upsert(doc) = change {
                writer.add_document(self.document(&doc)).map_err(internal)?;
            }
        }
        let mut commit = writer.prepare_commit().map_err(internal)?;
        commit.set_payload(&position.to_string());
        commit.commit().map_err(internal)?;
        Ok(())
    }

    fn document(&self, doc: &SearchDocument) -> TantivyDocument {
        let f = self.fields;
        let mut out = TantivyDocument::default();
        out.add_text(f.id, &doc.id);
        out.add_text(f.doc_type, doc.doc_type.as_str());
        if let Some(network) = doc.network_id {
            out.add_u64(f.network_id, network as u64);
        }
        for network in &doc.network_ids {
            out.add_u64(f.network_ids, *network as u64);
        }
        if let Some(thread) = doc.thread_id {
            out.add_u64(f.thread_id, thread as u64);
        }
        out.add_text(f.title, &doc.title);
        out.add_text(f.body, &doc.body);
        out.add_text(f.details, &doc.details);
        for tag in &doc.tags {
            out.add_text(f.tags, tag);
            out.add_text(f.tags_text, tag);
        }
        if let Some(status) = &doc.status {
            out.add_text(f.status, status);
        }
        out.add_text(f.url, &doc.url);
        out.add_i64(f.created_at, doc.created_at);
        out.add_i64(f.updated_at, doc.updated_at);
        if let Some(author) = doc.author_id {
            out.add_u64(f.author_id, author as u64);
        }
        if let Some(replies) = doc.signals.replies {
            out.add_u64(f.replies, replies);
        }
        if let Some(helpful) = doc.signals.helpful {
            out.add_u64(f.helpful, helpful);
        }
        out.add_f64(f.engagement, doc.signals.engagement());
        out.add_i64(f.activity_at, doc.signals.activity_at);
        out
    }

    pub fn search(&self, query: &SearchQuery, scope: &Scope) -> Result<EngineResults, EngineError> {
        let searcher = self.reader.searcher();
        let full = self.query(query, scope);
        let aggregations: Aggregations = serde_json::from_value(serde_json::json!({
            "type": { "terms": { "field": "type", "size": 20 } },
            "tags": { "terms": { "field": "tags", "size": 50 } },
            "network_id": { "terms": { "field": "network_ids", "size": 200 } },
            "status": { "terms": { "field": "status", "size": 20 } },
        }))
        .map_err(|err| internal(anyhow::anyhow!(err)))?;
        let page = TopDocs::with_limit(query.limit).and_offset(query.offset);
        let counted = (
            Count,
            AggregationCollector::from_aggs(aggregations, Default::default()),
        );
        let (top, (total, aggregated)): (Vec<(f32, DocAddress)>, _) = match query.sort {
            Sort::Relevance => searcher
                .search(&full, &(page.tweak_score(engaged), counted))
                .map_err(internal)?,
            Sort::Latest => {
                let by_activity = page.order_by_fast_field::<i64>("activity_at", Order::Desc);
                let (top, counts) = searcher
                    .search(&full, &(by_activity, counted))
                    .map_err(internal)?;
                (top.into_iter().map(|(_, doc)| (0.0, doc)).collect(), counts)
            }
        };
        let matcher = Matcher::new(&query.words, &self.settings);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(internal)?;
            hits.push(self.hit(&doc, score, &matcher));
        }
        let facets =
            facets(&serde_json::to_value(aggregated).map_err(|e| internal(anyhow::anyhow!(e)))?);
        Ok(EngineResults {
            hits,
            total: total as u64,
            facets,
            matched: query.matching,
        })
    }

    fn hit(&self, doc: &TantivyDocument, score: f32, matcher: &Matcher) -> EngineHit {
        let f = self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let number = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_u64())
                .map(|n| n as i64)
        };
        let (title, body, details) = (text(f.title), text(f.body), text(f.details));
        // The best-matching passage of the text, never the title again: when only the title
        // matched, the text's beginning says what the hit is about.
        let snippet_html = [&body, &details]
            .into_iter()
            .find_map(|t| snippet(t, matcher, SNIPPET_CHARS))
            .unwrap_or_else(|| {
                let text = if body.trim().is_empty() {
                    &details
                } else {
                    &body
                };
                let mut start: String = text.chars().take(SNIPPET_CHARS).collect();
                if start.len() < text.len() {
                    start.push('…');
                }
                super::highlight::escape_marked(&start, "\u{1}", "\u{2}")
            });
        EngineHit {
            key: text(f.id),
            doc_type: DocType::parse(&text(f.doc_type)).unwrap_or(DocType::Thread),
            network_id: number(f.network_id),
            thread_id: number(f.thread_id),
            title,
            snippet_html,
            url: text(f.url),
            score,
            replies: doc.get_first(f.replies).and_then(|v| v.as_u64()),
            helpful: doc.get_first(f.helpful).and_then(|v| v.as_u64()),
            activity_at: doc
                .get_first(f.activity_at)
                .and_then(|v| v.as_i64())
                .unwrap_or_default(),
        }
    }

    /// The whole query: every word (or a synonym of it), or at least one of them when
    /// matching some, and every phrase and filter must match.
    fn query(&self, query: &SearchQuery, scope: &Scope) -> BooleanQuery {
        let f = self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // `in:title`: the words in titles only.
        let fields: Vec<(Field, f32)> = self
            .weighted
            .iter()
            .copied()
            .filter(|(field, _)| !query.title_only || *field == f.title)
            .collect();
        let groups = self.word_groups(&fields, &query.words);
        match query.matching {
            Matching::All => must.extend(groups.into_iter().map(|g| (Occur::Must, g))),
            Matching::Some => {
                let any: Vec<(Occur, Box<dyn Query>)> = groups
                    .into_iter()
                    .map(|group| {
                        let counted: Vec<(Occur, Box<dyn Query>)> = vec![
                            (Occur::Should, group.box_clone()),
                            (
                                Occur::Should,
                                Box::new(ConstScoreQuery::new(group, MATCHED_WORD_SCORE)),
                            ),
                        ];
                        (
                            Occur::Should,
                            Box::new(BooleanQuery::new(counted)) as Box<dyn Query>,
                        )
                    })
                    .collect();
                must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
            }
        }
        for phrase in &query.phrases {
            must.push((Occur::Must, self.in_order(&fields, &phrase.words)));
        }
        if let Scope::Only(networks) = scope {
            must.push((
                Occur::Must,
                Box::new(TermSetQuery::new(
                    networks
                        .iter()
                        .map(|n| Term::from_field_u64(f.network_ids, *n as u64)),
                )),
            ));
        }
        if !query.types.is_empty() {
            must.push((
                Occur::Must,
                Box::new(TermSetQuery::new(
                    query
                        .types
                        .iter()
                        .map(|t| Term::from_field_text(f.doc_type, t.as_str())),
                )),
            ));
        }
        if let Some(network) = query.network_id {
            must.push((
                Occur::Must,
                exact(Term::from_field_u64(f.network_ids, network as u64)),
            ));
        }
        for tag in &query.tags {
            must.push((Occur::Must, exact(Term::from_field_text(f.tags, tag))));
        }
        if !query.statuses.is_empty() {
            must.push((
                Occur::Must,
                Box::new(TermSetQuery::new(
                    query
                        .statuses
                        .iter()
                        .map(|status| Term::from_field_text(f.status, status)),
                )),
            ));
        }
        if let Some(author) = query.author_id {
            must.push((
                Occur::Must,
                exact(Term::from_field_u64(f.author_id, author as u64)),
            ));
        }
        BooleanQuery::new(must)
    }

    /// One query per word of the query, or per run of words that has synonyms ("chronic
    /// absence" ~ "absenteeism"): each matches the word (or run) or one of its synonyms.
    fn word_groups(&self, fields: &[(Field, f32)], words: &[String]) -> Vec<Box<dyn Query>> {
        let mut groups: Vec<Box<dyn Query>> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let last = i + 1 == words.len();
            // A phrase with synonyms ("chronic absence" ~ "absenteeism") matches as itself
            // or as any of them.
            let span = (2..=3).rev().find_map(|len| {
                let end = i + len;
                (end <= words.len())
                    .then(|| words[i..end].join(" "))
                    .and_then(|phrase| self.settings.synonyms.get(&phrase).map(|eq| (end, eq)))
            });
            match span {
                Some((end, equivalents)) => {
                    let own: Vec<(Occur, Box<dyn Query>)> = (i..end)
                        .map(|j| {
                            (
                                Occur::Must,
                                self.word(fields, &words[j], j + 1 == words.len(), false),
                            )
                        })
                        .collect();
                    let mut options: Vec<(Occur, Box<dyn Query>)> =
                        vec![(Occur::Should, Box::new(BooleanQuery::new(own)))];
                    for equivalent in equivalents {
                        options.push((Occur::Should, self.phrase(fields, equivalent)));
                    }
                    groups.push(Box::new(BooleanQuery::new(options)));
                    i = end;
                }
                None => {
                    groups.push(self.word(fields, &words[i], last, true));
                    i += 1;
                }
            }
        }
        groups
    }

    /// One query word in any searchable field: exactly (scored by BM25), within its typos,
    /// as a prefix when it is the last word, or as one of its one-word synonyms.
    fn word(
        &self,
        fields: &[(Field, f32)],
        word: &str,
        last: bool,
        with_synonyms: bool,
    ) -> Box<dyn Query> {
        let folded = fold(word);
        let typos = self.settings.typos_for(folded.chars().count());
        let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, weight) in fields {
            let term = Term::from_field_text(field, &folded);
            options.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    weight * 2.0,
                )),
            ));
            let loose: Option<Box<dyn Query>> = if last {
                Some(Box::new(FuzzyTermQuery::new_prefix(term, typos, true)))
            } else if typos > 0 {
                Some(Box::new(FuzzyTermQuery::new(term, typos, true)))
            } else {
                None
            };
            if let Some(loose) = loose {
                options.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(loose, weight * 0.5)),
                ));
            }
        }
        if with_synonyms {
            if let Some(equivalents) = self.settings.synonyms.get(word) {
                for equivalent in equivalents {
                    options.push((Occur::Should, self.phrase(fields, equivalent)));
                }
            }
        }
        Box::new(BooleanQuery::new(options))
    }

    /// A quoted phrase: its words exactly, in order at their offsets, in any searchable field.
    fn in_order(&self, fields: &[(Field, f32)], phrase: &[(usize, String)]) -> Box<dyn Query> {
        let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, weight) in fields {
            let terms: Vec<(usize, Term)> = phrase
                .iter()
                .map(|(at, word)| (*at, Term::from_field_text(field, &fold(word))))
                .collect();
            options.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(PhraseQuery::new_with_offset(terms)),
                    weight,
                )),
            ));
        }
        Box::new(BooleanQuery::new(options))
    }

    /// `text` (one word or several in a row) in any searchable field.
    fn phrase(&self, fields: &[(Field, f32)], text: &str) -> Box<dyn Query> {
        let words: Vec<String> = super::query::words_of(text).map(|(_, w)| fold(w)).collect();
        let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, weight) in fields {
            let terms: Vec<Term> = words
                .iter()
                .map(|w| Term::from_field_text(field, w))
                .collect();
            let query: Box<dyn Query> = if terms.len() == 1 {
                Box::new(TermQuery::new(
                    terms[0].clone(),
                    IndexRecordOption::WithFreqs,
                ))
            } else {
                Box::new(PhraseQuery::new(terms))
            };
            options.push((Occur::Should, Box::new(BoostQuery::new(query, weight))));
        }
        Box::new(BooleanQuery::new(options))
    }
}

/// The relevance score with what members made of the document added
/// (`Signals::engagement`): among documents matching about as well, the conversation
/// people engaged with ranks first.
fn engaged(segment: &SegmentReader) -> impl Fn(DocId, Score) -> Score {
    let engagement = segment
        .fast_fields()
        .f64("engagement")
        .ok()
        .map(|column| column.first_or_default_col(0.0));
    move |doc, score| match &engagement {
        Some(column) => score + ENGAGEMENT_WEIGHT * column.get_val(doc) as Score,
        None => score,
    }
}

fn exact(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

fn internal(err: impl Into<anyhow::Error>) -> EngineError {
    EngineError::Internal(err.into())
}

/// Facet counts out of tantivy's aggregation results (`{"type": {"buckets": [{"key",
/// "doc_count"}]}}`).
fn facets(results: &serde_json::Value) -> Facets {
    let buckets = |name: &str| -> Vec<(String, u64)> {
        results[name]["buckets"]
            .as_array()
            .map(|buckets| {
                buckets
                    .iter()
                    .filter_map(|b| {
                        let key = match &b["key"] {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Number(n) => n
                                .as_u64()
                                .or_else(|| n.as_f64().map(|f| f as u64))?
                                .to_string(),
                            _ => return None,
                        };
                        Some((key, b["doc_count"].as_u64()?))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    Facets {
        doc_type: buckets("type").into_iter().collect(),
        tags: buckets("tags").into_iter().collect(),
        network_id: buckets("network_id")
            .into_iter()
            .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
            .collect(),
        status: buckets("status").into_iter().collect(),
    }
}
