//! What notifications are about, as it is now. A notification stores only ids for the post
//! or help request it is about; its words (the thread's title, the post's opening, the
//! request's title) are read from the live rows whenever it is shown (listed, emailed), so
//! an edit shows at once and a deleted post, thread or help request leaves nothing behind:
//! no copy to forget on some future edit path. Read for a whole page at once, one query per
//! kind of subject.

use crate::entities::{help_requests, notifications, posts, threads};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::HashMap;

/// How much of a post a notification shows.
const EXCERPT_CHARS: usize = 200;
/// How much of a post's markdown is read to make its excerpt: room for the markup that
/// `one_line` takes out.
const SOURCE_CHARS: i32 = 800;

/// Keys of `data` that older builds filled with copies of the subject's text. Never read:
/// they are replaced by the live text (or dropped) before a notification is shown.
const COPIED_POST_KEYS: [&str; 2] = ["thread_title", "excerpt"];
const COPIED_HELP_REQUEST_KEYS: [&str; 3] = ["title", "tags", "urgency"];

struct PostNow {
    thread_title: String,
    excerpt: String,
    /// The post or its thread was deleted.
    is_gone: bool,
}

struct HelpRequestNow {
    title: String,
    /// Withdrawn by its asker or hidden by a facilitator.
    is_gone: bool,
}

/// The live subjects of some notifications.
pub struct Subjects {
    posts: HashMap<i64, PostNow>,
    help_requests: HashMap<i64, HelpRequestNow>,
}

impl Subjects {
    /// Reads the subjects of `rows`: at most one query for their posts (with threads) and
    /// one for their help requests, however many rows.
    pub async fn load(
        db: &impl ConnectionTrait,
        rows: &[notifications::Model],
    ) -> Result<Subjects, DbErr> {
        let ids_of = |subject_type: &str| -> Vec<i64> {
            let mut ids: Vec<i64> = rows
                .iter()
                .filter(|n| n.subject_type == subject_type)
                .map(|n| n.subject_id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        Ok(Subjects {
            posts: posts_now(db, &ids_of("post")).await?,
            help_requests: help_requests_now(db, &ids_of("help_request")).await?,
        })
    }

    /// `n` as it reads now, its `data` holding the subject's current words; `None` when
    /// what it is about was deleted (it is then neither listed nor emailed).
    pub fn current(&self, mut n: notifications::Model) -> Option<notifications::Model> {
        match n.subject_type.as_str() {
            "post" => {
                let post = self.posts.get(&n.subject_id).filter(|p| !p.is_gone)?;
                if let Some(data) = n.data.as_object_mut() {
                    for key in COPIED_POST_KEYS {
                        data.remove(key);
                    }
                    data.insert("thread_title".into(), post.thread_title.clone().into());
                    data.insert("excerpt".into(), post.excerpt.clone().into());
                }
            }
            "help_request" => {
                let request = self
                    .help_requests
                    .get(&n.subject_id)
                    .filter(|r| !r.is_gone)?;
                if let Some(data) = n.data.as_object_mut() {
                    for key in COPIED_HELP_REQUEST_KEYS {
                        data.remove(key);
                    }
                    data.insert("title".into(), request.title.clone().into());
                }
            }
            _ => {}
        }
        Some(n)
    }
}

async fn posts_now(db: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, PostNow>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = Query::select();
    select
        .column((posts::Entity, posts::Column::Id))
        .expr_as(
            Func::cust(Alias::new("SUBSTR"))
                .arg(Expr::col((posts::Entity, posts::Column::Body)))
                .arg(1)
                .arg(SOURCE_CHARS),
            Alias::new("excerpt"),
        )
        .expr_as(
            Expr::col((posts::Entity, posts::Column::DeletedAt)),
            Alias::new("post_deleted_at"),
        )
        .column((threads::Entity, threads::Column::Title))
        .expr_as(
            Expr::col((threads::Entity, threads::Column::DeletedAt)),
            Alias::new("thread_deleted_at"),
        )
        .from(posts::Entity)
        .inner_join(
            threads::Entity,
            Expr::col((threads::Entity, threads::Column::Id))
                .equals((posts::Entity, posts::Column::ThreadId)),
        )
        .and_where(Expr::col((posts::Entity, posts::Column::Id)).is_in(ids.iter().copied()));
    let backend = db.get_database_backend();
    let rows = db.query_all(backend.build(&select)).await?;
    rows.into_iter()
        .map(|row| {
            let id: i64 = row.try_get("", "id")?;
            let post_deleted_at: Option<DateTime<Utc>> = row.try_get("", "post_deleted_at")?;
            let thread_deleted_at: Option<DateTime<Utc>> = row.try_get("", "thread_deleted_at")?;
            Ok((
                id,
                PostNow {
                    thread_title: row.try_get("", "title")?,
                    // Plain words, as people read a notification: no markdown.
                    excerpt: crate::markdown::one_line(
                        &row.try_get::<String>("", "excerpt")?,
                        EXCERPT_CHARS,
                    ),
                    is_gone: post_deleted_at.is_some() || thread_deleted_at.is_some(),
                },
            ))
        })
        .collect()
}

async fn help_requests_now(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, HelpRequestNow>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String, Option<DateTime<Utc>>)> = help_requests::Entity::find()
        .select_only()
        .column(help_requests::Column::Id)
        .column(help_requests::Column::Title)
        .column(help_requests::Column::DeletedAt)
        .filter(help_requests::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, deleted_at)| {
            (
                id,
                HelpRequestNow {
                    title,
                    is_gone: deleted_at.is_some(),
                },
            )
        })
        .collect())
}

/// Notifications whose subject is still there: not about a deleted post, a post of a
/// deleted thread, or a removed help request. A condition on the notification query itself
/// (one key lookup per row read), so pages stay full and unread counts count only what can
/// be shown.
pub fn still_there() -> Condition {
    let notification = |column: notifications::Column| Expr::col((notifications::Entity, column));
    let gone_post: SelectStatement = Query::select()
        .expr(Expr::val(1))
        .from(posts::Entity)
        .inner_join(
            threads::Entity,
            Expr::col((threads::Entity, threads::Column::Id))
                .equals((posts::Entity, posts::Column::ThreadId)),
        )
        .cond_where(
            Condition::all()
                .add(
                    Expr::col((posts::Entity, posts::Column::Id))
                        .equals((notifications::Entity, notifications::Column::SubjectId)),
                )
                .add(
                    Condition::any()
                        .add(Expr::col((posts::Entity, posts::Column::DeletedAt)).is_not_null())
                        .add(
                            Expr::col((threads::Entity, threads::Column::DeletedAt)).is_not_null(),
                        ),
                ),
        )
        .to_owned();
    let gone_help_request: SelectStatement = Query::select()
        .expr(Expr::val(1))
        .from(help_requests::Entity)
        .cond_where(
            Condition::all()
                .add(
                    Expr::col((help_requests::Entity, help_requests::Column::Id))
                        .equals((notifications::Entity, notifications::Column::SubjectId)),
                )
                .add(
                    Expr::col((help_requests::Entity, help_requests::Column::DeletedAt))
                        .is_not_null(),
                ),
        )
        .to_owned();
    Condition::all()
        .add(
            Condition::any()
                .add(notification(notifications::Column::SubjectType).ne("post"))
                .add(Expr::exists(gone_post).not()),
        )
        .add(
            Condition::any()
                .add(notification(notifications::Column::SubjectType).ne("help_request"))
                .add(Expr::exists(gone_help_request).not()),
        )
}
