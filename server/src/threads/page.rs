//! The thread page, `GET /threads/{id}/posts`: the most read request of all, so it is one
//! query. The access rule guards the query itself (nobody who may not read the thread gets a
//! row out of it), reaction counts are kept on the posts, and each post comes back as one
//! JSON value built by the database: the driver copies every column of every row, and one
//! value a row instead of sixteen is most of the cost of the page.

use super::model::ReactionKind;
use super::queries::{kind_bits_sum, kinds_in};
use crate::db::placeholders;
use crate::entities::posts;
use crate::ids::{ApiId, MemberId, ThreadId};
use crate::members::views::MemberRef;
use crate::networks::standing::readable_condition;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// One post of a page, with its author and the viewer's own reactions.
pub struct PagePost {
    pub post: posts::Model,
    pub author: Option<MemberRef>,
    pub mine: Vec<ReactionKind>,
}

/// A row of the page as the database renders it.
#[derive(Deserialize)]
struct Row {
    id: i64,
    author_id: i64,
    reply_to_post_id: Option<i64>,
    post_number: i32,
    body: String,
    body_html: String,
    created_at: String,
    updated_at: String,
    edited_at: Option<String>,
    deleted_at: Option<String>,
    helpful: i32,
    thanks: i32,
    agree: i32,
    handle: Option<String>,
    display_name: Option<String>,
    mine: Option<i64>,
}

/// A page of a thread's posts, oldest first, if `viewer` may read them: up to `limit` + 1
/// posts after `after_id`. An empty page means past the last post or nothing to read; the
/// caller tells the two apart.
pub async fn posts_page(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    thread_id: ThreadId,
    after_id: Option<i64>,
    limit: u64,
) -> Result<Vec<PagePost>, DbErr> {
    let backend = db.get_database_backend();
    let sql = page_sql(backend, after_id.is_some());
    let mut values: Vec<Value> = vec![viewer.into(), thread_id.into()];
    values.extend(after_id.map(Value::from));
    values.extend([viewer, viewer, viewer].map(Value::from));
    values.push(thread_id.into());
    values.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            sql.as_ref(),
            values,
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let json: String = row.try_get_by(0)?;
            let row: Row = serde_json::from_str(&json)
                .map_err(|err| DbErr::Custom(format!("a page row: {err}")))?;
            Ok(PagePost {
                author: row
                    .handle
                    .zip(row.display_name)
                    .map(|(handle, display_name)| MemberRef {
                        id: ApiId(row.author_id),
                        handle,
                        display_name,
                    }),
                mine: kinds_in(row.mine.unwrap_or(0)),
                post: posts::Model {
                    id: row.id,
                    thread_id: thread_id.get(),
                    author_id: row.author_id,
                    reply_to_post_id: row.reply_to_post_id,
                    post_number: row.post_number,
                    body: row.body,
                    body_html: row.body_html,
                    created_at: timestamp(&row.created_at)?,
                    updated_at: timestamp(&row.updated_at)?,
                    edited_at: row.edited_at.as_deref().map(timestamp).transpose()?,
                    deleted_at: row.deleted_at.as_deref().map(timestamp).transpose()?,
                    helpful_count: row.helpful,
                    thanks_count: row.thanks,
                    agree_count: row.agree,
                },
            })
        })
        .collect()
}

/// Timestamps as both databases render them in JSON (RFC 3339 with an offset).
fn timestamp(raw: &str) -> Result<DateTime<Utc>, DbErr> {
    DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|err| DbErr::Custom(format!("timestamp {raw:?}: {err}")))
}

/// The page query, built once per shape. Placeholders: viewer, thread, [after], the access
/// guard's (viewer ×3, thread), limit.
fn page_sql(backend: DbBackend, has_cursor: bool) -> Arc<str> {
    type Built = HashMap<(bool, bool), Arc<str>>;
    static BUILT: LazyLock<Mutex<Built>> = LazyLock::new(Mutex::default);
    let postgres = backend == DbBackend::Postgres;
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    built
        .entry((postgres, has_cursor))
        .or_insert_with(|| {
            let (object, as_text) = if postgres {
                ("json_build_object", "::text")
            } else {
                ("json_object", "")
            };
            Arc::from(placeholders(
                backend,
                &format!(
                    "SELECT {object}( \
                        'id', p.id, 'author_id', p.author_id, 'reply_to_post_id', p.reply_to_post_id, \
                        'post_number', p.post_number, 'body', p.body, 'body_html', p.body_html, \
                        'created_at', p.created_at, 'updated_at', p.updated_at, \
                        'edited_at', p.edited_at, 'deleted_at', p.deleted_at, \
                        'helpful', p.helpful_count, 'thanks', p.thanks_count, 'agree', p.agree_count, \
                        'handle', m.handle, 'display_name', m.display_name, \
                        'mine', (SELECT {bits} FROM reactions r WHERE r.post_id = p.id AND r.member_id = ?) \
                     ){as_text} \
                     FROM posts p LEFT JOIN members m ON m.id = p.author_id \
                     WHERE p.thread_id = ?{after} AND {readable} ORDER BY p.id LIMIT ?",
                    bits = kind_bits_sum(),
                    after = if has_cursor { " AND p.id > ?" } else { "" },
                    readable = readable_condition("threads"),
                ),
            ))
        })
        .clone()
}
