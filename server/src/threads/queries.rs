//! Reads for thread lists and post pages, batched: a page costs a fixed number of queries
//! whatever its length.

use super::model::ReactionKind;
use super::views::{PostView, ThreadExtras, ThreadSummary};
use crate::db::placeholders;
use crate::entities::{
    network_members, posts, read_markers, thread_subscriptions, thread_tags, threads,
};
use crate::grouping::group_by_key;
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use crate::notification_level::NotificationLevel;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Position in a thread list ordered pinned first, then newest activity, then id.
#[derive(Debug, Serialize, Deserialize)]
pub struct ThreadCursor {
    #[serde(rename = "p")]
    pub pinned: bool,
    #[serde(rename = "t")]
    pub last_activity_at: DateTime<Utc>,
    #[serde(rename = "i")]
    pub id: i64,
}

impl ThreadCursor {
    pub fn of(thread: &threads::Model) -> ThreadCursor {
        ThreadCursor {
            pinned: thread.is_pinned,
            last_activity_at: thread.last_activity_at,
            id: thread.id,
        }
    }

    /// Rows strictly after this position in (pinned desc, last_activity_at desc, id desc).
    fn after(&self) -> Condition {
        let older = Condition::any()
            .add(threads::Column::LastActivityAt.lt(self.last_activity_at))
            .add(
                Condition::all()
                    .add(threads::Column::LastActivityAt.eq(self.last_activity_at))
                    .add(threads::Column::Id.lt(self.id)),
            );
        let same_pin = Condition::all()
            .add(threads::Column::IsPinned.eq(self.pinned))
            .add(older);
        if self.pinned {
            Condition::any()
                .add(same_pin)
                .add(threads::Column::IsPinned.eq(false))
        } else {
            same_pin
        }
    }
}

pub async fn thread_page(
    db: &impl ConnectionTrait,
    network_id: i64,
    tag: Option<&str>,
    cursor: Option<&ThreadCursor>,
    limit: u64,
) -> Result<Vec<threads::Model>, DbErr> {
    let mut query = threads::Entity::find()
        .filter(threads::Column::NetworkId.eq(network_id))
        .filter(threads::Column::DeletedAt.is_null());
    if let Some(tag) = tag {
        query = query.filter(
            threads::Column::Id.in_subquery(
                Query::select()
                    .column(thread_tags::Column::ThreadId)
                    .from(thread_tags::Entity)
                    .and_where(thread_tags::Column::Tag.eq(tag))
                    .to_owned(),
            ),
        );
    }
    if let Some(cursor) = cursor {
        query = query.filter(cursor.after());
    }
    query
        .order_by_desc(threads::Column::IsPinned)
        .order_by_desc(threads::Column::LastActivityAt)
        .order_by_desc(threads::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await
}

pub async fn tags_of_many(
    db: &impl ConnectionTrait,
    thread_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, DbErr> {
    let rows = thread_tags::Entity::find()
        .filter(thread_tags::Column::ThreadId.is_in(thread_ids.iter().copied()))
        .order_by_asc(thread_tags::Column::Tag)
        .all(db)
        .await?;
    Ok(group_by_key(rows, |row| (row.thread_id, row.tag)))
}

pub async fn read_markers_of(
    db: &impl ConnectionTrait,
    viewer: i64,
    thread_ids: &[i64],
) -> Result<HashMap<i64, i64>, DbErr> {
    Ok(read_markers::Entity::find()
        .filter(read_markers::Column::MemberId.eq(viewer))
        .filter(read_markers::Column::ThreadId.is_in(thread_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.thread_id, m.last_read_post_id))
        .collect())
}

/// Live posts after each thread's read marker (every live post where there is none).
pub async fn unread_counts(
    db: &impl ConnectionTrait,
    markers: &HashMap<i64, i64>,
    thread_ids: &[i64],
) -> Result<HashMap<i64, u64>, DbErr> {
    if thread_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut unread = Condition::any();
    for thread_id in thread_ids {
        let mut this_thread = Condition::all().add(posts::Column::ThreadId.eq(*thread_id));
        if let Some(marker) = markers.get(thread_id) {
            this_thread = this_thread.add(posts::Column::Id.gt(*marker));
        }
        unread = unread.add(this_thread);
    }
    let rows: Vec<(i64, i64)> = posts::Entity::find()
        .select_only()
        .column(posts::Column::ThreadId)
        .column_as(posts::Column::Id.count(), "unread")
        .filter(posts::Column::DeletedAt.is_null())
        .filter(unread)
        .group_by(posts::Column::ThreadId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(thread, count)| (thread, count.max(0) as u64))
        .collect())
}

/// The viewer's effective level per thread: an explicit thread level wins; otherwise a
/// network the viewer watches makes every thread in it watched.
pub async fn notification_levels(
    db: &impl ConnectionTrait,
    viewer: i64,
    threads: &[threads::Model],
) -> Result<HashMap<i64, NotificationLevel>, DbErr> {
    let ids: Vec<i64> = threads.iter().map(|t| t.id).collect();
    let explicit: HashMap<i64, String> = thread_subscriptions::Entity::find()
        .filter(thread_subscriptions::Column::MemberId.eq(viewer))
        .filter(thread_subscriptions::Column::ThreadId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.thread_id, s.level))
        .collect();
    let network_ids: Vec<i64> = threads.iter().map(|t| t.network_id).collect();
    let network_levels: HashMap<i64, String> = network_members::Entity::find()
        .filter(network_members::Column::MemberId.eq(viewer))
        .filter(network_members::Column::NetworkId.is_in(network_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.network_id, m.notification_level))
        .collect();
    Ok(threads
        .iter()
        .map(|thread| {
            let level = match explicit.get(&thread.id) {
                Some(level) => NotificationLevel::from_stored(level),
                None => match network_levels
                    .get(&thread.network_id)
                    .map(|l| NotificationLevel::from_stored(l))
                {
                    Some(NotificationLevel::Watching) => NotificationLevel::Watching,
                    Some(NotificationLevel::Muted) => NotificationLevel::Muted,
                    _ => NotificationLevel::Normal,
                },
            };
            (thread.id, level)
        })
        .collect())
}

/// Thread rows into list items for `viewer`.
pub async fn summaries(
    db: &impl ConnectionTrait,
    viewer: i64,
    threads: &[threads::Model],
) -> Result<Vec<ThreadSummary>, DbErr> {
    let ids: Vec<i64> = threads.iter().map(|t| t.id).collect();
    let mut tags = tags_of_many(db, &ids).await?;
    let author_ids: Vec<i64> = threads.iter().map(|t| t.author_id).collect();
    let authors = member_queries::find_many(db, &author_ids).await?;
    let markers = read_markers_of(db, viewer, &ids).await?;
    let unread = unread_counts(db, &markers, &ids).await?;
    let levels = notification_levels(db, viewer, threads).await?;
    Ok(threads
        .iter()
        .map(|thread| {
            ThreadSummary::new(
                thread,
                ThreadExtras {
                    tags: tags.remove(&thread.id).unwrap_or_default(),
                    author: authors.get(&thread.author_id).map(MemberRef::from),
                    unread_count: unread.get(&thread.id).copied().unwrap_or(0),
                    last_read_post_id: markers.get(&thread.id).copied(),
                    notification_level: levels
                        .get(&thread.id)
                        .copied()
                        .unwrap_or(NotificationLevel::Normal),
                },
            )
        })
        .collect())
}

pub async fn first_post(
    db: &impl ConnectionTrait,
    thread_id: i64,
) -> Result<Option<posts::Model>, DbErr> {
    posts::Entity::find()
        .filter(posts::Column::ThreadId.eq(thread_id))
        .filter(posts::Column::PostNumber.eq(1))
        .one(db)
        .await
}

/// The reaction kinds in a bit set where bit i stands for `ReactionKind::ALL[i]`.
pub(super) fn kinds_in(bits: i64) -> Vec<ReactionKind> {
    ReactionKind::ALL
        .into_iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, kind)| kind)
        .collect()
}

/// `SUM(CASE kind …)`: the bit set of the kinds in a group of reaction rows.
pub(super) fn kind_bits_sum() -> String {
    let cases: Vec<String> = ReactionKind::ALL
        .iter()
        .enumerate()
        .map(|(i, kind)| format!("WHEN '{}' THEN {}", kind.as_str(), 1 << i))
        .collect();
    format!("SUM(CASE kind {} ELSE 0 END)", cases.join(" "))
}

/// The kinds `viewer` gave each of `post_ids`, in one query.
pub async fn my_reactions(
    db: &impl ConnectionTrait,
    viewer: i64,
    post_ids: &[i64],
) -> Result<HashMap<i64, Vec<ReactionKind>>, DbErr> {
    if post_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let sql = placeholders(
        backend,
        &format!(
            "SELECT post_id, {bits} AS mine FROM reactions \
             WHERE member_id = ? AND post_id IN ({ids}) GROUP BY post_id",
            bits = kind_bits_sum(),
            ids = vec!["?"; post_ids.len()].join(", "),
        ),
    );
    let mut values: Vec<Value> = vec![viewer.into()];
    values.extend(post_ids.iter().map(|id| Value::from(*id)));
    let rows = db
        .query_all(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get_by(0)?, kinds_in(row.try_get_by(1)?))))
        .collect()
}

/// Post rows into views for `viewer`.
pub async fn post_views(
    db: &impl ConnectionTrait,
    viewer: i64,
    posts: &[posts::Model],
) -> Result<Vec<PostView>, DbErr> {
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let author_ids: Vec<i64> = posts.iter().map(|p| p.author_id).collect();
    let authors = member_queries::find_many(db, &author_ids).await?;
    let mut mine = my_reactions(db, viewer, &ids).await?;
    Ok(posts
        .iter()
        .map(|post| {
            PostView::new(
                post,
                authors.get(&post.author_id).map(MemberRef::from),
                mine.remove(&post.id).unwrap_or_default(),
            )
        })
        .collect())
}

pub async fn post_view(
    db: &impl ConnectionTrait,
    viewer: i64,
    post: &posts::Model,
) -> Result<PostView, DbErr> {
    Ok(post_views(db, viewer, std::slice::from_ref(post))
        .await?
        .pop()
        .expect("one post in, one view out"))
}
