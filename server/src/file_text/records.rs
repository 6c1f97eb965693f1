//! What reading each file gave, kept in `file_texts` by content: the words, or why there
//! are none. Read before a file is read again; listed for operators.

use super::formats::Unreadable;
use crate::entities::{file_texts, resource_versions, resources};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

const TEXT: &str = "text";
const UNREADABLE: &str = "unreadable";

/// What is known of a file's words.
pub enum Known {
    Text(String),
    Unreadable,
}

/// The outcome recorded for `sha256` by this version of the readers, if any.
pub async fn find(
    db: &impl ConnectionTrait,
    sha256: &str,
    reader_version: i32,
) -> Result<Option<Known>, DbErr> {
    let row = file_texts::Entity::find_by_id(sha256.to_owned())
        .filter(file_texts::Column::ReaderVersion.eq(reader_version))
        .one(db)
        .await?;
    Ok(row.map(|row| match row.outcome.as_str() {
        TEXT => Known::Text(row.body.unwrap_or_default()),
        _ => Known::Unreadable,
    }))
}

pub struct Outcome<'a> {
    pub sha256: &'a str,
    pub media_type: &'a str,
    pub size_bytes: i64,
    pub result: &'a Result<String, Unreadable>,
    pub reader_version: i32,
}

/// Records what reading a file gave (the last reading wins: instances reading the same
/// file at once agree on it anyway).
pub async fn record(db: &impl ConnectionTrait, outcome: Outcome<'_>) -> Result<(), DbErr> {
    let (kind, body, reason) = match outcome.result {
        Ok(text) => (TEXT, Some(text.clone()), None),
        Err(unreadable) => (UNREADABLE, None, Some(unreadable.to_string())),
    };
    file_texts::Entity::insert(file_texts::ActiveModel {
        sha256: Set(outcome.sha256.to_owned()),
        media_type: Set(outcome.media_type.to_owned()),
        size_bytes: Set(outcome.size_bytes),
        outcome: Set(kind.to_owned()),
        body: Set(body),
        reason: Set(reason),
        reader_version: Set(outcome.reader_version),
        read_at: Set(crate::clock::now()),
    })
    .on_conflict(
        OnConflict::column(file_texts::Column::Sha256)
            .update_columns([
                file_texts::Column::MediaType,
                file_texts::Column::SizeBytes,
                file_texts::Column::Outcome,
                file_texts::Column::Body,
                file_texts::Column::Reason,
                file_texts::Column::ReaderVersion,
                file_texts::Column::ReadAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A file whose words could not be read, with the resources that share it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnreadableFile {
    pub sha256: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub reason: String,
    pub read_at: DateTime<Utc>,
    pub resources: Vec<FileUse>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FileUse {
    pub resource_id: i64,
    pub title: String,
    pub file_name: String,
    pub version: i32,
}

/// Files whose words could not be read, most recent first.
pub async fn unreadable(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<UnreadableFile>, DbErr> {
    let rows = file_texts::Entity::find()
        .filter(file_texts::Column::Outcome.eq(UNREADABLE))
        .order_by_desc(file_texts::Column::ReadAt)
        .order_by_asc(file_texts::Column::Sha256)
        .paginate(db, limit.max(1))
        .fetch_page(0)
        .await?;
    let hashes: Vec<String> = rows.iter().map(|row| row.sha256.clone()).collect();
    let versions = resource_versions::Entity::find()
        .filter(resource_versions::Column::Sha256.is_in(hashes))
        .order_by_asc(resource_versions::Column::ResourceId)
        .order_by_asc(resource_versions::Column::Version)
        .all(db)
        .await?;
    let titles: std::collections::HashMap<i64, String> = resources::Entity::find()
        .filter(resources::Column::Id.is_in(versions.iter().map(|v| v.resource_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|resource| (resource.id, resource.title))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| UnreadableFile {
            resources: versions
                .iter()
                .filter(|version| version.sha256 == row.sha256)
                .map(|version| FileUse {
                    resource_id: version.resource_id,
                    title: titles
                        .get(&version.resource_id)
                        .cloned()
                        .unwrap_or_default(),
                    file_name: version.file_name.clone(),
                    version: version.version,
                })
                .collect(),
            sha256: row.sha256,
            media_type: row.media_type,
            size_bytes: row.size_bytes,
            reason: row.reason.unwrap_or_default(),
            read_at: row.read_at,
        })
        .collect())
}

/// How many files' words could not be read.
pub async fn unreadable_count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    file_texts::Entity::find()
        .filter(file_texts::Column::Outcome.eq(UNREADABLE))
        .count(db)
        .await
}

/// Forgets the unreadable outcomes, so the next reading (a `search reindex`, or the next
/// change to their resources) tries those files again; how many were forgotten.
pub async fn forget_unreadable(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let deleted = file_texts::Entity::delete_many()
        .filter(file_texts::Column::Outcome.eq(UNREADABLE))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
