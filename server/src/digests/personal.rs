//! The sections about the reader's own affairs (answers to their help requests, mentions
//! and replies, their action items, check-ins their team owes): driven by rows that name
//! the reader, so each is one query for a whole batch, the reader's rows ranked and counted
//! within it.

use super::compose::{Item, Section, SectionKind, Seen, EXCERPT_CHARS, FETCH_CAP, TOTAL_CAP};
use crate::db::placeholders;
use crate::markdown::one_line;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};
use std::collections::HashMap;

/// The members a query is for, as two tables every query starts from: `rd(member_id,
/// since)`, and `rn(member_id, network_id)` for the networks each may read (muted ones
/// left out).
pub struct Queries<'a, C> {
    pub db: &'a C,
    pub readers: Vec<(i64, DateTime<Utc>)>,
    /// `[[member, network], …]`.
    pub pairs: crate::db::IdPairs,
    pub now: DateTime<Utc>,
}

/// The row's `network` is one the reader may read. A condition, not a join: each section
/// starts from rows that name the reader (few), and a join let PostgreSQL start from every
/// (reader, network) pair crossed with every thread of the network instead (thousands of
/// rows for a batch, each then looked up in `notifications`).
fn readable(network: &str) -> String {
    format!("(rd.member_id, {network}) IN (SELECT member_id, network_id FROM rn)")
}

/// Threads the reader muted.
const THREAD_NOT_MUTED: &str = "NOT EXISTS (SELECT 1 FROM thread_subscriptions ts \
     WHERE ts.thread_id = t.id AND ts.member_id = rd.member_id AND ts.level = 'muted')";

impl<C: ConnectionTrait> Queries<'_, C> {
    /// Runs a section query: `select` and `from_where` (which starts from `rd`, may group,
    /// and binds `?` from `values` in order) give each reader's rows; the first
    /// `FETCH_CAP` of each, by `order`, come back with the reader's total and the count of
    /// the row's `network`, and so does the first row of each network further down (only
    /// its count is used, for "see all").
    async fn ranked(
        &self,
        select: &str,
        from_where: &str,
        order: &str,
        network: &str,
        values: Vec<Value>,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let backend = self.db.get_database_backend();
        let readers = vec!["(?, ?)"; self.readers.len()].join(", ");
        // The (member, network) pairs (hundreds per batch) travel as one value.
        let pairs = self.pairs.query(backend);
        let sql = format!(
            "WITH rd(member_id, since) AS (VALUES {readers}), \
                  rn(member_id, network_id) AS ({pairs}) \
             SELECT * FROM (SELECT rd.member_id AS reader, {select}, {network} AS network_id, \
                 ROW_NUMBER() OVER (PARTITION BY rd.member_id ORDER BY {order}) AS rank_in, \
                 COUNT(*) OVER (PARTITION BY rd.member_id) AS total_in, \
                 COUNT(*) OVER (PARTITION BY rd.member_id, {network}) AS in_network, \
                 ROW_NUMBER() OVER (PARTITION BY rd.member_id, {network} ORDER BY {order}) AS rank_in_network \
               FROM {from_where}) ranked \
             WHERE rank_in <= {FETCH_CAP} OR rank_in_network = 1 ORDER BY reader, rank_in"
        );
        let mut all = Vec::with_capacity(self.readers.len() * 2 + 1 + values.len());
        for (member, since) in &self.readers {
            all.push(Value::from(*member));
            all.push(Value::from(*since));
        }
        all.extend(self.pairs.values(backend));
        all.extend(values);
        self.db
            .query_all(Statement::from_sql_and_values(
                backend,
                placeholders(backend, &sql),
                all,
            ))
            .await
    }

    /// Groups ranked rows by reader into sections, each row made an item by `item`.
    fn sections(
        kind: SectionKind,
        rows: &[QueryResult],
        mut item: impl FnMut(i64, &QueryResult) -> Result<Item, DbErr>,
    ) -> Result<HashMap<i64, Section>, DbErr> {
        let mut out: HashMap<i64, Section> = HashMap::new();
        for row in rows {
            let reader: i64 = row.try_get("", "reader")?;
            let total: i64 = row.try_get("", "total_in")?;
            let network: i64 = row.try_get("", "network_id")?;
            let in_network: i64 = row.try_get("", "in_network")?;
            let rank: i64 = row.try_get("", "rank_in")?;
            let section = out.entry(reader).or_insert_with(|| {
                Section::new(
                    kind,
                    Vec::new(),
                    usize::try_from(total).unwrap_or(0).min(TOTAL_CAP + 1),
                )
            });
            if !section.by_network.iter().any(|(n, _)| *n == network) {
                section
                    .by_network
                    .push((network, usize::try_from(in_network).unwrap_or(0)));
            }
            // A network's first row past the items brings only its count, for "see all".
            if rank <= FETCH_CAP as i64 {
                section.items.push(Item {
                    network: Some(network),
                    ..item(reader, row)?
                });
            }
        }
        Ok(out)
    }

    /// A section whose rows carry `title`, `path`, `context`, `seen_key` and
    /// `seen_version`, and may carry `body` (markdown the excerpt is cut from).
    async fn plain(
        &self,
        kind: SectionKind,
        select: &str,
        from_where: &str,
        order: &str,
        network: &str,
        values: Vec<Value>,
    ) -> Result<HashMap<i64, Section>, DbErr> {
        let rows = self
            .ranked(select, from_where, order, network, values)
            .await?;
        Self::sections(kind, &rows, |_, row| {
            let body: Option<String> = row.try_get("", "body").ok().flatten();
            Ok(Item {
                title: row.try_get("", "title")?,
                path: row.try_get("", "path")?,
                context: row.try_get("", "context")?,
                excerpt: body
                    .map(|body| one_line(&body, EXCERPT_CHARS))
                    .filter(|line| !line.is_empty()),
                seen: Seen {
                    key: row.try_get("", "seen_key")?,
                    version: row.try_get("", "seen_version")?,
                },
                network: None,
            })
        })
    }

    /// Responses to the reader's own requests, unless the notification about them was read.
    pub async fn answers_for_you(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::AnswersForYou,
            &format!(
                "h.title AS title, {path} AS path, {answer_line} AS context, r.body AS body, \
                 {key} AS seen_key, {version} AS seen_version",
                path = concat_sql(&["'/help-requests/'", &cast_text("h.id")]),
                answer_line = concat_sql(&["a.display_name", "' answered'"]),
                key = concat_sql(&["'help_request:'", &cast_text("h.id")]),
                version = concat_sql(&["'r'", &cast_text("r.id")]),
            ),
            &format!(
                "rd JOIN help_requests h ON h.author_id = rd.member_id \
             JOIN help_responses r ON r.help_request_id = h.id \
             JOIN members a ON a.id = r.author_id \
             WHERE r.author_id <> rd.member_id AND r.created_at > rd.since AND h.deleted_at IS NULL \
               AND {readable} AND NOT EXISTS (SELECT 1 FROM notifications nt WHERE nt.recipient_id = rd.member_id \
                  AND nt.kind = 'help_responded' AND nt.subject_id = h.id \
                  AND ((nt.read_at IS NOT NULL AND nt.read_at >= r.created_at) \
                    OR (nt.email_message_id IS NOT NULL AND nt.created_at >= r.created_at)))",
                readable = readable("h.network_id")
            ),
            "r.created_at DESC",
            "h.network_id",
            vec![],
        )
        .await
    }

    /// Unread mention and reply notifications about posts still there, in threads not muted
    /// and not read since.
    pub async fn mentions(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::Mentions,
            &format!(
                "t.title AS title, {path} AS path, {context} AS context, p.body AS body, \
                 {key} AS seen_key, {version} AS seen_version",
                key = discussed_key("t.id"),
                version = concat_sql(&["'p'", &cast_text("p.id")]),
                path = concat_sql(&[
                    "'/threads/'",
                    &cast_text("t.id"),
                    "'#post-'",
                    &cast_text("p.post_number")
                ]),
                context = concat_sql(&[
                    "a.display_name",
                    "CASE WHEN nt.kind = 'mentioned' THEN ' mentioned you' ELSE ' replied to you' END"
                ]),
            ),
            &format!(
                "rd JOIN notifications nt ON nt.recipient_id = rd.member_id \
                 JOIN posts p ON p.id = nt.subject_id AND p.deleted_at IS NULL \
                 JOIN threads t ON t.id = p.thread_id AND t.deleted_at IS NULL \
                 JOIN members a ON a.id = p.author_id \
                 WHERE nt.kind IN ('mentioned', 'replied') AND nt.subject_type = 'post' \
                   AND nt.read_at IS NULL AND nt.created_at > rd.since AND {readable} \
                   AND nt.email_message_id IS NULL \
                   AND {THREAD_NOT_MUTED} \
                   AND NOT EXISTS (SELECT 1 FROM read_markers rm WHERE rm.thread_id = t.id \
                      AND rm.member_id = rd.member_id AND rm.last_read_post_id >= p.id)",
                readable = readable("t.network_id")
            ),
            "nt.created_at DESC",
            "t.network_id",
            vec![],
        )
        .await
    }

    pub async fn action_items(&self) -> Result<HashMap<i64, Section>, DbErr> {
        let rows = self
            .ranked(
                "a.id AS id, a.title AS title, a.due_on AS due_on, c.id AS convening_id, c.title AS convening",
                &format!(
                    "rd JOIN action_items a ON a.owner_id = rd.member_id \
                 JOIN convenings c ON c.id = a.convening_id \
                 WHERE a.status = 'open' AND a.due_on IS NOT NULL AND {}",
                    readable("c.network_id")
                ),
                "a.due_on ASC, a.id ASC",
                "c.network_id",
                vec![],
            )
            .await?;
        let today = self.now.date_naive();
        Self::sections(SectionKind::ActionItems, &rows, |_, row| {
            let due: chrono::NaiveDate = row.try_get("", "due_on")?;
            let convening_id: i64 = row.try_get("", "convening_id")?;
            let convening: String = row.try_get("", "convening")?;
            let when = if due < today {
                format!("overdue since {}", super::dates::day(due, today))
            } else {
                format!("due {}", super::dates::day(due, today))
            };
            let id: i64 = row.try_get("", "id")?;
            Ok(Item {
                title: row.try_get("", "title")?,
                path: format!("/convenings/{convening_id}"),
                context: format!("{when} · from {convening}"),
                excerpt: None,
                seen: Seen::new(format!("action_item:{id}"), format!("d{due}")),
                network: None,
            })
        })
    }

    /// Periods the reader was reminded of (see `initiatives/reminders.rs`) whose check-in
    /// is still missing, on teams they are still on.
    pub async fn check_ins_due(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::CheckInsDue,
            &format!(
                "{title} AS title, {path} AS path, {context} AS context, \
                 {key} AS seen_key, '' AS seen_version",
                key = concat_sql(&["'check_in:'", &cast_text("t.id"), "':'", &cast_text("cr.period")]),
                title = concat_sql(&["t.name", "': check in for the period of '", &cast_text("cr.period")]),
                path = concat_sql(&["'/initiatives/'", &cast_text("i.id"), "'#check-in'"]),
                context = concat_sql(&["i.measure_name", "' · '", "i.title"]),
            ),
            &format!(
                "rd JOIN check_in_reminders cr ON cr.member_id = rd.member_id \
             JOIN initiative_teams t ON t.id = cr.team_id AND t.deleted_at IS NULL \
             JOIN initiative_team_members tm ON tm.team_id = t.id AND tm.member_id = rd.member_id \
             JOIN initiatives i ON i.id = t.initiative_id AND i.status = 'active' \
             WHERE {} \
               AND NOT EXISTS (SELECT 1 FROM check_ins c WHERE c.team_id = t.id AND c.period = cr.period)",
                readable("i.network_id")
            ),
            "cr.period DESC, t.id ASC",
            "i.network_id",
            vec![],
        )
        .await
    }
}

/// String concatenation, as both databases write it.
fn concat_sql(parts: &[&str]) -> String {
    parts.join(" || ")
}

/// The key of the thing `thread` is about: the resource, initiative or test of change it
/// is the discussion of, or the thread itself (as `network_news::thread_item` keys it).
pub(super) fn discussed_key(thread: &str) -> String {
    // As `candidates::THREAD_JOINS` finds owners: a deleted resource's discussion, which
    // stays, is a thread again.
    let owner = |table: &str, kind: &str, standing: &str| {
        format!(
            "(SELECT {} FROM {table} o WHERE o.discussion_thread_id = {thread}{standing} LIMIT 1)",
            concat_sql(&[&format!("'{kind}:'"), &cast_text("o.id")])
        )
    };
    format!(
        "COALESCE({}, {}, {}, {})",
        owner("resources", "resource", " AND o.deleted_at IS NULL"),
        owner("initiatives", "initiative", ""),
        owner("tests_of_change", "test", ""),
        concat_sql(&["'thread:'", &cast_text(thread)])
    )
}

/// A number as text, for building paths in SQL.
fn cast_text(expr: &str) -> String {
    format!("CAST({expr} AS TEXT)")
}
