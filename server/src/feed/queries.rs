//! The feed's one query: a page of everything in the member's networks, newest activity
//! first, read from what already exists (threads' last activity and posts, read markers,
//! item reads, follow levels, memberships), with the access guard inside it.
//!
//! Shape: `scope` is the networks the member may read now (direct memberships, and the
//! sub-networks of networks they facilitate: the set digests use); `items` is one row per
//! thing, each kind's branch reading its own table; `page` sorts and cuts one page
//! (materialized, so the per-item counts below are computed for the page's rows only).

use super::model::{FeedFilter, FeedKind};
use crate::db::placeholders;
use crate::ids::{MemberId, NetworkId};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Position in the feed: the sort key of the last item shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedCursor {
    /// Day (UTC) of the last activity, as days since 1970-01-01.
    #[serde(rename = "d")]
    pub day: i64,
    /// 1 when the item is watched.
    #[serde(rename = "w")]
    pub watched: i64,
    #[serde(rename = "t")]
    pub last_activity_at: DateTime<Utc>,
    #[serde(rename = "k")]
    pub kind: String,
    #[serde(rename = "i")]
    pub id: i64,
}

/// One row of a feed page, as the query reads it.
#[derive(Debug)]
pub struct FeedRow {
    pub kind: FeedKind,
    pub id: i64,
    pub network_id: i64,
    pub network_name: String,
    pub title: String,
    /// Markdown source the excerpt is cut from.
    pub body: Option<String>,
    pub last_activity_at: DateTime<Utc>,
    pub author_id: i64,
    pub last_actor_id: Option<i64>,
    pub last_actor_handle: Option<String>,
    pub last_actor_name: Option<String>,
    pub is_anonymous: bool,
    pub thread_id: Option<i64>,
    pub reply_count: i64,
    pub helpful_count: i64,
    pub is_unread: bool,
    pub is_new: bool,
    pub is_opened: bool,
    /// Unread posts (threads), or responses / discussion posts since last read.
    pub unread_units: i64,
    /// The post number to start reading at, if a post is where to start.
    pub first_unread_post: Option<i64>,
    pub cursor: FeedCursor,
}

/// SQL text and its values, written side by side so a placeholder never drifts from its
/// value.
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new() -> Sql {
        Sql {
            text: String::new(),
            values: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: impl Into<Value>) -> &mut Sql {
        self.text.push('?');
        self.values.push(value.into());
        self
    }
}

/// The latest of several timestamps, the first never null.
fn latest(backend: DbBackend, first: &str, others: &[&str]) -> String {
    if backend == DbBackend::Postgres {
        format!("GREATEST({first}, {})", others.join(", "))
    } else {
        // SQLite's MAX(a, b, …) is null if any is: stand the first in for a missing one.
        let others: Vec<String> = others
            .iter()
            .map(|other| format!("COALESCE({other}, {first})"))
            .collect();
        format!("MAX({first}, {})", others.join(", "))
    }
}

/// Days since the epoch (UTC) of a timestamp column.
fn day_of(backend: DbBackend, column: &str) -> String {
    if backend == DbBackend::Postgres {
        format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 86400) AS BIGINT)")
    } else {
        format!("(CAST(strftime('%s', {column}) AS INTEGER) / 86400)")
    }
}

/// Threads that are the discussion of a resource, initiative or test of change are that
/// thing's activity, not items of their own.
const NOT_A_DISCUSSION: &str = "\
    NOT EXISTS (SELECT 1 FROM resources dr WHERE dr.discussion_thread_id = t.id) \
    AND NOT EXISTS (SELECT 1 FROM initiatives di WHERE di.discussion_thread_id = t.id) \
    AND NOT EXISTS (SELECT 1 FROM tests_of_change dt WHERE dt.discussion_thread_id = t.id)";

/// The branches of `items`, one per kind, with the same columns: kind, id, network_id,
/// title, body, created_at, last_activity_at, author_id, last_actor_id, is_anonymous,
/// thread_id, reply_count, helpful_count, last_post_id.
fn branches(backend: DbBackend) -> String {
    let in_scope = |alias: &str| format!("{alias}.network_id IN (SELECT id FROM scope)");
    let discussion =
        "LEFT JOIN threads d ON d.id = {t}.discussion_thread_id AND d.deleted_at IS NULL \
                      LEFT JOIN posts dp ON dp.id = d.last_post_id";
    let thread = format!(
        "SELECT 'thread' AS kind, t.id AS id, t.network_id AS network_id, t.title AS title, \
           CAST(NULL AS TEXT) AS body, t.created_at AS created_at, t.last_activity_at AS last_activity_at, \
           t.author_id AS author_id, COALESCE(lp.author_id, t.author_id) AS last_actor_id, \
           FALSE AS is_anonymous, t.id AS thread_id, t.reply_count AS reply_count, \
           0 AS helpful_count, t.last_post_id AS last_post_id \
         FROM threads t LEFT JOIN posts lp ON lp.id = t.last_post_id \
         WHERE t.deleted_at IS NULL AND {scope} AND {NOT_A_DISCUSSION}",
        scope = in_scope("t"),
    );
    let help = format!(
        "SELECT 'help_request', h.id, h.network_id, h.title, h.body, h.created_at, \
           {activity}, h.author_id, \
           COALESCE((SELECT r.author_id FROM help_responses r WHERE r.help_request_id = h.id \
                     ORDER BY r.created_at DESC, r.id DESC LIMIT 1), h.author_id), \
           h.is_anonymous, NULL, h.response_count, 0, NULL \
         FROM help_requests h WHERE h.deleted_at IS NULL AND {scope}",
        activity = latest(
            backend,
            "h.created_at",
            &["(SELECT MAX(r.created_at) FROM help_responses r WHERE r.help_request_id = h.id)"]
        ),
        scope = in_scope("h"),
    );
    let resource = format!(
        "SELECT 'resource', r.id, r.network_id, r.title, r.description, r.created_at, {activity}, \
           r.author_id, CASE WHEN d.last_activity_at > r.created_at THEN COALESCE(dp.author_id, r.author_id) \
                             ELSE r.author_id END, \
           FALSE, d.id, COALESCE(d.reply_count, 0), r.helpful_count, d.last_post_id \
         FROM resources r {discussion} WHERE r.deleted_at IS NULL AND {scope}",
        activity = latest(backend, "r.created_at", &["d.last_activity_at"]),
        discussion = discussion.replace("{t}", "r"),
        scope = in_scope("r"),
    );
    let poll = format!(
        "SELECT 'poll', p.id, p.network_id, p.question, p.description, p.created_at, {activity}, \
           p.author_id, p.author_id, FALSE, NULL, 0, 0, NULL \
         FROM polls p WHERE p.deleted_at IS NULL AND {scope}",
        activity = latest(backend, "p.created_at", &["p.closed_at"]),
        scope = in_scope("p"),
    );
    let convening = format!(
        "SELECT 'convening', c.id, c.network_id, c.title, c.agenda, c.created_at, c.updated_at, \
           c.created_by, c.created_by, FALSE, NULL, 0, 0, NULL \
         FROM convenings c WHERE {scope}",
        scope = in_scope("c"),
    );
    let initiative = format!(
        "SELECT 'initiative', i.id, i.network_id, i.title, i.problem, i.created_at, {activity}, \
           i.created_by, \
           CASE WHEN ci.submitted_at IS NOT NULL AND ci.submitted_at >= COALESCE(d.last_activity_at, i.created_at) \
                  THEN ci.submitted_by \
                WHEN d.last_activity_at > i.created_at THEN COALESCE(dp.author_id, i.created_by) \
                ELSE i.created_by END, \
           FALSE, d.id, COALESCE(d.reply_count, 0), 0, d.last_post_id \
         FROM initiatives i {discussion} \
         LEFT JOIN check_ins ci ON ci.id = (SELECT c2.id FROM check_ins c2 WHERE c2.initiative_id = i.id \
                                            ORDER BY c2.submitted_at DESC, c2.id DESC LIMIT 1) \
         WHERE {scope}",
        activity = latest(
            backend,
            "i.created_at",
            &["d.last_activity_at", "ci.submitted_at"]
        ),
        discussion = discussion.replace("{t}", "i"),
        scope = in_scope("i"),
    );
    let test = format!(
        "SELECT 'test', x.id, x.network_id, x.change_idea, x.prediction, x.created_at, {activity}, \
           x.created_by, CASE WHEN d.last_activity_at > x.updated_at THEN COALESCE(dp.author_id, x.created_by) \
                              ELSE x.created_by END, \
           FALSE, d.id, COALESCE(d.reply_count, 0), 0, d.last_post_id \
         FROM tests_of_change x {discussion} WHERE {scope}",
        activity = latest(backend, "x.updated_at", &["d.last_activity_at"]),
        discussion = discussion.replace("{t}", "x"),
        scope = in_scope("x"),
    );
    [thread, help, resource, poll, convening, initiative, test].join(" UNION ALL ")
}

/// Which networks' things to read.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every network the member takes part in.
    Mine,
    /// These networks, those of them the member may read (instance admins read all).
    Only(&'a [i64]),
}

/// `WITH scope AS (…)`: the networks of `scope` that `member` may read now.
fn scope_sql(member: MemberId, scope: Scope<'_>) -> Sql {
    let mut sql = Sql::new();
    // The guard: networks the member may read now. Named networks may be read by an
    // instance admin without taking part in them.
    sql.push(
        "WITH scope AS (SELECT n.id AS id FROM networks n \
           LEFT JOIN networks a1 ON a1.id = n.parent_id \
           LEFT JOIN networks a2 ON a2.id = a1.parent_id \
           LEFT JOIN networks a3 ON a3.id = a2.parent_id \
           WHERE (EXISTS (SELECT 1 FROM network_members sd WHERE sd.network_id = n.id AND sd.member_id = ",
    )
    .bind(member)
    .push(") OR EXISTS (SELECT 1 FROM network_members sf WHERE sf.member_id = ")
    .bind(member)
    .push(
        " AND sf.role = 'facilitator' \
              AND sf.network_id IN (n.parent_id, a1.parent_id, a2.parent_id, a3.parent_id))",
    );
    match scope {
        Scope::Mine => {
            sql.push("))");
        }
        Scope::Only(ids) => {
            sql.push(" OR EXISTS (SELECT 1 FROM members sa WHERE sa.is_admin AND sa.id = ")
                .bind(member)
                .push(")) AND n.id IN (");
            if ids.is_empty() {
                sql.push("NULL");
            }
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(*id);
            }
            sql.push("))");
        }
    }
    sql
}

/// Whether `member` may read `network` now, by the feed's own guard (instance admins may).
pub async fn reads_network(
    db: &impl ConnectionTrait,
    member: MemberId,
    network: NetworkId,
) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = scope_sql(member, Scope::Only(&[network.get()]));
    sql.push(" SELECT COUNT(*) FROM scope");
    let statement =
        Statement::from_sql_and_values(backend, placeholders(backend, &sql.text), sql.values);
    let count: i64 = match db.query_one(statement).await? {
        Some(row) => row.try_get_by(0)?,
        None => 0,
    };
    Ok(count > 0)
}

/// `WITH scope AS (…), items AS (…)`: everything in `scope` that `member` may read now,
/// one row per thing with the member's level, unread, opened and new flags.
fn items_sql(backend: DbBackend, member: MemberId, scope: Scope<'_>) -> Sql {
    let mut sql = scope_sql(member, scope);
    // Follow level: a thread's own level wins; a muted or watched network passes its level
    // to everything in it.
    let level = "CASE WHEN ts.level IS NOT NULL THEN ts.level \
                      WHEN nm.notification_level IN ('muted', 'watching') THEN nm.notification_level \
                      ELSE 'normal' END";
    let is_unread = "((x.kind = 'thread' AND x.last_post_id > COALESCE(rm.last_read_post_id, 0)) \
                     OR (x.kind <> 'thread' AND x.last_actor_id <> me.id \
                         AND (ir.read_at IS NULL OR x.last_activity_at > ir.read_at)))";
    let is_opened = "((x.kind = 'thread' AND rm.member_id IS NOT NULL) \
                     OR (x.kind <> 'thread' AND ir.member_id IS NOT NULL))";
    // New since the previous visit, or since joining the network if that is later.
    let since = "CASE WHEN nm.joined_at IS NOT NULL \
                       AND (me.previous_visit_at IS NULL OR nm.joined_at > me.previous_visit_at) \
                     THEN nm.joined_at ELSE COALESCE(me.previous_visit_at, me.created_at) END";
    sql.push(&format!(
        ", items AS (SELECT x.*, {level} AS level, \
           CASE WHEN {is_unread} THEN 1 ELSE 0 END AS is_unread, \
           CASE WHEN {is_opened} THEN 1 ELSE 0 END AS is_opened, \
           CASE WHEN x.author_id <> me.id AND x.created_at > {since} AND NOT {is_opened} THEN 1 ELSE 0 END AS is_new, \
           rm.last_read_post_id AS marker, ir.read_at AS read_at, \
           {day} AS day, CASE WHEN {level} = 'watching' THEN 1 ELSE 0 END AS watched \
         FROM ({branches}) x \
         JOIN members me ON me.id = ",
        day = day_of(backend, "x.last_activity_at"),
        branches = branches(backend),
    ))
    .bind(member)
    .push(" LEFT JOIN network_members nm ON nm.network_id = x.network_id AND nm.member_id = me.id \
            LEFT JOIN thread_subscriptions ts ON ts.thread_id = x.thread_id AND ts.member_id = me.id \
            LEFT JOIN read_markers rm ON rm.thread_id = x.thread_id AND rm.member_id = me.id \
            LEFT JOIN item_reads ir ON ir.member_id = me.id AND ir.subject_type = x.kind AND ir.subject_id = x.id)");
    sql
}

/// Per network and kind, how many things have something `member` has not read (muted
/// threads and networks left out), in those of `networks` the member may read.
pub async fn unread_counts(
    db: &impl ConnectionTrait,
    member: MemberId,
    networks: &[i64],
) -> Result<HashMap<(i64, FeedKind), u64>, DbErr> {
    if networks.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let mut sql = items_sql(backend, member, Scope::Only(networks));
    sql.push(
        ", counted AS (SELECT network_id, kind FROM items WHERE level <> 'muted' AND is_unread = 1) \
         SELECT network_id, kind, COUNT(*) FROM counted GROUP BY network_id, kind",
    );
    let statement =
        Statement::from_sql_and_values(backend, placeholders(backend, &sql.text), sql.values);
    let mut counts = HashMap::new();
    for row in db.query_all(statement).await? {
        let kind: String = row.try_get_by(1)?;
        if let Some(kind) = FeedKind::from_stored(&kind) {
            let count: i64 = row.try_get_by(2)?;
            counts.insert(
                (row.try_get_by(0)?, kind),
                u64::try_from(count).unwrap_or(0),
            );
        }
    }
    Ok(counts)
}

/// One page of `member`'s feed after `cursor`: up to `limit + 1` rows.
pub async fn feed_page(
    db: &impl ConnectionTrait,
    member: MemberId,
    network: Option<NetworkId>,
    filter: FeedFilter,
    cursor: Option<&FeedCursor>,
    limit: u64,
) -> Result<Vec<FeedRow>, DbErr> {
    let backend = db.get_database_backend();
    let only = network.map(|n| [n.get()]);
    let scope = match &only {
        Some(one) => Scope::Only(one),
        None => Scope::Mine,
    };
    let mut sql = items_sql(backend, member, scope);
    sql.push(", page AS MATERIALIZED (SELECT * FROM items WHERE ");
    match filter {
        FeedFilter::Latest => sql.push("1 = 1"),
        FeedFilter::Unread => sql.push("level <> 'muted' AND is_unread = 1"),
        FeedFilter::New => sql.push("level <> 'muted' AND is_new = 1"),
    };
    if let Some(cursor) = cursor {
        // Strictly after the cursor in (day, watched, last_activity_at, kind, id), all
        // descending.
        sql.push(" AND (day < ")
            .bind(cursor.day)
            .push(" OR (day = ")
            .bind(cursor.day)
            .push(" AND (watched < ")
            .bind(cursor.watched)
            .push(" OR (watched = ")
            .bind(cursor.watched)
            .push(" AND (last_activity_at < ")
            .bind(cursor.last_activity_at)
            .push(" OR (last_activity_at = ")
            .bind(cursor.last_activity_at)
            .push(" AND (kind < ")
            .bind(cursor.kind.clone())
            .push(" OR (kind = ")
            .bind(cursor.kind.clone())
            .push(" AND id < ")
            .bind(cursor.id)
            .push("))))))))");
    }
    // Watched things come first within a day (UTC), then newest activity.
    const ORDER: &str =
        "ORDER BY day DESC, watched DESC, last_activity_at DESC, kind DESC, id DESC";
    sql.push(&format!(" {ORDER} LIMIT "))
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .push(") ");
    // Counts and where to start reading, for the page's rows only.
    sql.push(
        "SELECT page.kind, page.id, page.network_id, n.name, page.title, \
           CASE WHEN page.kind = 'thread' \
                THEN (SELECT fp.body FROM posts fp WHERE fp.thread_id = page.id AND fp.post_number = 1 AND fp.deleted_at IS NULL) \
                ELSE page.body END, \
           page.last_activity_at, page.author_id, page.last_actor_id, a.handle, a.display_name, \
           page.is_anonymous, page.thread_id, CAST(page.reply_count AS BIGINT), \
           CAST(CASE WHEN page.kind = 'thread' \
                THEN (SELECT fp.helpful_count FROM posts fp WHERE fp.thread_id = page.id AND fp.post_number = 1) \
                ELSE page.helpful_count END AS BIGINT), \
           CAST(page.is_unread AS BIGINT), CAST(page.is_new AS BIGINT), CAST(page.is_opened AS BIGINT), \
           CASE WHEN page.kind = 'thread' \
                THEN (SELECT COUNT(*) FROM posts q WHERE q.thread_id = page.thread_id AND q.deleted_at IS NULL \
                      AND q.id > COALESCE(page.marker, 0)) \
                WHEN page.kind = 'help_request' \
                THEN (SELECT COUNT(*) FROM help_responses q WHERE q.help_request_id = page.id \
                      AND (page.read_at IS NULL OR q.created_at > page.read_at)) \
                ELSE (SELECT COUNT(*) FROM posts q WHERE q.thread_id = page.thread_id AND q.deleted_at IS NULL \
                      AND q.post_number > 1 AND (page.read_at IS NULL OR q.created_at > page.read_at)) END, \
           CAST(CASE WHEN page.kind = 'thread' \
                THEN (SELECT MIN(q.post_number) FROM posts q WHERE q.thread_id = page.thread_id \
                      AND q.deleted_at IS NULL AND q.id > COALESCE(page.marker, 0)) \
                WHEN page.read_at IS NOT NULL \
                THEN (SELECT MIN(q.post_number) FROM posts q WHERE q.thread_id = page.thread_id \
                      AND q.deleted_at IS NULL AND q.created_at > page.read_at) END AS BIGINT), \
           CAST(page.day AS BIGINT), CAST(page.watched AS BIGINT) \
         FROM page JOIN networks n ON n.id = page.network_id \
         LEFT JOIN members a ON a.id = page.last_actor_id \
         ORDER BY page.day DESC, page.watched DESC, page.last_activity_at DESC, page.kind DESC, page.id DESC"
    );
    let statement =
        Statement::from_sql_and_values(backend, placeholders(backend, &sql.text), sql.values);
    db.query_all(statement).await?.iter().map(row_of).collect()
}

fn row_of(row: &QueryResult) -> Result<FeedRow, DbErr> {
    let kind: String = row.try_get_by(0)?;
    let kind = FeedKind::from_stored(&kind)
        .ok_or_else(|| DbErr::Custom(format!("unknown feed item kind {kind:?}")))?;
    let id: i64 = row.try_get_by(1)?;
    let last_activity_at: DateTime<Utc> = row.try_get_by(6)?;
    let flag = |index: usize| -> Result<bool, DbErr> { Ok(row.try_get_by::<i64, _>(index)? != 0) };
    let count = |index: usize| -> Result<i64, DbErr> {
        Ok(row.try_get_by::<Option<i64>, _>(index)?.unwrap_or(0))
    };
    Ok(FeedRow {
        kind,
        id,
        network_id: row.try_get_by(2)?,
        network_name: row.try_get_by(3)?,
        title: row.try_get_by(4)?,
        body: row.try_get_by(5)?,
        last_activity_at,
        author_id: row.try_get_by(7)?,
        last_actor_id: row.try_get_by(8)?,
        last_actor_handle: row.try_get_by(9)?,
        last_actor_name: row.try_get_by(10)?,
        is_anonymous: row.try_get_by(11)?,
        thread_id: row.try_get_by(12)?,
        reply_count: count(13)?,
        helpful_count: count(14)?,
        is_unread: flag(15)?,
        is_new: flag(16)?,
        is_opened: flag(17)?,
        unread_units: count(18)?,
        first_unread_post: row.try_get_by::<Option<i64>, _>(19)?,
        cursor: FeedCursor {
            day: row.try_get_by(20)?,
            watched: row.try_get_by(21)?,
            last_activity_at,
            kind: kind.as_str().to_owned(),
            id,
        },
    })
}
