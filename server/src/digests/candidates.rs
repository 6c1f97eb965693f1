//! What a batch of readers' networks had this period, read once for the whole batch
//! (`Candidates`), and what those readers did with it (`Facts`): the inputs of
//! `network_news.rs`. Lists of ids travel as one JSON array each, so the statements stay
//! the same from batch to batch and nothing is bound thousands of times.

use super::network_news::Reader;
use crate::db::{json_ids, json_ids_subquery, IdPairs};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How far ahead convenings are announced.
const UPCOMING_DAYS: i64 = 14;
/// Help requests older than this no longer ask for help in a digest.
const HELP_WANTED_DAYS: i64 = 30;
/// Polls closing within this are listed even if the reader heard of them before.
const POLL_CLOSING_DAYS: i64 = 7;

/// The span candidates cover: every window start of the readers they are for lies
/// between `earliest` and `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub now: DateTime<Utc>,
    pub earliest: DateTime<Utc>,
    pub latest: DateTime<Utc>,
}

impl Span {
    /// Exactly these readers' windows; `None` when there are none.
    pub fn of(readers: &[Reader], now: DateTime<Utc>) -> Option<Span> {
        Some(Span {
            now,
            earliest: readers.iter().map(|r| r.since).min()?,
            latest: readers.iter().map(|r| r.since).max()?,
        })
    }
}

/// How long a run keeps a network's news before reading it again.
const FRESH_FOR: Duration = Duration::from_secs(5);

/// The news shared by the batches of one run: each network's is read once, and again once
/// it is `FRESH_FOR` old, so that a long run still tells what changed meanwhile. It covers
/// every window a run's readers can have, from the furthest back one starts to now.
pub struct NewsCache {
    span: Span,
    cached: tokio::sync::Mutex<(Instant, HashMap<i64, Arc<NetworkNews>>)>,
}

impl NewsCache {
    pub fn new(now: DateTime<Utc>, furthest_back: DateTime<Utc>) -> NewsCache {
        NewsCache {
            span: Span {
                now,
                earliest: furthest_back,
                latest: now,
            },
            cached: tokio::sync::Mutex::new((Instant::now(), HashMap::new())),
        }
    }

    /// The news of `networks`, read now for those not cached.
    pub async fn candidates(
        &self,
        db: &impl ConnectionTrait,
        networks: &[i64],
    ) -> Result<Candidates, DbErr> {
        let mut cached = self.cached.lock().await;
        let (read_at, by_network) = &mut *cached;
        if read_at.elapsed() > FRESH_FOR {
            by_network.clear();
            *read_at = Instant::now();
        }
        let missing: Vec<i64> = networks
            .iter()
            .copied()
            .filter(|n| !by_network.contains_key(n))
            .collect();
        if !missing.is_empty() {
            by_network.extend(Candidates::load(db, &missing, self.span).await?.by_network);
        }
        Ok(Candidates {
            span: self.span,
            by_network: networks
                .iter()
                .filter_map(|n| Some((*n, by_network.get(n)?.clone())))
                .collect(),
        })
    }
}

async fn query(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, DbErr> {
    let backend = db.get_database_backend();
    let sql = crate::db::placeholders(
        backend,
        &sql.replace("IN (ids)", &format!("IN {}", json_ids_subquery(backend))),
    );
    db.query_all(Statement::from_sql_and_values(backend, sql, values))
        .await
}

/// Runs `sql` with `PAIRS` standing for `pairs` as `p(member_id, item_id)`.
async fn query_pairs(
    db: &impl ConnectionTrait,
    sql: &str,
    pairs: &IdPairs,
) -> Result<Vec<QueryResult>, DbErr> {
    let backend = db.get_database_backend();
    let pairs_query = format!(
        "(SELECT a AS member_id, b AS item_id FROM ({}) AS q) p",
        pairs.query(backend)
    );
    query(
        db,
        &sql.replace("PAIRS", &pairs_query),
        pairs.values(backend),
    )
    .await
}

pub struct Thread {
    pub id: i64,
    pub title: String,
    pub network: String,
    pub author_id: i64,
    pub author: String,
    pub reply_count: i32,
    pub last_post_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub owner: Option<Owner>,
    /// The newest post's markdown.
    pub last_body: Option<String>,
    /// Helpful marks on its posts.
    pub helpful: i64,
    /// For active threads: `(author, written at)` of the posts since the earliest window start.
    pub posts: Vec<Activity>,
}

pub struct Resource {
    pub id: i64,
    pub title: String,
    pub network: String,
    pub author_id: i64,
    pub author: String,
    pub helpful_count: i32,
    pub created_at: DateTime<Utc>,
    /// For older resources: `(voter, marked at)` of the helpful marks since the earliest
    /// window start.
    pub votes: Vec<Activity>,
}

pub struct HelpRequest {
    pub id: i64,
    pub title: String,
    pub network: String,
    pub author_id: i64,
    pub response_count: i32,
    pub created_at: DateTime<Utc>,
    /// Sorted.
    pub tags: Vec<String>,
}

pub struct Poll {
    pub id: i64,
    pub question: String,
    pub network: String,
    pub author_id: i64,
    pub voter_count: i32,
    pub closes_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub struct Convening {
    pub id: i64,
    pub title: String,
    pub network: String,
    pub starts_at: DateTime<Utc>,
}

pub struct BrightSpot {
    pub id: i64,
    pub name: String,
    pub bright_since: NaiveDate,
    pub initiative_id: i64,
    pub initiative: String,
    pub measure_name: String,
    pub last_check_in: DateTime<Utc>,
}

/// Each kind of news in one network.
#[derive(Default)]
pub struct NetworkNews {
    pub new_threads: Vec<Thread>,
    pub active_threads: Vec<Thread>,
    pub new_resources: Vec<Resource>,
    pub helpful_resources: Vec<Resource>,
    pub help_requests: Vec<HelpRequest>,
    pub polls: Vec<Poll>,
    pub convenings: Vec<Convening>,
    pub bright_spots: Vec<BrightSpot>,
}

/// The news of some networks over a span.
pub struct Candidates {
    pub span: Span,
    pub by_network: HashMap<i64, Arc<NetworkNews>>,
}

impl Candidates {
    /// Polls closing by then are listed whenever they were opened.
    pub fn polls_soon(&self) -> DateTime<Utc> {
        self.span.now + chrono::Duration::days(POLL_CLOSING_DAYS)
    }

    /// Reads the news of `networks` over `span`.
    pub async fn load(
        db: &impl ConnectionTrait,
        networks: &[i64],
        span: Span,
    ) -> Result<Candidates, DbErr> {
        let mut loading = Loading {
            span,
            networks: json_ids(networks),
            by_network: networks
                .iter()
                .map(|n| (*n, NetworkNews::default()))
                .collect(),
        };
        loading.threads(db).await?;
        loading.resources(db).await?;
        loading.help_requests(db).await?;
        loading.polls(db).await?;
        loading.convenings(db).await?;
        loading.bright_spots(db).await?;
        Ok(Candidates {
            span,
            by_network: loading
                .by_network
                .into_iter()
                .map(|(n, news)| (n, Arc::new(news)))
                .collect(),
        })
    }
}

/// Candidates being read.
struct Loading {
    span: Span,
    /// As a JSON array.
    networks: String,
    by_network: HashMap<i64, NetworkNews>,
}

impl Loading {
    fn of(&mut self, row: &QueryResult) -> Result<&mut NetworkNews, DbErr> {
        let network: i64 = row.try_get("", "network_id")?;
        Ok(self.by_network.entry(network).or_default())
    }

    /// Threads started since the earliest window start, and older ones with posts since it.
    async fn threads(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let w = self.span;
        let rows = query(
            db,
            &format!(
                "SELECT t.id, t.network_id, t.author_id, t.title, t.reply_count, t.last_post_id, \
                    t.created_at, t.last_activity_at, n.name AS network, a.display_name AS author, \
                    {THREAD_EXTRAS} \
             FROM threads t JOIN networks n ON n.id = t.network_id JOIN members a ON a.id = t.author_id \
             {THREAD_JOINS} \
             WHERE t.network_id IN (ids) AND t.deleted_at IS NULL AND t.created_at > ?"
            ),
            vec![self.networks.clone().into(), w.earliest.into()],
        )
        .await?;
        for row in &rows {
            let thread = thread(row, Vec::new())?;
            self.of(row)?.new_threads.push(thread);
        }
        let rows = query(
            db,
            &format!(
                "SELECT t.id, t.network_id, t.author_id, t.title, t.reply_count, t.last_post_id, \
                    t.created_at, t.last_activity_at, n.name AS network, '' AS author, \
                    {THREAD_EXTRAS}, p.author_id AS poster, p.created_at AS posted_at \
             FROM threads t JOIN networks n ON n.id = t.network_id \
             JOIN posts p ON p.thread_id = t.id AND p.deleted_at IS NULL AND p.created_at > ? \
             {THREAD_JOINS} \
             WHERE t.network_id IN (ids) AND t.deleted_at IS NULL AND t.created_at <= ? \
             ORDER BY t.id"
            ),
            vec![
                w.earliest.into(),
                self.networks.clone().into(),
                w.latest.into(),
            ],
        )
        .await?;
        for (network, item) in
            activity_runs(&rows, ("poster", "posted_at"), thread, |t| &mut t.posts)?
        {
            self.by_network
                .entry(network)
                .or_default()
                .active_threads
                .push(item);
        }
        Ok(())
    }

    /// Resources shared since the earliest window start, and older ones marked helpful since.
    async fn resources(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let w = self.span;
        let rows = query(
            db,
            "SELECT r.id, r.network_id, r.author_id, r.title, r.helpful_count, r.created_at, \
                    n.name AS network, a.display_name AS author \
             FROM resources r JOIN networks n ON n.id = r.network_id JOIN members a ON a.id = r.author_id \
             WHERE r.network_id IN (ids) AND r.deleted_at IS NULL AND r.created_at > ?",
            vec![self.networks.clone().into(), w.earliest.into()],
        )
        .await?;
        for row in &rows {
            let resource = resource(row, Vec::new())?;
            self.of(row)?.new_resources.push(resource);
        }
        let rows = query(
            db,
            "SELECT r.id, r.network_id, r.author_id, r.title, r.helpful_count, r.created_at, \
                    n.name AS network, '' AS author, v.member_id AS voter, v.created_at AS voted_at \
             FROM resources r JOIN networks n ON n.id = r.network_id \
             JOIN resource_votes v ON v.resource_id = r.id AND v.created_at > ? \
             WHERE r.network_id IN (ids) AND r.deleted_at IS NULL AND r.created_at <= ? \
             ORDER BY r.id",
            vec![w.earliest.into(), self.networks.clone().into(), w.latest.into()],
        )
        .await?;
        for (network, item) in
            activity_runs(&rows, ("voter", "voted_at"), resource, |r| &mut r.votes)?
        {
            self.by_network
                .entry(network)
                .or_default()
                .helpful_resources
                .push(item);
        }
        Ok(())
    }

    /// Open or answered requests of the last `HELP_WANTED_DAYS`, with their tags.
    async fn help_requests(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let w = self.span;
        let rows = query(
            db,
            "SELECT h.id, h.network_id, h.author_id, h.title, h.response_count, h.created_at, \
                    n.name AS network \
             FROM help_requests h JOIN networks n ON n.id = h.network_id \
             WHERE h.network_id IN (ids) AND h.status IN ('open', 'answered') \
               AND h.deleted_at IS NULL AND h.created_at > ?",
            vec![
                self.networks.clone().into(),
                (w.now - chrono::Duration::days(HELP_WANTED_DAYS)).into(),
            ],
        )
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut requests = Vec::with_capacity(rows.len());
        for row in &rows {
            requests.push((
                row.try_get::<i64>("", "network_id")?,
                HelpRequest {
                    id: row.try_get("", "id")?,
                    title: row.try_get("", "title")?,
                    network: row.try_get("", "network")?,
                    author_id: row.try_get("", "author_id")?,
                    response_count: row.try_get("", "response_count")?,
                    created_at: row.try_get("", "created_at")?,
                    tags: Vec::new(),
                },
            ));
        }
        let ids: Vec<i64> = requests.iter().map(|(_, h)| h.id).collect();
        let tag_rows = query(
            db,
            "SELECT help_request_id, tag FROM help_request_tags WHERE help_request_id IN (ids)",
            vec![json_ids(&ids).into()],
        )
        .await?;
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        for row in &tag_rows {
            tags.entry(row.try_get("", "help_request_id")?)
                .or_default()
                .push(row.try_get("", "tag")?);
        }
        for (network, mut request) in requests {
            let Some(mut of_request) = tags.remove(&request.id) else {
                continue;
            };
            of_request.sort();
            request.tags = of_request;
            self.by_network
                .entry(network)
                .or_default()
                .help_requests
                .push(request);
        }
        Ok(())
    }

    /// Open polls (in a thread still there, if in one) opened since the earliest window
    /// start or closing soon.
    async fn polls(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let w = self.span;
        let soon = w.now + chrono::Duration::days(POLL_CLOSING_DAYS);
        let rows = query(
            db,
            "SELECT p.id, p.network_id, p.author_id, p.question, p.voter_count, p.closes_at, \
                    p.created_at, n.name AS network \
             FROM polls p JOIN networks n ON n.id = p.network_id \
             WHERE p.network_id IN (ids) AND p.deleted_at IS NULL AND p.closed_at IS NULL \
               AND (p.thread_id IS NULL OR EXISTS (SELECT 1 FROM threads pt \
                  WHERE pt.id = p.thread_id AND pt.deleted_at IS NULL)) \
               AND (p.closes_at IS NULL OR p.closes_at > ?) \
               AND (p.created_at > ? OR p.closes_at <= ?)",
            vec![
                self.networks.clone().into(),
                w.now.into(),
                w.earliest.into(),
                soon.into(),
            ],
        )
        .await?;
        for row in &rows {
            let poll = Poll {
                id: row.try_get("", "id")?,
                question: row.try_get("", "question")?,
                network: row.try_get("", "network")?,
                author_id: row.try_get("", "author_id")?,
                voter_count: row.try_get("", "voter_count")?,
                closes_at: row.try_get("", "closes_at")?,
                created_at: row.try_get("", "created_at")?,
            };
            self.of(row)?.polls.push(poll);
        }
        Ok(())
    }

    async fn convenings(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let w = self.span;
        let rows = query(
            db,
            "SELECT c.id, c.network_id, c.title, c.starts_at, n.name AS network \
             FROM convenings c JOIN networks n ON n.id = c.network_id \
             WHERE c.network_id IN (ids) AND c.cancelled_at IS NULL \
               AND c.starts_at > ? AND c.starts_at <= ?",
            vec![
                self.networks.clone().into(),
                w.now.into(),
                (w.now + chrono::Duration::days(UPCOMING_DAYS)).into(),
            ],
        )
        .await?;
        for row in &rows {
            let convening = Convening {
                id: row.try_get("", "id")?,
                title: row.try_get("", "title")?,
                network: row.try_get("", "network")?,
                starts_at: row.try_get("", "starts_at")?,
            };
            self.of(row)?.convenings.push(convening);
        }
        Ok(())
    }

    /// Bright-spot teams of active initiatives that checked in since the earliest window start.
    async fn bright_spots(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let w = self.span;
        let rows = query(
            db,
            "SELECT t.id, t.name, t.bright_since, i.id AS initiative_id, i.network_id, \
                    i.title AS initiative, i.measure_name, \
                    (SELECT MAX(c.submitted_at) FROM check_ins c WHERE c.team_id = t.id) AS last_check_in \
             FROM initiatives i JOIN initiative_teams t ON t.initiative_id = i.id \
             WHERE i.network_id IN (ids) AND i.status = 'active' AND t.deleted_at IS NULL \
               AND t.bright_since IS NOT NULL \
               AND EXISTS (SELECT 1 FROM check_ins c WHERE c.team_id = t.id AND c.submitted_at > ?)",
            vec![self.networks.clone().into(), w.earliest.into()],
        )
        .await?;
        for row in &rows {
            let spot = BrightSpot {
                id: row.try_get("", "id")?,
                name: row.try_get("", "name")?,
                bright_since: row.try_get("", "bright_since")?,
                initiative_id: row.try_get("", "initiative_id")?,
                initiative: row.try_get("", "initiative")?,
                measure_name: row.try_get("", "measure_name")?,
                last_check_in: row.try_get("", "last_check_in")?,
            };
            self.of(row)?.bright_spots.push(spot);
        }
        Ok(())
    }
}

/// What a digest line about a thread says besides its title: the thing it is the
/// discussion of (a resource, initiative or test of change, which the line is about
/// instead), the newest post's words, and how often its posts were found helpful.
const THREAD_EXTRAS: &str = "o.kind AS owner_kind, o.id AS owner_id, o.title AS owner_title, \
     lp.body AS last_body, CAST((SELECT COALESCE(SUM(q.helpful_count), 0) FROM posts q \
        WHERE q.thread_id = t.id AND q.deleted_at IS NULL) AS BIGINT) AS helpful";
const THREAD_JOINS: &str = "LEFT JOIN posts lp ON lp.id = t.last_post_id AND lp.deleted_at IS NULL \
     LEFT JOIN (SELECT discussion_thread_id AS thread_id, 'resource' AS kind, id, title FROM resources \
          WHERE discussion_thread_id IS NOT NULL AND deleted_at IS NULL \
        UNION ALL SELECT discussion_thread_id, 'initiative', id, title FROM initiatives \
          WHERE discussion_thread_id IS NOT NULL \
        UNION ALL SELECT discussion_thread_id, 'test', id, change_idea FROM tests_of_change \
          WHERE discussion_thread_id IS NOT NULL) o ON o.thread_id = t.id";

/// The thing a thread is the discussion of.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    /// `resource`, `initiative` or `test`: its key and web address say it so.
    pub kind: String,
    pub id: i64,
    pub title: String,
}

/// `(member, at)`: who posted or marked, and when.
pub type Activity = (i64, DateTime<Utc>);

/// Items joined to their activity, one row per post or vote, ordered by item id: each item
/// once (with its network), built by `make` from its first row, holding the `(who, when)`
/// of every row.
fn activity_runs<T>(
    rows: &[QueryResult],
    (who, when): (&str, &str),
    make: fn(&QueryResult, Vec<Activity>) -> Result<T, DbErr>,
    activity: fn(&mut T) -> &mut Vec<Activity>,
) -> Result<Vec<(i64, T)>, DbErr> {
    let mut items: Vec<(i64, i64, T)> = Vec::new();
    for row in rows {
        let at = (row.try_get("", who)?, row.try_get("", when)?);
        let id: i64 = row.try_get("", "id")?;
        match items.last_mut() {
            Some((last, _, item)) if *last == id => activity(item).push(at),
            _ => items.push((id, row.try_get("", "network_id")?, make(row, vec![at])?)),
        }
    }
    Ok(items
        .into_iter()
        .map(|(_, network, item)| (network, item))
        .collect())
}

fn thread(row: &QueryResult, posts: Vec<Activity>) -> Result<Thread, DbErr> {
    Ok(Thread {
        id: row.try_get("", "id")?,
        title: row.try_get("", "title")?,
        network: row.try_get("", "network")?,
        author_id: row.try_get("", "author_id")?,
        author: row.try_get("", "author")?,
        reply_count: row.try_get("", "reply_count")?,
        last_post_id: row.try_get("", "last_post_id")?,
        created_at: row.try_get("", "created_at")?,
        last_activity_at: row.try_get("", "last_activity_at")?,
        owner: match row.try_get::<Option<i64>>("", "owner_id")? {
            Some(id) => Some(Owner {
                kind: row.try_get("", "owner_kind")?,
                id,
                title: row.try_get("", "owner_title")?,
            }),
            None => None,
        },
        last_body: row.try_get("", "last_body")?,
        helpful: row.try_get("", "helpful")?,
        posts,
    })
}

fn resource(row: &QueryResult, votes: Vec<Activity>) -> Result<Resource, DbErr> {
    Ok(Resource {
        id: row.try_get("", "id")?,
        title: row.try_get("", "title")?,
        network: row.try_get("", "network")?,
        author_id: row.try_get("", "author_id")?,
        author: row.try_get("", "author")?,
        helpful_count: row.try_get("", "helpful_count")?,
        created_at: row.try_get("", "created_at")?,
        votes,
    })
}

/// What the batch's readers did with the candidates: the threads they muted or read, the
/// resources they marked or downloaded, the polls they answered, the requests they
/// answered or offered help on, and their expertise.
#[derive(Default)]
pub struct Facts {
    muted_threads: HashSet<(i64, i64)>,
    read_up_to: HashMap<(i64, i64), i64>,
    acted_on_resources: HashSet<(i64, i64)>,
    ballots: HashSet<(i64, i64)>,
    helped: HashSet<(i64, i64)>,
    /// `(member, team)`: the bright spots that are the reader's own team.
    teams: HashSet<(i64, i64)>,
    pub expertise: HashMap<i64, HashSet<String>>,
}

impl Facts {
    /// The facts of `readers` about the news of their networks in `news`. Each question is
    /// asked of the (reader, item) pairs that can meet, an item of one of the reader's
    /// networks: a few per reader, not every reader with every item of the batch.
    pub async fn load(
        db: &impl ConnectionTrait,
        readers: &[Reader],
        news: &Candidates,
    ) -> Result<Facts, DbErr> {
        let pairs = |pick: fn(&NetworkNews) -> Vec<i64>| -> Option<IdPairs> {
            let by_network: HashMap<i64, Vec<i64>> = news
                .by_network
                .iter()
                .map(|(network, of)| (*network, pick(of)))
                .collect();
            let pairs: Vec<(i64, i64)> = readers
                .iter()
                .flat_map(|r| {
                    r.networks
                        .iter()
                        .filter_map(|n| by_network.get(n))
                        .flatten()
                        .map(move |item| (r.id, *item))
                })
                .collect();
            (!pairs.is_empty()).then(|| IdPairs::new(&pairs))
        };
        let as_set = |rows: Vec<QueryResult>| -> Result<HashSet<(i64, i64)>, DbErr> {
            rows.iter()
                .map(|r| Ok((r.try_get("", "member_id")?, r.try_get("", "item_id")?)))
                .collect()
        };
        let mut facts = Facts::default();
        if let Some(threads) = pairs(|n| {
            n.new_threads
                .iter()
                .chain(&n.active_threads)
                .map(|t| t.id)
                .collect()
        }) {
            facts.muted_threads = as_set(
                query_pairs(
                    db,
                    "SELECT p.member_id, p.item_id FROM PAIRS \
                     JOIN thread_subscriptions ts ON ts.thread_id = p.item_id \
                       AND ts.member_id = p.member_id \
                     WHERE ts.level = 'muted'",
                    &threads,
                )
                .await?,
            )?;
            for row in query_pairs(
                db,
                "SELECT p.member_id, p.item_id, rm.last_read_post_id FROM PAIRS \
                 JOIN read_markers rm ON rm.thread_id = p.item_id AND rm.member_id = p.member_id",
                &threads,
            )
            .await?
            {
                facts.read_up_to.insert(
                    (row.try_get("", "member_id")?, row.try_get("", "item_id")?),
                    row.try_get("", "last_read_post_id")?,
                );
            }
        }
        if let Some(resources) = pairs(|n| {
            n.new_resources
                .iter()
                .chain(&n.helpful_resources)
                .map(|r| r.id)
                .collect()
        }) {
            facts.acted_on_resources = as_set(
                query_pairs(
                    db,
                    "SELECT p.member_id, p.item_id FROM PAIRS \
                     WHERE EXISTS (SELECT 1 FROM resource_votes v \
                        WHERE v.resource_id = p.item_id AND v.member_id = p.member_id) \
                     OR EXISTS (SELECT 1 FROM resource_downloads d \
                        WHERE d.resource_id = p.item_id AND d.member_id = p.member_id)",
                    &resources,
                )
                .await?,
            )?;
        }
        if let Some(polls) = pairs(|n| n.polls.iter().map(|p| p.id).collect()) {
            facts.ballots = as_set(
                query_pairs(
                    db,
                    "SELECT p.member_id, p.item_id FROM PAIRS \
                     JOIN poll_ballots b ON b.poll_id = p.item_id AND b.member_id = p.member_id",
                    &polls,
                )
                .await?,
            )?;
        }
        if let Some(requests) = pairs(|n| n.help_requests.iter().map(|h| h.id).collect()) {
            facts.helped = as_set(
                query_pairs(
                    db,
                    "SELECT p.member_id, p.item_id FROM PAIRS \
                     WHERE EXISTS (SELECT 1 FROM help_responses r \
                        WHERE r.help_request_id = p.item_id AND r.author_id = p.member_id) \
                     OR EXISTS (SELECT 1 FROM help_offers o \
                        WHERE o.help_request_id = p.item_id AND o.member_id = p.member_id)",
                    &requests,
                )
                .await?,
            )?;
            let members = json_ids(&readers.iter().map(|r| r.id).collect::<Vec<_>>());
            for row in query(
                db,
                "SELECT member_id, tag FROM member_expertise WHERE member_id IN (ids)",
                vec![members.into()],
            )
            .await?
            {
                facts
                    .expertise
                    .entry(row.try_get("", "member_id")?)
                    .or_default()
                    .insert(row.try_get("", "tag")?);
            }
        }
        if let Some(spots) = pairs(|n| n.bright_spots.iter().map(|t| t.id).collect()) {
            facts.teams = as_set(
                query_pairs(
                    db,
                    "SELECT p.member_id, p.item_id FROM PAIRS \
                     JOIN initiative_team_members tm ON tm.team_id = p.item_id \
                       AND tm.member_id = p.member_id",
                    &spots,
                )
                .await?,
            )?;
        }
        Ok(facts)
    }

    /// The reader is on this team: its bright spot is their own news, not news to them.
    pub fn on_team(&self, member: i64, team: i64) -> bool {
        self.teams.contains(&(member, team))
    }

    /// Neither muted by the reader nor read by them up to its last post.
    pub fn thread_unread(&self, member: i64, thread: i64, last_post: Option<i64>) -> bool {
        !self.muted_threads.contains(&(member, thread))
            && self
                .read_up_to
                .get(&(member, thread))
                .is_none_or(|read| *read < last_post.unwrap_or(0))
    }

    pub fn acted_on_resource(&self, member: i64, resource: i64) -> bool {
        self.acted_on_resources.contains(&(member, resource))
    }

    pub fn answered_poll(&self, member: i64, poll: i64) -> bool {
        self.ballots.contains(&(member, poll))
    }

    pub fn helped(&self, member: i64, request: i64) -> bool {
        self.helped.contains(&(member, request))
    }
}
