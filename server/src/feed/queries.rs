//! The feed's one query: a page of everything in the member's networks, newest activity
//! first, read from the activity table (`feed_items`, one row per thing: see `activity.rs`)
//! with the member's read markers, item reads and follow levels, and the access guard
//! inside it.
//!
//! Shape: `scope` is the networks the member may read now (direct memberships, and the
//! sub-networks of networks they facilitate: the set digests use); `items` is one row per
//! thing in them with the member's level, unread, opened and new flags and its sort key;
//! `page` sorts and cuts one page (materialized, so the titles, excerpts and counts below are
//! read for the page's rows only).

use super::model::{FeedFilter, FeedKind};
use crate::db::placeholders;
use crate::ids::{MemberId, NetworkId};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};
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
    /// The member's previous visit (the same on every row: read with the page, so the
    /// page costs one query).
    pub previous_visit_at: Option<DateTime<Utc>>,
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

/// Which networks' things to read.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every network the member takes part in.
    Mine,
    /// These networks, those of them the member may read (instance admins read all).
    Only(&'a [i64]),
}

/// `WITH RECURSIVE me AS (…), below AS (…), scope AS (…)`: the member; the networks up to
/// four levels below those they facilitate (facilitators read their sub-networks, the set
/// digests use); and the networks of `scope` they may read now, with their follow level
/// there and when they joined (both null where they read it without taking part: below a
/// network they facilitate, or as instance admin).
///
/// `Mine` starts from the member's memberships, so its cost follows their networks, not
/// the instance's. `scope` is materialized: the planner would otherwise fold it into each
/// branch and walk every thread of the instance, checking the guard for each, instead of
/// walking the member's networks' threads by index.
fn scope_sql(member: MemberId, scope: Scope<'_>) -> Sql {
    let mut sql = Sql::new();
    sql.push(
        "WITH RECURSIVE me AS (SELECT id, previous_visit_at, created_at FROM members WHERE id = ",
    )
    .bind(member)
    .push(
        "), below(id, depth) AS (SELECT f.network_id, 0 FROM network_members f \
               WHERE f.role = 'facilitator' AND f.member_id = ",
    )
    .bind(member)
    .push(
        " UNION SELECT n.id, below.depth + 1 FROM networks n JOIN below ON n.parent_id = below.id \
               WHERE below.depth < 4)",
    );
    match scope {
        Scope::Mine => {
            sql.push(
                ", scope AS MATERIALIZED (SELECT nm.network_id AS id, nm.notification_level AS level, \
                   nm.joined_at AS joined_at FROM network_members nm WHERE nm.member_id = ",
            )
            .bind(member)
            .push(
                // The nulls stay untyped until the union types them (PostgreSQL types
                // them as text at once in a `SELECT DISTINCT`).
                " UNION ALL SELECT u.id, NULL, NULL FROM (SELECT DISTINCT b.id AS id FROM below b \
                   WHERE b.depth > 0 AND NOT EXISTS (SELECT 1 FROM network_members d \
                                                     WHERE d.network_id = b.id AND d.member_id = ",
            )
            .bind(member)
            .push(")) u)");
        }
        Scope::Only(ids) => {
            // Named networks may also be read by an instance admin without taking part.
            sql.push(
                ", scope AS MATERIALIZED (SELECT n.id AS id, nm.notification_level AS level, \
                   nm.joined_at AS joined_at FROM networks n \
                   LEFT JOIN network_members nm ON nm.network_id = n.id AND nm.member_id = ",
            )
            .bind(member)
            .push(" WHERE n.id IN (");
            if ids.is_empty() {
                sql.push("NULL");
            }
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(*id);
            }
            sql.push(
                ") AND (nm.member_id IS NOT NULL \
                   OR n.id IN (SELECT b.id FROM below b WHERE b.depth > 0) \
                   OR EXISTS (SELECT 1 FROM members sa WHERE sa.is_admin AND sa.id = ",
            )
            .bind(member)
            .push(")))");
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

/// `WITH me, scope, items AS (…)`: everything in `scope` that `member` may read now, one row
/// per thing with the member's level, unread, opened and new flags and its sort key; only as
/// far as `filter` keeps them, so the sort sees only what can be shown.
///
/// `scope` comes first in a `CROSS JOIN`, which SQLite reads as the join order: the rows are
/// then read as one run per network (the table is keyed by network). Left to itself, with
/// statistics gathered, the planner preferred to scan the whole table and probe `scope`.
fn items_sql(member: MemberId, scope: Scope<'_>, filter: FeedFilter) -> Sql {
    let mut sql = scope_sql(member, scope);
    sql.push(&format!(
        ", items AS (SELECT f.kind AS kind, f.id AS id, f.network_id AS network_id, \
           f.last_activity_at AS last_activity_at, f.activity_day AS day, f.author_id AS author_id, \
           f.last_actor_id AS last_actor_id, f.thread_id AS thread_id, {LEVEL} AS level, \
           CASE WHEN {LEVEL} = 'watching' THEN 1 ELSE 0 END AS watched, \
           CASE WHEN {UNREAD} THEN 1 ELSE 0 END AS is_unread, \
           CASE WHEN rm.member_id IS NOT NULL OR ir.member_id IS NOT NULL THEN 1 ELSE 0 END AS is_opened, \
           CASE WHEN {NEW} THEN 1 ELSE 0 END AS is_new, \
           rm.last_read_post_id AS marker, ir.read_at AS read_at \
         FROM scope s CROSS JOIN feed_items f CROSS JOIN me \
         LEFT JOIN read_markers rm ON f.kind = 'thread' AND rm.thread_id = f.id AND rm.member_id = me.id \
         LEFT JOIN item_reads ir ON f.kind <> 'thread' AND ir.member_id = me.id \
                                AND ir.subject_type = f.kind AND ir.subject_id = f.id \
         LEFT JOIN thread_subscriptions ts ON ts.thread_id = f.thread_id AND ts.member_id = me.id \
         WHERE f.network_id = s.id{cut})",
        cut = match filter {
            FeedFilter::Latest => String::new(),
            FeedFilter::Unread => format!(" AND {UNREAD} AND {LEVEL} <> 'muted'"),
            FeedFilter::New => format!(" AND {NEW} AND {LEVEL} <> 'muted'"),
        },
    ));
    sql
}

/// The member's follow level of a thing: its thread's own level (a thread, or the discussion
/// of a resource, initiative or test of change) wins; a muted or watched network passes its
/// level to everything in it.
const LEVEL: &str = "CASE WHEN ts.level IS NOT NULL THEN ts.level \
                          WHEN s.level IN ('muted', 'watching') THEN s.level ELSE 'normal' END";

/// Something in it the member has not read: a thread's newest post is past their marker;
/// another thing's newest activity is someone else's, after they last read it.
const UNREAD: &str =
    "(CASE WHEN f.kind = 'thread' THEN f.last_post_id > COALESCE(rm.last_read_post_id, 0) \
                            ELSE f.last_actor_id <> me.id \
                                 AND (ir.read_at IS NULL OR f.last_activity_at > ir.read_at) END)";

/// Someone else's, created since the member's previous visit (or since they joined its
/// network, if later), and never opened.
const NEW: &str = "(f.author_id <> me.id AND rm.member_id IS NULL AND ir.member_id IS NULL \
                    AND f.created_at > CASE WHEN s.joined_at IS NOT NULL \
                                             AND (me.previous_visit_at IS NULL OR s.joined_at > me.previous_visit_at) \
                                            THEN s.joined_at ELSE COALESCE(me.previous_visit_at, me.created_at) END)";

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
    let mut sql = items_sql(member, Scope::Only(networks), FeedFilter::Unread);
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
    let sql = page_sql(member, network, filter, cursor, limit);
    let statement =
        Statement::from_sql_and_values(backend, placeholders(backend, &sql.text), sql.values);
    db.query_all(statement).await?.iter().map(row_of).collect()
}

fn page_sql(
    member: MemberId,
    network: Option<NetworkId>,
    filter: FeedFilter,
    cursor: Option<&FeedCursor>,
    limit: u64,
) -> Sql {
    let only = network.map(|n| [n.get()]);
    let scope = match &only {
        Some(one) => Scope::Only(one),
        None => Scope::Mine,
    };
    let mut sql = items_sql(member, scope, filter);
    sql.push(", page AS MATERIALIZED (SELECT * FROM items WHERE ");
    page_of(&mut sql, filter, cursor, limit);
    sql.push(" ");
    // Titles, excerpts, counts and where to start reading, from each kind's own tables, for
    // the page's rows only. A thread's opening post is its first by id (one index step,
    // where asking for post number 1 walks the thread).
    sql.push(
        "SELECT page.kind, page.id, page.network_id, n.name, \
           COALESCE(t.title, h.title, r.title, p.question, c.title, i.title, x.change_idea), \
           CASE page.kind WHEN 'thread' THEN CASE WHEN fp.post_number = 1 AND fp.deleted_at IS NULL THEN fp.body END \
                WHEN 'help_request' THEN h.body WHEN 'resource' THEN r.description \
                WHEN 'poll' THEN p.description WHEN 'convening' THEN c.agenda \
                WHEN 'initiative' THEN i.problem ELSE x.prediction END, \
           page.last_activity_at, page.author_id, a.id, a.handle, a.display_name, \
           COALESCE(h.is_anonymous, FALSE), page.thread_id, \
           CAST(CASE page.kind WHEN 'thread' THEN t.reply_count WHEN 'help_request' THEN h.response_count \
                WHEN 'poll' THEN 0 WHEN 'convening' THEN 0 ELSE COALESCE(d.reply_count, 0) END AS BIGINT), \
           CAST(CASE page.kind WHEN 'thread' THEN CASE WHEN fp.post_number = 1 THEN fp.helpful_count ELSE 0 END \
                WHEN 'resource' THEN r.helpful_count ELSE 0 END AS BIGINT), \
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
                THEN (SELECT q.post_number FROM posts q WHERE q.thread_id = page.thread_id \
                      AND q.id > COALESCE(page.marker, 0) AND q.deleted_at IS NULL ORDER BY q.id LIMIT 1) \
                WHEN page.read_at IS NOT NULL \
                THEN (SELECT q.post_number FROM posts q WHERE q.thread_id = page.thread_id \
                      AND q.created_at > page.read_at AND q.deleted_at IS NULL ORDER BY q.id LIMIT 1) END AS BIGINT), \
           CAST(page.day AS BIGINT), CAST(page.watched AS BIGINT), me.previous_visit_at \
         FROM page JOIN networks n ON n.id = page.network_id CROSS JOIN me \
         LEFT JOIN members a ON a.id = page.last_actor_id \
         LEFT JOIN threads t ON page.kind = 'thread' AND t.id = page.id \
         LEFT JOIN help_requests h ON page.kind = 'help_request' AND h.id = page.id \
         LEFT JOIN resources r ON page.kind = 'resource' AND r.id = page.id \
         LEFT JOIN polls p ON page.kind = 'poll' AND p.id = page.id \
         LEFT JOIN convenings c ON page.kind = 'convening' AND c.id = page.id \
         LEFT JOIN initiatives i ON page.kind = 'initiative' AND i.id = page.id \
         LEFT JOIN tests_of_change x ON page.kind = 'test' AND x.id = page.id \
         LEFT JOIN threads d ON page.kind <> 'thread' AND d.id = page.thread_id \
         LEFT JOIN posts fp ON page.kind = 'thread' \
                           AND fp.id = (SELECT MIN(f.id) FROM posts f WHERE f.thread_id = page.id) \
         ORDER BY page.day DESC, page.watched DESC, page.last_activity_at DESC, page.kind DESC, page.id DESC"
    );
    sql
}

/// `<filter> AND <after cursor> ORDER BY … LIMIT <limit + 1>)`: the rest of a page's
/// `SELECT * FROM <items> WHERE `.
fn page_of(sql: &mut Sql, filter: FeedFilter, cursor: Option<&FeedCursor>, limit: u64) {
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
    sql.push(" ORDER BY day DESC, watched DESC, last_activity_at DESC, kind DESC, id DESC LIMIT ")
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .push(")");
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
        previous_visit_at: row.try_get_by(22)?,
    })
}
