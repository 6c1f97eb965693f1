//! Notifications about posts and help requests used to keep a copy of their words in
//! `data` (the thread's title and the post's first 200 characters; the request's title and
//! tags), and so did their `notification.created` events, which live replays send as they
//! are stored. A post deleted or edited later stayed readable there. The server now keeps
//! only ids and reads the words from the live rows when it shows a notification; this
//! removes the copies already stored, so no replay of an old event shows them either.
//!
//! JSON is edited with each database's own functions (SQLite's `json_remove`, PostgreSQL's
//! `jsonb` operators): the schema builder has no words for it. Nothing to undo: `down`
//! leaves the rows as they are, which the server reads the same way.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What each kind of subject had copied into `data`.
const COPIED: [(&str, &[&str]); 2] = [
    ("post", &["thread_title", "excerpt"]),
    ("help_request", &["title", "tags", "urgency"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let is_postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        for (subject_type, keys) in COPIED {
            let statements = if is_postgres {
                postgres(subject_type, keys)
            } else {
                sqlite(subject_type, keys)
            };
            for sql in statements {
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

fn sqlite(subject_type: &str, keys: &[&str]) -> [String; 2] {
    let paths = |prefix: &str| {
        keys.iter()
            .map(|key| format!("'{prefix}.{key}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    [
        format!(
            "UPDATE notifications SET data = json_remove(data, {}) \
             WHERE subject_type = '{subject_type}'",
            paths("$")
        ),
        format!(
            "UPDATE events SET payload = json_remove(payload, {}) \
             WHERE kind = 'notification.created' \
               AND json_extract(payload, '$.subject_type') = '{subject_type}'",
            paths("$.data")
        ),
    ]
}

fn postgres(subject_type: &str, keys: &[&str]) -> [String; 2] {
    let minus = |value: &str| {
        keys.iter()
            .fold(value.to_owned(), |acc, key| format!("({acc} - '{key}')"))
    };
    [
        format!(
            "UPDATE notifications SET data = CAST({} AS json) \
             WHERE subject_type = '{subject_type}' \
               AND jsonb_typeof(CAST(data AS jsonb)) = 'object'",
            minus("CAST(data AS jsonb)")
        ),
        format!(
            "UPDATE events SET payload = CAST(jsonb_set(CAST(payload AS jsonb), '{{data}}', {}) AS json) \
             WHERE kind = 'notification.created' \
               AND CAST(payload AS jsonb) ->> 'subject_type' = '{subject_type}' \
               AND jsonb_typeof(CAST(payload AS jsonb) -> 'data') = 'object'",
            minus("(CAST(payload AS jsonb) -> 'data')")
        ),
    ]
}
