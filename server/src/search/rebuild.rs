//! Rebuilding an index from the database, without downtime: a new index is filled beside the
//! one being served, which keeps answering searches, and swapped in when complete; the event
//! log then resumes from where the rebuild started, so nothing written meanwhile is missed.
//!
//! Anyone may ask (an admin over HTTP, `staffroom search reindex`): the request and the
//! progress live in the index's `search_positions` row, and the instance feeding the index
//! does the work between two indexing rounds.

use super::document::{Change, DocType};
use super::engine::Engine;
use super::sources::{changes_for, ids_after};
use crate::db::Db;
use crate::entities::{events, search_positions};
use crate::file_text::FileTexts;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

/// Rows read per batch.
const BATCH: u64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RebuildState {
    /// Never asked for.
    Idle,
    /// Asked for; the indexing instance starts within a second or two.
    Requested,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RebuildStatus {
    pub state: RebuildState,
    pub requested_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub documents_done: i64,
    pub documents_total: i64,
    pub error: Option<String>,
}

impl RebuildStatus {
    fn of(row: Option<search_positions::Model>) -> RebuildStatus {
        let Some(row) = row else {
            return RebuildStatus {
                state: RebuildState::Idle,
                requested_at: None,
                started_at: None,
                finished_at: None,
                documents_done: 0,
                documents_total: 0,
                error: None,
            };
        };
        let state = match (
            row.rebuild_requested_at,
            row.rebuild_started_at,
            row.rebuild_finished_at,
        ) {
            (None, _, _) => RebuildState::Idle,
            (Some(asked), started, _) if started.is_none_or(|s| s < asked) => {
                RebuildState::Requested
            }
            (_, _, None) => RebuildState::Running,
            _ if row.rebuild_error.is_some() => RebuildState::Failed,
            _ => RebuildState::Done,
        };
        RebuildStatus {
            state,
            requested_at: row.rebuild_requested_at,
            started_at: row.rebuild_started_at,
            finished_at: row.rebuild_finished_at,
            documents_done: row.rebuild_done,
            documents_total: row.rebuild_total,
            error: row.rebuild_error,
        }
    }
}

pub async fn status(db: &impl ConnectionTrait, key: &str) -> Result<RebuildStatus, DbErr> {
    Ok(RebuildStatus::of(
        search_positions::Entity::find_by_id(key.to_owned())
            .one(db)
            .await?,
    ))
}

/// Asks for a rebuild (a second request while one is waiting or running changes nothing).
pub async fn request(db: &impl ConnectionTrait, key: &str) -> Result<RebuildStatus, DbErr> {
    let now = crate::clock::now();
    search_positions::Entity::insert(search_positions::ActiveModel {
        index_uid: Set(key.to_owned()),
        position: Set(0),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(search_positions::Column::IndexUid)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let current = status(db, key).await?;
    if !matches!(
        current.state,
        RebuildState::Requested | RebuildState::Running
    ) {
        search_positions::Entity::update_many()
            .col_expr(
                search_positions::Column::RebuildRequestedAt,
                Expr::value(now),
            )
            .filter(search_positions::Column::IndexUid.eq(key))
            .exec(db)
            .await?;
    }
    status(db, key).await
}

/// Rebuilds `engine`'s index if a rebuild was asked for; `true` when it did.
pub async fn run_if_requested(
    engine: &Engine,
    db: &Db,
    file_texts: &FileTexts,
) -> anyhow::Result<bool> {
    let key = engine.row_key();
    if status(db.reader(), &key).await?.state != RebuildState::Requested {
        return Ok(false);
    }
    let started = crate::clock::now();
    update(db, &key, |row| {
        row.rebuild_started_at = Set(Some(started));
        row.rebuild_finished_at = Set(None);
        row.rebuild_done = Set(0);
        row.rebuild_total = Set(0);
        row.rebuild_error = Set(None);
    })
    .await?;
    let outcome = rebuild(engine, db, file_texts, &key).await;
    let error = outcome.as_ref().err().map(|err| format!("{err:#}"));
    if let Some(error) = &error {
        tracing::error!(error = %error, "rebuilding the search index failed");
    }
    update(db, &key, |row| {
        row.rebuild_finished_at = Set(Some(crate::clock::now()));
        row.rebuild_error = Set(error.clone());
    })
    .await?;
    outcome.map(|_| true)
}

async fn rebuild(
    engine: &Engine,
    db: &Db,
    file_texts: &FileTexts,
    key: &str,
) -> anyhow::Result<()> {
    // Everything up to this event is in the rows read below; later ones are applied again
    // from the log once the new index is in.
    let position: i64 = events::Entity::find()
        .select_only()
        .column(events::Column::Id)
        .order_by_desc(events::Column::Id)
        .into_tuple()
        .one(db.reader())
        .await?
        .unwrap_or(0);
    let total = total_rows(db).await?;
    update(db, key, |row| row.rebuild_total = Set(total)).await?;
    tracing::info!(documents = total, position, "rebuilding the search index");
    let target = engine.begin_rebuild().await?;
    let mut done = 0i64;
    for doc_type in DocType::ALL {
        let mut after = 0;
        loop {
            let ids = ids_after(db.reader(), doc_type, after, BATCH).await?;
            let Some(&last) = ids.last() else {
                break;
            };
            let mut documents = Vec::with_capacity(ids.len());
            for id in &ids {
                for change in changes_for(
                    db.reader(),
                    file_texts,
                    super::document::DocRef::new(doc_type, *id),
                )
                .await?
                {
                    // An opening post's row yields its thread, already taken with threads.
                    match change {
                        Change::Upsert(doc) if doc.doc_type == doc_type => documents.push(*doc),
                        _ => {}
                    }
                }
            }
            engine.add_to_rebuild(&target, documents).await?;
            done += ids.len() as i64;
            after = last;
            update(db, key, |row| row.rebuild_done = Set(done)).await?;
        }
    }
    engine.finish_rebuild(target, position).await?;
    tracing::info!(documents = done, "search index rebuilt and swapped in");
    Ok(())
}

async fn total_rows(db: &Db) -> Result<i64, DbErr> {
    use crate::entities::{
        convenings, help_requests, initiatives, members, polls, posts, resources, tests_of_change,
        threads,
    };
    let reader = db.reader();
    let counts = [
        threads::Entity::find().count(reader).await?,
        posts::Entity::find().count(reader).await?,
        resources::Entity::find().count(reader).await?,
        help_requests::Entity::find().count(reader).await?,
        convenings::Entity::find().count(reader).await?,
        members::Entity::find().count(reader).await?,
        initiatives::Entity::find().count(reader).await?,
        tests_of_change::Entity::find().count(reader).await?,
        polls::Entity::find().count(reader).await?,
    ];
    Ok(counts.iter().sum::<u64>() as i64)
}

async fn update(
    db: &Db,
    key: &str,
    change: impl FnOnce(&mut search_positions::ActiveModel),
) -> Result<(), DbErr> {
    let mut row = search_positions::ActiveModel {
        index_uid: sea_orm::ActiveValue::Unchanged(key.to_owned()),
        ..Default::default()
    };
    change(&mut row);
    row.updated_at = Set(crate::clock::now());
    search_positions::Entity::update(row)
        .exec(db.writer())
        .await?;
    Ok(())
}
