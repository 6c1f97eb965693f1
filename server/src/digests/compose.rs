//! What goes into one member's digest: read at sending time, from the networks the member
//! can see at that moment (minus those they muted), leaving out what they already read,
//! wrote or acted on. Each section is one query, capped; its total says how many more
//! "see all" leads to.

use crate::db::placeholders;
use crate::entities::members;
use crate::networks::access::member_networks;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};

/// Items shown per section.
pub const SECTION_CAP: usize = 5;
/// How far ahead convenings are announced.
const UPCOMING_DAYS: i64 = 14;
/// Help requests older than this no longer ask for help in a digest.
const HELP_WANTED_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    HelpWanted,
    AnswersForYou,
    Mentions,
    NewThreads,
    ActiveThreads,
    NewResources,
    HelpfulResources,
    Convenings,
    ActionItems,
}

impl SectionKind {
    pub fn heading(self) -> &'static str {
        match self {
            SectionKind::HelpWanted => "Colleagues who need your expertise",
            SectionKind::AnswersForYou => "Answers to your help requests",
            SectionKind::Mentions => "Mentions and replies to you",
            SectionKind::NewThreads => "New discussions",
            SectionKind::ActiveThreads => "Most active discussions",
            SectionKind::NewResources => "New in the library",
            SectionKind::HelpfulResources => "Resources colleagues found helpful",
            SectionKind::Convenings => "Coming up in the next two weeks",
            SectionKind::ActionItems => "Your open action items",
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
    /// All that would qualify, counted up to `TOTAL_CAP + 1`; more than `items.len()` shows
    /// "see all".
    pub total: usize,
}

/// Sections count what qualifies up to here: "100+" says enough, and a busy network's
/// week does not make every member's digest read thousands of rows.
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
    let networks = unmuted(db, member.id, member_networks(db, member.id).await?).await?;
    let q = Queries {
        db,
        me: member.id,
        networks,
        since,
        now,
    };
    let timezone: Tz = member.timezone.parse().unwrap_or(Tz::UTC);
    let mut sections = Vec::new();
    if !q.networks.is_empty() {
        sections.push(q.help_wanted().await?);
        sections.push(q.answers_for_you().await?);
        sections.push(q.mentions().await?);
        sections.push(q.new_threads().await?);
        sections.push(q.active_threads().await?);
        sections.push(q.new_resources().await?);
        sections.push(q.helpful_resources().await?);
        sections.push(q.convenings(timezone).await?);
        sections.push(q.action_items().await?);
    }
    sections.retain(|s| !s.items.is_empty());
    Ok(Digest {
        member_id: member.id,
        display_name: member.display_name.clone(),
        email: member.email.clone(),
        timezone,
        since,
        sections,
    })
}

/// `networks` without those the member muted.
async fn unmuted(
    db: &impl ConnectionTrait,
    me: i64,
    networks: Vec<i64>,
) -> Result<Vec<i64>, DbErr> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                "SELECT network_id FROM network_members \
                 WHERE member_id = ? AND notification_level = 'muted'",
            ),
            [me.into()],
        ))
        .await?;
    let muted: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get::<i64>("", "network_id"))
        .collect::<Result<_, _>>()?;
    Ok(networks
        .into_iter()
        .filter(|n| !muted.contains(n))
        .collect())
}

struct Queries<'a, C> {
    db: &'a C,
    me: i64,
    networks: Vec<i64>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
}

/// Threads the member muted, and threads whose last post they have read.
const THREAD_NOT_MUTED: &str = "NOT EXISTS (SELECT 1 FROM thread_subscriptions ts \
     WHERE ts.thread_id = t.id AND ts.member_id = :me AND ts.level = 'muted')";
const THREAD_NOT_READ: &str = "NOT EXISTS (SELECT 1 FROM read_markers rm \
     WHERE rm.thread_id = t.id AND rm.member_id = :me \
     AND rm.last_read_post_id >= COALESCE(t.last_post_id, 0))";

impl<C: ConnectionTrait> Queries<'_, C> {
    /// Runs `sql` with `:me`, `:since`, `:now`, `:networks` (an `IN` list) and `:p0`, `:p1`…
    /// (from `extra`) bound.
    async fn rows(&self, sql: &str, extra: Vec<Value>) -> Result<Vec<QueryResult>, DbErr> {
        let backend = self.db.get_database_backend();
        let mut values = Vec::new();
        let mut out = String::with_capacity(sql.len() + 64);
        let mut rest = sql;
        while let Some(at) = rest.find(':') {
            out.push_str(&rest[..at]);
            let tail = &rest[at + 1..];
            let name_len = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            let name = &tail[..name_len];
            match name {
                "me" => values.push(Value::from(self.me)),
                "since" => values.push(Value::from(self.since)),
                "now" => values.push(Value::from(self.now)),
                "networks" => {
                    let slots = vec!["?"; self.networks.len()].join(", ");
                    out.push_str(&format!("({slots})"));
                    values.extend(self.networks.iter().map(|n| Value::from(*n)));
                    rest = &tail[name_len..];
                    continue;
                }
                _ if extra_value(name, &extra).is_some() => {
                    values.extend(extra_value(name, &extra));
                }
                _ => {
                    // Not a parameter (a literal colon): keep it.
                    out.push(':');
                    rest = tail;
                    continue;
                }
            }
            out.push('?');
            rest = &tail[name_len..];
        }
        out.push_str(rest);
        out.push_str(&format!(" LIMIT {}", TOTAL_CAP + 1));
        self.db
            .query_all(Statement::from_sql_and_values(
                backend,
                placeholders(backend, &out),
                values,
            ))
            .await
    }

    /// Runs a query whose rows have `title`, `path` and `context`: the first `SECTION_CAP`
    /// rows become items, the number of rows the total.
    async fn section(
        &self,
        kind: SectionKind,
        sql: &str,
        extra: Vec<Value>,
    ) -> Result<Section, DbErr> {
        let rows = self.rows(sql, extra).await?;
        let total = rows.len();
        let items = rows
            .iter()
            .take(SECTION_CAP)
            .map(|row| {
                Ok(Item {
                    title: row.try_get("", "title")?,
                    path: row.try_get("", "path")?,
                    context: row.try_get("", "context")?,
                })
            })
            .collect::<Result<_, DbErr>>()?;
        Ok(Section { kind, items, total })
    }

    async fn help_wanted(&self) -> Result<Section, DbErr> {
        let rows = self
            .rows(
                "SELECT h.id, h.title, n.name AS network, h.response_count, \
                   (SELECT MIN(ht.tag) FROM help_request_tags ht JOIN member_expertise e \
                      ON e.tag = ht.tag AND e.member_id = :me WHERE ht.help_request_id = h.id) AS tag \
                 FROM help_requests h JOIN networks n ON n.id = h.network_id \
                 WHERE h.network_id IN :networks AND h.status IN ('open', 'answered') \
                   AND h.author_id <> :me AND h.created_at > :p0 \
                   AND EXISTS (SELECT 1 FROM help_request_tags ht JOIN member_expertise e \
                      ON e.tag = ht.tag AND e.member_id = :me WHERE ht.help_request_id = h.id) \
                   AND NOT EXISTS (SELECT 1 FROM help_responses r \
                      WHERE r.help_request_id = h.id AND r.author_id = :me) \
                   AND NOT EXISTS (SELECT 1 FROM help_offers o \
                      WHERE o.help_request_id = h.id AND o.member_id = :me) \
                 ORDER BY h.response_count ASC, h.created_at DESC",
                vec![Value::from(self.now - chrono::Duration::days(HELP_WANTED_DAYS))],
            )
            .await?;
        let total = rows.len();
        let mut items = Vec::new();
        for row in rows.iter().take(SECTION_CAP) {
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
            items.push(Item {
                title: row.try_get("", "title")?,
                path: format!("/help-requests/{id}"),
                context,
            });
        }
        Ok(Section {
            kind: SectionKind::HelpWanted,
            items,
            total,
        })
    }

    /// Responses to the member's own requests, unless the notification about them was read.
    async fn answers_for_you(&self) -> Result<Section, DbErr> {
        self.section(
            SectionKind::AnswersForYou,
            &format!(
                "SELECT h.title AS title, {path} AS path, \
                   {answer_line} AS context \
                 FROM help_requests h \
                 JOIN help_responses r ON r.help_request_id = h.id \
                 JOIN members a ON a.id = r.author_id \
                 WHERE h.author_id = :me AND h.network_id IN :networks \
                   AND r.author_id <> :me AND r.created_at > :since \
                   AND NOT EXISTS (SELECT 1 FROM notifications nt WHERE nt.recipient_id = :me \
                      AND nt.kind = 'help_responded' AND nt.subject_id = h.id \
                      AND nt.read_at IS NOT NULL AND nt.read_at >= r.created_at) \
                 ORDER BY r.created_at DESC",
                path = concat_sql(&["'/help-requests/'", &cast_text("h.id")]),
                answer_line = concat_sql(&["a.display_name", "' answered'"]),
            ),
            vec![],
        )
        .await
    }

    /// Unread mention and reply notifications about posts still there, in threads not muted
    /// and not read since.
    async fn mentions(&self) -> Result<Section, DbErr> {
        self.section(
            SectionKind::Mentions,
            &format!(
                "SELECT t.title AS title, {path} AS path, {context} AS context \
                 FROM notifications nt \
                 JOIN posts p ON p.id = nt.subject_id AND p.deleted_at IS NULL \
                 JOIN threads t ON t.id = p.thread_id AND t.deleted_at IS NULL \
                 JOIN members a ON a.id = p.author_id \
                 WHERE nt.recipient_id = :me AND nt.kind IN ('mentioned', 'replied') \
                   AND nt.subject_type = 'post' AND nt.read_at IS NULL AND nt.created_at > :since \
                   AND t.network_id IN :networks AND {not_muted} \
                   AND NOT EXISTS (SELECT 1 FROM read_markers rm WHERE rm.thread_id = t.id \
                      AND rm.member_id = :me AND rm.last_read_post_id >= p.id) \
                 ORDER BY nt.created_at DESC",
                path = concat_sql(&[
                        "'/threads/'",
                        &cast_text("t.id"),
                        "'#post-'",
                        &cast_text("p.post_number")
                    ]
                ),
                context = concat_sql(&[
                        "a.display_name",
                        "CASE WHEN nt.kind = 'mentioned' THEN ' mentioned you' ELSE ' replied to you' END"
                    ]
                ),
                not_muted = THREAD_NOT_MUTED,
            ),
            vec![],
        )
        .await
    }

    async fn new_threads(&self) -> Result<Section, DbErr> {
        self.section(
            SectionKind::NewThreads,
            &format!(
                "SELECT t.title AS title, {path} AS path, {context} AS context \
                 FROM threads t JOIN networks n ON n.id = t.network_id \
                 JOIN members a ON a.id = t.author_id \
                 WHERE t.network_id IN :networks AND t.deleted_at IS NULL \
                   AND t.created_at > :since AND t.author_id <> :me \
                   AND {not_muted} AND {not_read} \
                 ORDER BY t.reply_count DESC, t.created_at DESC",
                path = concat_sql(&["'/threads/'", &cast_text("t.id")]),
                context = concat_sql(&["n.name", "' · started by '", "a.display_name"]),
                not_muted = THREAD_NOT_MUTED,
                not_read = THREAD_NOT_READ,
            ),
            vec![],
        )
        .await
    }

    /// Older threads with the most new posts by others since the last digest.
    async fn active_threads(&self) -> Result<Section, DbErr> {
        self.section(
            SectionKind::ActiveThreads,
            &format!(
                "SELECT t.title AS title, {path} AS path, \
                   {context} AS context \
                 FROM threads t JOIN networks n ON n.id = t.network_id \
                 JOIN (SELECT p.thread_id, COUNT(*) AS fresh FROM posts p \
                       WHERE p.created_at > :since AND p.deleted_at IS NULL AND p.author_id <> :me \
                       GROUP BY p.thread_id) f ON f.thread_id = t.id \
                 WHERE t.network_id IN :networks AND t.deleted_at IS NULL \
                   AND t.created_at <= :since AND {not_muted} AND {not_read} \
                 ORDER BY f.fresh DESC, t.last_activity_at DESC",
                path = concat_sql(&["'/threads/'", &cast_text("t.id")]),
                context = concat_sql(&["n.name", "' · '", &cast_text("f.fresh"), "' new posts'"]),
                not_muted = THREAD_NOT_MUTED,
                not_read = THREAD_NOT_READ,
            ),
            vec![],
        )
        .await
    }

    async fn new_resources(&self) -> Result<Section, DbErr> {
        self.section(
            SectionKind::NewResources,
            &format!(
                "SELECT r.title AS title, {path} AS path, {context} AS context \
                 FROM resources r JOIN networks n ON n.id = r.network_id \
                 JOIN members a ON a.id = r.author_id \
                 WHERE r.network_id IN :networks AND r.deleted_at IS NULL \
                   AND r.created_at > :since AND r.author_id <> :me AND {not_acted} \
                 ORDER BY r.helpful_count DESC, r.created_at DESC",
                path = concat_sql(&["'/resources/'", &cast_text("r.id")]),
                context = concat_sql(&["n.name", "' · shared by '", "a.display_name"]),
                not_acted = RESOURCE_NOT_ACTED,
            ),
            vec![],
        )
        .await
    }

    /// Older resources marked helpful since the last digest, most marks first.
    async fn helpful_resources(&self) -> Result<Section, DbErr> {
        self.section(
            SectionKind::HelpfulResources,
            &format!(
                "SELECT r.title AS title, {path} AS path, {context} AS context \
                 FROM resources r JOIN networks n ON n.id = r.network_id \
                 JOIN (SELECT v.resource_id, COUNT(*) AS marks FROM resource_votes v \
                       WHERE v.created_at > :since AND v.member_id <> :me \
                       GROUP BY v.resource_id) f ON f.resource_id = r.id \
                 WHERE r.network_id IN :networks AND r.deleted_at IS NULL \
                   AND r.created_at <= :since AND r.author_id <> :me AND {not_acted} \
                 ORDER BY f.marks DESC, r.helpful_count DESC",
                path = concat_sql(&["'/resources/'", &cast_text("r.id")]),
                context = concat_sql(&[
                    "n.name",
                    "' · marked helpful '",
                    &cast_text("f.marks"),
                    "' times this period'"
                ]),
                not_acted = RESOURCE_NOT_ACTED,
            ),
            vec![],
        )
        .await
    }

    async fn convenings(&self, timezone: Tz) -> Result<Section, DbErr> {
        let rows = self
            .rows(
                "SELECT c.id, c.title, c.starts_at, n.name AS network FROM convenings c \
                 JOIN networks n ON n.id = c.network_id \
                 WHERE c.network_id IN :networks AND c.cancelled_at IS NULL \
                   AND c.starts_at > :now AND c.starts_at <= :p0 \
                 ORDER BY c.starts_at ASC",
                vec![Value::from(
                    self.now + chrono::Duration::days(UPCOMING_DAYS),
                )],
            )
            .await?;
        let total = rows.len();
        let mut items = Vec::new();
        for row in rows.iter().take(SECTION_CAP) {
            let id: i64 = row.try_get("", "id")?;
            let starts: DateTime<Utc> = row.try_get("", "starts_at")?;
            let network: String = row.try_get("", "network")?;
            let local = starts.with_timezone(&timezone);
            items.push(Item {
                title: row.try_get("", "title")?,
                path: format!("/convenings/{id}"),
                context: format!("{network} · {}", local.format("%A %-d %B, %H:%M %Z")),
            });
        }
        Ok(Section {
            kind: SectionKind::Convenings,
            items,
            total,
        })
    }

    async fn action_items(&self) -> Result<Section, DbErr> {
        let rows = self
            .rows(
                "SELECT a.title, a.due_on, c.id AS convening_id, c.title AS convening \
                 FROM action_items a JOIN convenings c ON c.id = a.convening_id \
                 WHERE a.owner_id = :me AND a.status = 'open' AND a.due_on IS NOT NULL \
                   AND c.network_id IN :networks \
                 ORDER BY a.due_on ASC, a.id ASC",
                vec![],
            )
            .await?;
        let total = rows.len();
        let mut items = Vec::new();
        let today = self.now.date_naive();
        for row in rows.iter().take(SECTION_CAP) {
            let due: chrono::NaiveDate = row.try_get("", "due_on")?;
            let convening_id: i64 = row.try_get("", "convening_id")?;
            let convening: String = row.try_get("", "convening")?;
            let when = if due < today {
                format!("overdue since {}", due.format("%-d %B"))
            } else {
                format!("due {}", due.format("%A %-d %B"))
            };
            items.push(Item {
                title: row.try_get("", "title")?,
                path: format!("/convenings/{convening_id}"),
                context: format!("{when} · from {convening}"),
            });
        }
        Ok(Section {
            kind: SectionKind::ActionItems,
            items,
            total,
        })
    }
}

/// The value of `:pN`, if `name` is `pN` and `extra` has it.
fn extra_value(name: &str, extra: &[Value]) -> Option<Value> {
    let n: usize = name.strip_prefix('p')?.parse().ok()?;
    extra.get(n).cloned()
}

/// Resources the member marked helpful or downloaded are not recommended to them.
const RESOURCE_NOT_ACTED: &str = "NOT EXISTS (SELECT 1 FROM resource_votes mv \
     WHERE mv.resource_id = r.id AND mv.member_id = :me) \
     AND NOT EXISTS (SELECT 1 FROM resource_downloads md \
     WHERE md.resource_id = r.id AND md.member_id = :me)";

/// String concatenation, as both databases write it.
fn concat_sql(parts: &[&str]) -> String {
    parts.join(" || ")
}

/// A number as text, for building paths in SQL.
fn cast_text(expr: &str) -> String {
    format!("CAST({expr} AS TEXT)")
}
