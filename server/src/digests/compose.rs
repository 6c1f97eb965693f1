//! What goes into a member's digest: read at sending time, from the networks the member
//! can see at that moment (minus those they muted), leaving out what they already read,
//! wrote or acted on. Each section is one query for a whole batch of members, ranked and
//! capped per member; its total says how many more "see all" leads to.

use crate::db::placeholders;
use crate::entities::members;
use crate::networks::access::members_networks;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use std::collections::{HashMap, HashSet};

/// Items shown per section.
pub const SECTION_CAP: usize = 5;
/// How far ahead convenings are announced.
const UPCOMING_DAYS: i64 = 14;
/// Help requests older than this no longer ask for help in a digest.
const HELP_WANTED_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    BrightSpots,
    HelpWanted,
    AnswersForYou,
    Mentions,
    OpenPolls,
    NewThreads,
    ActiveThreads,
    NewResources,
    HelpfulResources,
    Convenings,
    ActionItems,
    CheckInsDue,
}

impl SectionKind {
    pub fn heading(self) -> &'static str {
        match self {
            SectionKind::BrightSpots => "Bright spots: teams whose data shows real improvement",
            SectionKind::HelpWanted => "Colleagues who need your expertise",
            SectionKind::AnswersForYou => "Answers to your help requests",
            SectionKind::Mentions => "Mentions and replies to you",
            SectionKind::OpenPolls => "Polls waiting for your answer",
            SectionKind::NewThreads => "New discussions",
            SectionKind::ActiveThreads => "Most active discussions",
            SectionKind::NewResources => "New in the library",
            SectionKind::HelpfulResources => "Resources colleagues found helpful",
            SectionKind::Convenings => "Coming up in the next two weeks",
            SectionKind::ActionItems => "Your open action items",
            SectionKind::CheckInsDue => "Check-ins your team owes",
        }
    }

    /// Where "see all" leads (a web address of the API's "Web addresses").
    fn see_all(self) -> &'static str {
        match self {
            SectionKind::Mentions => "/notifications",
            SectionKind::HelpWanted | SectionKind::AnswersForYou => "/search?q=&types=help_request",
            SectionKind::NewResources | SectionKind::HelpfulResources => {
                "/search?q=&types=resource"
            }
            _ => "/",
        }
    }
}

/// One line of a digest.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub title: String,
    /// A path (see "Web addresses"); `public_url` is prefixed when rendered.
    pub path: String,
    /// A short second line: where, who, how many.
    pub context: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub kind: SectionKind,
    pub items: Vec<Item>,
    /// All that would qualify (at most `TOTAL_CAP + 1`, shown as "100+"); more than
    /// `items.len()` shows "see all".
    pub total: usize,
}

/// Totals above this read "100+": nobody needs the exact count of a busy week.
pub const TOTAL_CAP: usize = 100;

impl Section {
    /// The total as the email says it: `7`, or `100+`.
    pub fn total_label(&self) -> String {
        if self.total > TOTAL_CAP {
            format!("{TOTAL_CAP}+")
        } else {
            self.total.to_string()
        }
    }

    pub fn see_all(&self) -> Option<&'static str> {
        (self.total > self.items.len()).then(|| self.kind.see_all())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub member_id: i64,
    pub display_name: String,
    pub email: String,
    pub timezone: Tz,
    pub since: DateTime<Utc>,
    pub sections: Vec<Section>,
}

impl Digest {
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| s.items.is_empty())
    }

    pub fn items(&self) -> usize {
        self.sections.iter().map(|s| s.items.len()).sum()
    }

    pub fn section(&self, kind: SectionKind) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind == kind)
    }
}

/// The digest of `member` covering `since..now`.
pub async fn compose(
    db: &impl ConnectionTrait,
    member: &members::Model,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Digest, DbErr> {
    let mut digests = compose_many(db, &[(member, since)], now).await?;
    Ok(digests.remove(0))
}

/// The digests of several members at once, each covering its own `since..now`, in the
/// order given. Every section is one query for all of them (a member's rows ranked and
/// counted within the query), so a run of thousands costs a few queries per hundred
/// members instead of ten per member.
pub async fn compose_many(
    db: &impl ConnectionTrait,
    readers: &[(&members::Model, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Result<Vec<Digest>, DbErr> {
    let ids: Vec<i64> = readers.iter().map(|(m, _)| m.id).collect();
    let muted = muted_networks(db, &ids).await?;
    let mut memberships = members_networks(db, &ids).await?;
    let mut pairs = Vec::new();
    let mut with_networks = Vec::new();
    for (member, since) in readers {
        let networks: Vec<i64> = memberships
            .remove(&member.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|n| !muted.contains(&(member.id, *n)))
            .collect();
        if !networks.is_empty() {
            with_networks.push((member.id, *since));
            pairs.extend(networks.into_iter().map(|n| (member.id, n)));
        }
    }
    let mut sections: HashMap<i64, Vec<Section>> = HashMap::new();
    if !with_networks.is_empty() {
        let q = Queries {
            db,
            readers: with_networks,
            pairs_json: serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".to_owned()),
            now,
        };
        let timezones: HashMap<i64, Tz> = readers
            .iter()
            .map(|(m, _)| (m.id, m.timezone.parse().unwrap_or(Tz::UTC)))
            .collect();
        let all = [
            q.bright_spots().await?,
            q.help_wanted().await?,
            q.answers_for_you().await?,
            q.mentions().await?,
            q.open_polls(&timezones).await?,
            q.new_threads().await?,
            q.active_threads().await?,
            q.new_resources().await?,
            q.helpful_resources().await?,
            q.convenings(&timezones).await?,
            q.action_items().await?,
            q.check_ins_due().await?,
        ];
        for by_reader in all {
            for (reader, section) in by_reader {
                sections.entry(reader).or_default().push(section);
            }
        }
    }
    Ok(readers
        .iter()
        .map(|(member, since)| Digest {
            member_id: member.id,
            display_name: member.display_name.clone(),
            email: member.email.clone(),
            timezone: member.timezone.parse().unwrap_or(Tz::UTC),
            since: *since,
            sections: sections.remove(&member.id).unwrap_or_default(),
        })
        .collect())
}

/// `(member, network)` for the networks these members muted.
async fn muted_networks(
    db: &impl ConnectionTrait,
    members: &[i64],
) -> Result<HashSet<(i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let slots = vec!["?"; members.len()].join(", ");
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                &format!(
                    "SELECT member_id, network_id FROM network_members \
                     WHERE notification_level = 'muted' AND member_id IN ({slots})"
                ),
            ),
            members.iter().map(|m| Value::from(*m)),
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "member_id")?, r.try_get("", "network_id")?)))
        .collect()
}

/// The members a query is for, as two tables every query starts from: `rd(member_id,
/// since)`, and `rn(member_id, network_id)` for the networks each may read (muted ones
/// left out).
struct Queries<'a, C> {
    db: &'a C,
    readers: Vec<(i64, DateTime<Utc>)>,
    /// `[[member, network], …]`.
    pairs_json: String,
    now: DateTime<Utc>,
}

/// Threads the reader muted, and threads whose last post they have read.
const THREAD_NOT_MUTED: &str = "NOT EXISTS (SELECT 1 FROM thread_subscriptions ts \
     WHERE ts.thread_id = t.id AND ts.member_id = rd.member_id AND ts.level = 'muted')";
const THREAD_NOT_READ: &str = "NOT EXISTS (SELECT 1 FROM read_markers rm \
     WHERE rm.thread_id = t.id AND rm.member_id = rd.member_id \
     AND rm.last_read_post_id >= COALESCE(t.last_post_id, 0))";
/// Resources the reader marked helpful or downloaded are not recommended to them.
const RESOURCE_NOT_ACTED: &str = "NOT EXISTS (SELECT 1 FROM resource_votes mv \
     WHERE mv.resource_id = r.id AND mv.member_id = rd.member_id) \
     AND NOT EXISTS (SELECT 1 FROM resource_downloads md \
     WHERE md.resource_id = r.id AND md.member_id = rd.member_id)";
/// The reader's networks, joined from `rd`.
const READER_NETWORKS: &str = "rd JOIN rn ON rn.member_id = rd.member_id";

impl<C: ConnectionTrait> Queries<'_, C> {
    /// Runs a section query: `select` and `from_where` (which starts from `rd`, may group,
    /// and binds `?` from `values` in order) give each reader's rows; the first
    /// `SECTION_CAP` of each, by `order`, come back with the reader's total.
    async fn ranked(
        &self,
        select: &str,
        from_where: &str,
        order: &str,
        values: Vec<Value>,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let backend = self.db.get_database_backend();
        let readers = vec!["(?, ?)"; self.readers.len()].join(", ");
        // The (member, network) pairs (thousands per batch) travel as one JSON array, not
        // as thousands of bound values: the statement stays the same from batch to batch
        // (prepared once), and nothing is bound or parsed thousands of times per section.
        let pairs = match backend {
            DbBackend::Postgres => {
                "SELECT (e->>0)::bigint, (e->>1)::bigint FROM jsonb_array_elements(CAST(? AS jsonb)) AS e"
            }
            _ => "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)",
        };
        let sql = format!(
            "WITH rd(member_id, since) AS (VALUES {readers}), \
                  rn(member_id, network_id) AS ({pairs}) \
             SELECT * FROM (SELECT rd.member_id AS reader, {select}, \
                 ROW_NUMBER() OVER (PARTITION BY rd.member_id ORDER BY {order}) AS rank_in, \
                 COUNT(*) OVER (PARTITION BY rd.member_id) AS total_in \
               FROM {from_where}) ranked \
             WHERE rank_in <= {SECTION_CAP} ORDER BY reader, rank_in"
        );
        let mut all = Vec::with_capacity(self.readers.len() * 2 + 1 + values.len());
        for (member, since) in &self.readers {
            all.push(Value::from(*member));
            all.push(Value::from(*since));
        }
        all.push(Value::from(self.pairs_json.clone()));
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
            let item = item(reader, row)?;
            let section = out.entry(reader).or_insert_with(|| Section {
                kind,
                items: Vec::new(),
                total: usize::try_from(total).unwrap_or(0).min(TOTAL_CAP + 1),
            });
            section.items.push(item);
        }
        Ok(out)
    }

    /// A section whose rows carry `title`, `path` and `context`.
    async fn plain(
        &self,
        kind: SectionKind,
        select: &str,
        from_where: &str,
        order: &str,
        values: Vec<Value>,
    ) -> Result<HashMap<i64, Section>, DbErr> {
        let rows = self.ranked(select, from_where, order, values).await?;
        Self::sections(kind, &rows, |_, row| {
            Ok(Item {
                title: row.try_get("", "title")?,
                path: row.try_get("", "path")?,
                context: row.try_get("", "context")?,
            })
        })
    }

    async fn help_wanted(&self) -> Result<HashMap<i64, Section>, DbErr> {
        let rows = self
            .ranked(
                "h.id AS id, h.title AS title, n.name AS network, h.response_count AS response_count, \
                 (SELECT MIN(ht.tag) FROM help_request_tags ht JOIN member_expertise e \
                    ON e.tag = ht.tag AND e.member_id = rd.member_id WHERE ht.help_request_id = h.id) AS tag",
                &format!(
                    "{READER_NETWORKS} JOIN help_requests h ON h.network_id = rn.network_id \
                     JOIN networks n ON n.id = h.network_id \
                     WHERE h.status IN ('open', 'answered') AND h.deleted_at IS NULL \
                       AND h.author_id <> rd.member_id AND h.created_at > ? \
                       AND EXISTS (SELECT 1 FROM help_request_tags ht JOIN member_expertise e \
                          ON e.tag = ht.tag AND e.member_id = rd.member_id WHERE ht.help_request_id = h.id) \
                       AND NOT EXISTS (SELECT 1 FROM help_responses r \
                          WHERE r.help_request_id = h.id AND r.author_id = rd.member_id) \
                       AND NOT EXISTS (SELECT 1 FROM help_offers o \
                          WHERE o.help_request_id = h.id AND o.member_id = rd.member_id)"
                ),
                "h.response_count ASC, h.created_at DESC",
                vec![Value::from(self.now - chrono::Duration::days(HELP_WANTED_DAYS))],
            )
            .await?;
        Self::sections(SectionKind::HelpWanted, &rows, |_, row| {
            let id: i64 = row.try_get("", "id")?;
            let responses: i32 = row.try_get("", "response_count")?;
            let network: String = row.try_get("", "network")?;
            let tag: Option<String> = row.try_get("", "tag")?;
            let answered = match responses {
                0 => "no answers yet".to_owned(),
                1 => "1 answer so far".to_owned(),
                n => format!("{n} answers so far"),
            };
            let context = match tag {
                Some(tag) => format!("{network} · {tag} · {answered}"),
                None => format!("{network} · {answered}"),
            };
            Ok(Item {
                title: row.try_get("", "title")?,
                path: format!("/help-requests/{id}"),
                context,
            })
        })
    }

    /// Responses to the reader's own requests, unless the notification about them was read.
    async fn answers_for_you(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::AnswersForYou,
            &format!(
                "h.title AS title, {path} AS path, {answer_line} AS context",
                path = concat_sql(&["'/help-requests/'", &cast_text("h.id")]),
                answer_line = concat_sql(&["a.display_name", "' answered'"]),
            ),
            "rd JOIN help_requests h ON h.author_id = rd.member_id \
             JOIN rn ON rn.member_id = rd.member_id AND rn.network_id = h.network_id \
             JOIN help_responses r ON r.help_request_id = h.id \
             JOIN members a ON a.id = r.author_id \
             WHERE r.author_id <> rd.member_id AND r.created_at > rd.since AND h.deleted_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM notifications nt WHERE nt.recipient_id = rd.member_id \
                  AND nt.kind = 'help_responded' AND nt.subject_id = h.id \
                  AND nt.read_at IS NOT NULL AND nt.read_at >= r.created_at)",
            "r.created_at DESC",
            vec![],
        )
        .await
    }

    /// Unread mention and reply notifications about posts still there, in threads not muted
    /// and not read since.
    async fn mentions(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::Mentions,
            &format!(
                "t.title AS title, {path} AS path, {context} AS context",
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
                 JOIN rn ON rn.member_id = rd.member_id AND rn.network_id = t.network_id \
                 JOIN members a ON a.id = p.author_id \
                 WHERE nt.kind IN ('mentioned', 'replied') AND nt.subject_type = 'post' \
                   AND nt.read_at IS NULL AND nt.created_at > rd.since AND {THREAD_NOT_MUTED} \
                   AND NOT EXISTS (SELECT 1 FROM read_markers rm WHERE rm.thread_id = t.id \
                      AND rm.member_id = rd.member_id AND rm.last_read_post_id >= p.id)"
            ),
            "nt.created_at DESC",
            vec![],
        )
        .await
    }

    async fn new_threads(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::NewThreads,
            &format!(
                "t.title AS title, {path} AS path, {context} AS context",
                path = concat_sql(&["'/threads/'", &cast_text("t.id")]),
                context = concat_sql(&["n.name", "' · started by '", "a.display_name"]),
            ),
            &format!(
                "{READER_NETWORKS} JOIN threads t ON t.network_id = rn.network_id \
                 JOIN networks n ON n.id = t.network_id \
                 JOIN members a ON a.id = t.author_id \
                 WHERE t.deleted_at IS NULL AND t.created_at > rd.since \
                   AND t.author_id <> rd.member_id AND {THREAD_NOT_MUTED} AND {THREAD_NOT_READ}"
            ),
            "t.reply_count DESC, t.created_at DESC",
            vec![],
        )
        .await
    }

    /// Older threads with the most new posts by others since the reader's last digest.
    async fn active_threads(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::ActiveThreads,
            &format!(
                "t.title AS title, {path} AS path, {context} AS context",
                path = concat_sql(&["'/threads/'", &cast_text("t.id")]),
                context = concat_sql(&[
                    "n.name",
                    "' · '",
                    &cast_text("COUNT(*)"),
                    "CASE WHEN COUNT(*) = 1 THEN ' new post' ELSE ' new posts' END"
                ]),
            ),
            &format!(
                "{READER_NETWORKS} JOIN threads t ON t.network_id = rn.network_id \
                 JOIN networks n ON n.id = t.network_id \
                 JOIN posts p ON p.thread_id = t.id AND p.created_at > rd.since \
                   AND p.deleted_at IS NULL AND p.author_id <> rd.member_id \
                 WHERE t.deleted_at IS NULL AND t.created_at <= rd.since \
                   AND {THREAD_NOT_MUTED} AND {THREAD_NOT_READ} \
                 GROUP BY rd.member_id, t.id, t.title, n.name, t.last_activity_at"
            ),
            "COUNT(*) DESC, t.last_activity_at DESC",
            vec![],
        )
        .await
    }

    async fn new_resources(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::NewResources,
            &format!(
                "r.title AS title, {path} AS path, {context} AS context",
                path = concat_sql(&["'/resources/'", &cast_text("r.id")]),
                context = concat_sql(&["n.name", "' · shared by '", "a.display_name"]),
            ),
            &format!(
                "{READER_NETWORKS} JOIN resources r ON r.network_id = rn.network_id \
                 JOIN networks n ON n.id = r.network_id \
                 JOIN members a ON a.id = r.author_id \
                 WHERE r.deleted_at IS NULL AND r.created_at > rd.since \
                   AND r.author_id <> rd.member_id AND {RESOURCE_NOT_ACTED}"
            ),
            "r.helpful_count DESC, r.created_at DESC",
            vec![],
        )
        .await
    }

    /// Older resources marked helpful since the reader's last digest, most marks first.
    async fn helpful_resources(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::HelpfulResources,
            &format!(
                "r.title AS title, {path} AS path, {context} AS context",
                path = concat_sql(&["'/resources/'", &cast_text("r.id")]),
                context = concat_sql(&[
                    "n.name",
                    "' · marked helpful '",
                    "CASE WHEN COUNT(*) = 1 THEN 'once' ELSE CAST(COUNT(*) AS TEXT) || ' times' END",
                    "' this period'"
                ]),
            ),
            &format!(
                "{READER_NETWORKS} JOIN resources r ON r.network_id = rn.network_id \
                 JOIN networks n ON n.id = r.network_id \
                 JOIN resource_votes v ON v.resource_id = r.id AND v.created_at > rd.since \
                   AND v.member_id <> rd.member_id \
                 WHERE r.deleted_at IS NULL AND r.created_at <= rd.since \
                   AND r.author_id <> rd.member_id AND {RESOURCE_NOT_ACTED} \
                 GROUP BY rd.member_id, r.id, r.title, n.name, r.helpful_count"
            ),
            "COUNT(*) DESC, r.helpful_count DESC",
            vec![],
        )
        .await
    }

    async fn convenings(
        &self,
        timezones: &HashMap<i64, Tz>,
    ) -> Result<HashMap<i64, Section>, DbErr> {
        let rows = self
            .ranked(
                "c.id AS id, c.title AS title, c.starts_at AS starts_at, n.name AS network",
                &format!(
                    "{READER_NETWORKS} JOIN convenings c ON c.network_id = rn.network_id \
                     JOIN networks n ON n.id = c.network_id \
                     WHERE c.cancelled_at IS NULL AND c.starts_at > ? AND c.starts_at <= ?"
                ),
                "c.starts_at ASC",
                vec![
                    Value::from(self.now),
                    Value::from(self.now + chrono::Duration::days(UPCOMING_DAYS)),
                ],
            )
            .await?;
        Self::sections(SectionKind::Convenings, &rows, |reader, row| {
            let id: i64 = row.try_get("", "id")?;
            let starts: DateTime<Utc> = row.try_get("", "starts_at")?;
            let network: String = row.try_get("", "network")?;
            let timezone = timezones.get(&reader).copied().unwrap_or(Tz::UTC);
            let local = starts.with_timezone(&timezone);
            Ok(Item {
                title: row.try_get("", "title")?,
                path: format!("/convenings/{id}"),
                context: format!("{network} · {}", local.format("%A %-d %B, %H:%M %Z")),
            })
        })
    }

    async fn action_items(&self) -> Result<HashMap<i64, Section>, DbErr> {
        let rows = self
            .ranked(
                "a.title AS title, a.due_on AS due_on, c.id AS convening_id, c.title AS convening",
                "rd JOIN action_items a ON a.owner_id = rd.member_id \
                 JOIN convenings c ON c.id = a.convening_id \
                 JOIN rn ON rn.member_id = rd.member_id AND rn.network_id = c.network_id \
                 WHERE a.status = 'open' AND a.due_on IS NOT NULL",
                "a.due_on ASC, a.id ASC",
                vec![],
            )
            .await?;
        let today = self.now.date_naive();
        Self::sections(SectionKind::ActionItems, &rows, |_, row| {
            let due: chrono::NaiveDate = row.try_get("", "due_on")?;
            let convening_id: i64 = row.try_get("", "convening_id")?;
            let convening: String = row.try_get("", "convening")?;
            let when = if due < today {
                format!("overdue since {}", due.format("%-d %B"))
            } else {
                format!("due {}", due.format("%A %-d %B"))
            };
            Ok(Item {
                title: row.try_get("", "title")?,
                path: format!("/convenings/{convening_id}"),
                context: format!("{when} · from {convening}"),
            })
        })
    }
}

impl<C: ConnectionTrait> Queries<'_, C> {
    /// Teams of active initiatives in the reader's networks that are bright spots now and
    /// checked in since the reader's last digest (news, not a standing list).
    async fn bright_spots(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::BrightSpots,
            &format!(
                "{title} AS title, {path} AS path, {context} AS context",
                title = concat_sql(&["t.name", "' is a bright spot'"]),
                path = concat_sql(&["'/initiatives/'", &cast_text("i.id"), "'#bright-spots'"]),
                context = concat_sql(&[
                    "i.measure_name",
                    "' improving since '",
                    &cast_text("t.bright_since"),
                    "' · '",
                    "i.title",
                    "' · see what they tried'"
                ]),
            ),
            &format!(
                "{READER_NETWORKS} JOIN initiatives i ON i.network_id = rn.network_id \
                 JOIN initiative_teams t ON t.initiative_id = i.id \
                 WHERE i.status = 'active' AND t.deleted_at IS NULL AND t.bright_since IS NOT NULL \
                   AND EXISTS (SELECT 1 FROM check_ins c WHERE c.team_id = t.id \
                      AND c.submitted_at > rd.since)"
            ),
            "t.bright_since DESC, t.id DESC",
            vec![],
        )
        .await
    }

    /// Periods the reader was reminded of (see `initiatives/reminders.rs`) whose check-in
    /// is still missing, on teams they are still on.
    async fn check_ins_due(&self) -> Result<HashMap<i64, Section>, DbErr> {
        self.plain(
            SectionKind::CheckInsDue,
            &format!(
                "{title} AS title, {path} AS path, {context} AS context",
                title = concat_sql(&["t.name", "': check in for the period of '", &cast_text("cr.period")]),
                path = concat_sql(&["'/initiatives/'", &cast_text("i.id"), "'#check-in'"]),
                context = concat_sql(&["i.measure_name", "' · '", "i.title"]),
            ),
            "rd JOIN check_in_reminders cr ON cr.member_id = rd.member_id \
             JOIN initiative_teams t ON t.id = cr.team_id AND t.deleted_at IS NULL \
             JOIN initiative_team_members tm ON tm.team_id = t.id AND tm.member_id = rd.member_id \
             JOIN initiatives i ON i.id = t.initiative_id AND i.status = 'active' \
             JOIN rn ON rn.member_id = rd.member_id AND rn.network_id = i.network_id \
             WHERE NOT EXISTS (SELECT 1 FROM check_ins c WHERE c.team_id = t.id AND c.period = cr.period)",
            "cr.period DESC, t.id ASC",
            vec![],
        )
        .await
    }
}

impl<C: ConnectionTrait> Queries<'_, C> {
    /// Open polls in the reader's networks that they have not answered (nor asked): new
    /// since their last digest, or closing within the next week. Those closing soonest
    /// first.
    async fn open_polls(
        &self,
        timezones: &HashMap<i64, Tz>,
    ) -> Result<HashMap<i64, Section>, DbErr> {
        let soon = self.now + chrono::Duration::days(7);
        let rows = self
            .ranked(
                "p.id AS id, p.question AS title, n.name AS network, p.closes_at AS closes_at, \
                 p.voter_count AS voters",
                &format!(
                    "{READER_NETWORKS} JOIN polls p ON p.network_id = rn.network_id \
                     JOIN networks n ON n.id = p.network_id \
                     WHERE p.deleted_at IS NULL AND p.closed_at IS NULL \
                       AND (p.thread_id IS NULL OR EXISTS (SELECT 1 FROM threads pt \
                          WHERE pt.id = p.thread_id AND pt.deleted_at IS NULL)) \
                       AND (p.closes_at IS NULL OR p.closes_at > ?) \
                       AND (p.created_at > rd.since OR p.closes_at <= ?) \
                       AND p.author_id <> rd.member_id \
                       AND NOT EXISTS (SELECT 1 FROM poll_ballots b \
                          WHERE b.poll_id = p.id AND b.member_id = rd.member_id)"
                ),
                "CASE WHEN p.closes_at IS NULL THEN 1 ELSE 0 END, p.closes_at ASC, p.created_at DESC, p.id DESC",
                vec![Value::from(self.now), Value::from(soon)],
            )
            .await?;
        Self::sections(SectionKind::OpenPolls, &rows, |reader, row| {
            let id: i64 = row.try_get("", "id")?;
            let network: String = row.try_get("", "network")?;
            let closes_at: Option<DateTime<Utc>> = row.try_get("", "closes_at")?;
            let voters: i32 = row.try_get("", "voters")?;
            let answered = match voters {
                0 => "be the first to answer".to_owned(),
                1 => "1 colleague answered".to_owned(),
                n => format!("{n} colleagues answered"),
            };
            let context = match closes_at {
                Some(at) => {
                    let zone = timezones.get(&reader).copied().unwrap_or(Tz::UTC);
                    let local = at.with_timezone(&zone);
                    format!(
                        "{network} · closes {} · {answered}",
                        local.format("%A %-d %B")
                    )
                }
                None => format!("{network} · {answered}"),
            };
            Ok(Item {
                title: row.try_get("", "title")?,
                path: format!("/polls/{id}"),
                context,
            })
        })
    }
}

/// String concatenation, as both databases write it.
fn concat_sql(parts: &[&str]) -> String {
    parts.join(" || ")
}

/// A number as text, for building paths in SQL.
fn cast_text(expr: &str) -> String {
    format!("CAST({expr} AS TEXT)")
}
