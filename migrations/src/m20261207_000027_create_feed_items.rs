//! The feed's activity table: one row per thing a member can find in the feed (a thread that
//! is no thing's discussion, a help request, resource, poll, convening, initiative or test of
//! change), with its network, creation, newest activity and who acted last, its own or
//! discussion thread and that thread's newest post. The server keeps it in step in the
//! causing transaction (`server/src/feed/activity.rs`); this fills it from what exists.
//!
//! Why: the feed read each kind from its own tables, joining its discussion thread, newest
//! response or check-in and the post that made it; at 100,000 posts those joins cost a page
//! as much as the threads themselves. From here every kind costs what a thread costs.
//!
//! On SQLite the rows are stored in their key's order (`WITHOUT ROWID`, keyed by network):
//! a page reads each of the member's networks as one run of rows. The schema builder has no
//! words for that, so the table is written out for each backend.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let (timestamp, rowid) = if backend == DatabaseBackend::Postgres {
            ("timestamp with time zone", "")
        } else {
            ("timestamp_with_timezone_text", " WITHOUT ROWID")
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE feed_items (\
               network_id bigint NOT NULL REFERENCES networks (id) ON DELETE CASCADE, \
               kind varchar NOT NULL, \
               id bigint NOT NULL, \
               created_at {timestamp} NOT NULL, \
               last_activity_at {timestamp} NOT NULL, \
               activity_day bigint NOT NULL, \
               author_id bigint NOT NULL, \
               last_actor_id bigint NOT NULL, \
               thread_id bigint NULL, \
               last_post_id bigint NULL, \
               PRIMARY KEY (network_id, kind, id)){rowid}"
        ))
        .await?;
        db.execute_unprepared("CREATE UNIQUE INDEX idx_feed_items_thing ON feed_items (kind, id)")
            .await?;
        for kind in KINDS {
            db.execute_unprepared(&format!("{INSERT} {}", rows(backend, kind)))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE feed_items")
            .await?;
        Ok(())
    }
}

const KINDS: [&str; 7] = [
    "thread",
    "help_request",
    "resource",
    "poll",
    "convening",
    "initiative",
    "test",
];

const INSERT: &str = "INSERT INTO feed_items (network_id, kind, id, created_at, last_activity_at, \
                      activity_day, author_id, last_actor_id, thread_id, last_post_id)";

fn day_of(backend: DatabaseBackend, column: &str) -> String {
    if backend == DatabaseBackend::Postgres {
        format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 86400) AS BIGINT)")
    } else {
        format!("(CAST(strftime('%s', {column}) AS INTEGER) / 86400)")
    }
}

fn latest(backend: DatabaseBackend, first: &str, others: &[&str]) -> String {
    if backend == DatabaseBackend::Postgres {
        format!("GREATEST({first}, {})", others.join(", "))
    } else {
        let others: Vec<String> = others
            .iter()
            .map(|other| format!("COALESCE({other}, {first})"))
            .collect();
        format!("MAX({first}, {})", others.join(", "))
    }
}

/// The rows of every thing of `kind`, as the server computed them on 7 December 2026.
fn rows(backend: DatabaseBackend, kind: &str) -> String {
    const DISCUSSION: &str =
        "LEFT JOIN threads d ON d.id = x.discussion_thread_id AND d.deleted_at IS NULL \
                              LEFT JOIN posts dp ON dp.id = d.last_post_id";
    let (activity, author, actor, thread, last_post, from) = match kind {
        "thread" => (
            "x.last_activity_at".to_owned(),
            "x.author_id",
            "COALESCE(lp.author_id, x.author_id)",
            "x.id",
            "x.last_post_id",
            "threads x LEFT JOIN posts lp ON lp.id = x.last_post_id \
             WHERE x.deleted_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM resources o WHERE o.discussion_thread_id = x.id) \
               AND NOT EXISTS (SELECT 1 FROM initiatives o WHERE o.discussion_thread_id = x.id) \
               AND NOT EXISTS (SELECT 1 FROM tests_of_change o WHERE o.discussion_thread_id = x.id)"
                .to_owned(),
        ),
        "help_request" => (
            latest(backend, "x.created_at", &["lr.created_at"]),
            "x.author_id",
            "COALESCE(lr.author_id, x.author_id)",
            "NULL",
            "NULL",
            "help_requests x \
             LEFT JOIN help_responses lr ON lr.id = (SELECT MAX(r.id) FROM help_responses r \
                                                     WHERE r.help_request_id = x.id) \
             WHERE x.deleted_at IS NULL"
                .to_owned(),
        ),
        "resource" => (
            latest(backend, "x.created_at", &["d.last_activity_at"]),
            "x.author_id",
            "CASE WHEN d.last_activity_at > x.created_at \
                  THEN COALESCE(dp.author_id, x.author_id) ELSE x.author_id END",
            "d.id",
            "d.last_post_id",
            format!("resources x {DISCUSSION} WHERE x.deleted_at IS NULL"),
        ),
        "poll" => (
            latest(backend, "x.created_at", &["x.closed_at"]),
            "x.author_id",
            "x.author_id",
            "NULL",
            "NULL",
            "polls x WHERE x.deleted_at IS NULL".to_owned(),
        ),
        "convening" => (
            "x.updated_at".to_owned(),
            "x.created_by",
            "x.created_by",
            "NULL",
            "NULL",
            "convenings x".to_owned(),
        ),
        "initiative" => (
            latest(
                backend,
                "x.created_at",
                &["d.last_activity_at", "ci.submitted_at"],
            ),
            "x.created_by",
            "CASE WHEN ci.submitted_at IS NOT NULL \
                       AND ci.submitted_at >= COALESCE(d.last_activity_at, x.created_at) \
                  THEN ci.submitted_by \
                  WHEN d.last_activity_at > x.created_at THEN COALESCE(dp.author_id, x.created_by) \
                  ELSE x.created_by END",
            "d.id",
            "d.last_post_id",
            format!(
                "initiatives x {DISCUSSION} \
                 LEFT JOIN check_ins ci ON ci.id = (SELECT c2.id FROM check_ins c2 \
                                                    WHERE c2.initiative_id = x.id \
                                                    ORDER BY c2.submitted_at DESC, c2.id DESC LIMIT 1)"
            ),
        ),
        _ => (
            latest(backend, "x.updated_at", &["d.last_activity_at"]),
            "x.created_by",
            "CASE WHEN d.last_activity_at > x.updated_at \
                  THEN COALESCE(dp.author_id, x.created_by) ELSE x.created_by END",
            "d.id",
            "d.last_post_id",
            format!("tests_of_change x {DISCUSSION}"),
        ),
    };
    format!(
        "SELECT x.network_id, '{kind}', x.id, x.created_at, {activity}, {day}, {author}, {actor}, \
                CAST({thread} AS BIGINT), CAST({last_post} AS BIGINT) FROM {from}",
        day = day_of(backend, &activity),
    )
}
