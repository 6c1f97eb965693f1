//! Load benchmark of the unread feed, `GET /api/v1/me/feed?filter=unread`, for a member of
//! 5 networks on an instance of 10,000 members and 200 networks, against a bare actix-web +
//! sqlx handler reading the same rows in one plain query (the member's unread threads, help
//! requests, polls and resources, newest activity first, with network, last actor and unread
//! count; `--threads-only` reads the threads alone), on the same SQLite file,
//! measured in one run with the same load generator, in alternating rounds, reported as
//! ratios of the medians.
//!
//! The instance holds `--posts` posts (default 1,000,000) in threads of 20 posts spread
//! evenly over the networks, so the member's networks hold 2.5 % of them: the figures show
//! whether the feed stays flat as the instance grows. Everything is inserted in bulk by SQL.
//!
//! Run: `cargo bench -p staffroom --bench feed` (options: `-- --posts 100000 --seconds 3
//! --rounds 3 --connections 16 --threads-only`; `--keep` keeps the SQLite file and prints
//! where it is).

#[path = "common/allocator.rs"]
mod allocator;
#[path = "common/app.rs"]
mod app;
#[path = "common/http_load.rs"]
mod http_load;
#[path = "common/seed.rs"]
mod seed;

use actix_web::{web, App, HttpResponse, HttpServer};
use http_load::{compare_rounds, once, option, Request, Side};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sea_orm::sqlx::{Row, SqlitePool};
use sea_orm::{ConnectionTrait, TransactionTrait};
use staffroom::config::Config;
use std::net::TcpListener;
use std::time::{Duration, Instant};

const MEMBERS: i64 = 10_000;
const NETWORKS: i64 = 200;
/// Networks each member belongs to.
const MEMBERSHIPS: i64 = 5;
const POSTS_PER_THREAD: i64 = 20;
/// Help requests, polls and resources per network.
const HELP_PER_NETWORK: i64 = 2;
const POLLS_PER_NETWORK: i64 = 2;
const RESOURCES_PER_NETWORK: i64 = 5;
/// Other members' read markers per thread.
const READERS_PER_THREAD: i64 = 4;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let table_posts = option("--posts", 1_000_000) as i64;
    let seconds = option("--seconds", 3);
    let rounds = option("--rounds", 3).max(1);
    let connections = option("--connections", 16) as usize;
    let keep = std::env::args().any(|a| a == "--keep");
    let threads_only = std::env::args().any(|a| a == "--threads-only");
    let baseline_sql: &'static str = if threads_only {
        THREADS_ONLY
    } else {
        ALL_KINDS
    };

    let server = app::BenchServer::start("feed").await?;
    eprintln!("seeding {table_posts} posts…");
    let started = Instant::now();
    let seeded = seed(&server.state, table_posts).await?;
    eprintln!(
        "seeded in {:.1} s: {} threads, {} of them in the member's {MEMBERSHIPS} networks, {} unread",
        started.elapsed().as_secs_f64(),
        seeded.threads,
        seeded.scope_threads,
        seeded.unread_threads
    );

    // The baseline: the same file through a plain sqlx pool of the same size as Staffroom's
    // read pool, one handler, one query, no authentication, no middleware.
    let pool = SqlitePoolOptions::new()
        .max_connections(Config::default().database_max_connections)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(server.database_file())
                .journal_mode(SqliteJournalMode::Wal),
        )
        .await?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let baseline_addr = listener.local_addr()?;
    let baseline = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .app_data(web::Data::new(baseline_sql))
            .route("/members/{id}/unread", web::get().to(bare_unread))
    })
    .workers(1)
    .listen(listener)?
    .run();
    let baseline_handle = baseline.handle();
    tokio::spawn(baseline);

    let staffroom_addr = server.addr;
    let ours = Request::get(
        staffroom_addr,
        "/api/v1/me/feed?filter=unread",
        Some(&seeded.token),
    );
    let bare = Request::get(
        baseline_addr,
        &format!("/members/{}/unread", seeded.member),
        None,
    );
    // Both answer, with the same threads, the same unread counts and the same first unread
    // posts. The seed makes the member's help requests, polls and resources either read or
    // older than the first page, so the feed's first page holds threads only and can be
    // compared id for id.
    type Entry = (String, String, i64, Option<i64>);
    let page_of = |body: &str, items: bool| -> anyhow::Result<Vec<Entry>> {
        let value: serde_json::Value = serde_json::from_str(body)?;
        let list = if items { &value["items"] } else { &value };
        Ok(list
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("not a list: {body}"))?
            .iter()
            .map(|item| {
                let first_unread = match item["first_unread_url"].as_str() {
                    Some(url) => url.split("#post-").nth(1).and_then(|n| n.parse().ok()),
                    None => item["first_unread_post"].as_i64(),
                };
                (
                    item["type"].as_str().unwrap_or("thread").to_owned(),
                    item["id"].as_str().unwrap_or_default().to_owned(),
                    item["unread_count"].as_i64().unwrap_or(-1),
                    first_unread,
                )
            })
            .collect())
    };
    let ours_page = page_of(&once(staffroom_addr, &ours).await?, true)?;
    let bare_page = page_of(&once(baseline_addr, &bare).await?, false)?;
    anyhow::ensure!(
        ours_page == bare_page && ours_page.len() == 20,
        "the two pages differ:\n  staffroom {ours_page:?}\n  bare      {bare_page:?}"
    );

    println!(
        "GET me/feed?filter=unread: first page (20 unread threads) of a member of {MEMBERSHIPS} networks \
         ({} threads, {} unread), {MEMBERS} members, {NETWORKS} networks, {table_posts} posts, \
         {connections} connections, {rounds} alternating rounds of {seconds} s, 1 server worker, SQLite",
        seeded.scope_threads, seeded.unread_threads
    );
    let duration = Duration::from_secs(seconds);
    compare_rounds(
        Side {
            addr: baseline_addr,
            request: &bare,
            label: if threads_only {
                "bare actix-web + sqlx query (threads only)"
            } else {
                "bare actix-web + sqlx query"
            },
        },
        Side {
            addr: staffroom_addr,
            request: &ours,
            label: "staffroom",
        },
        connections,
        duration,
        rounds,
    )
    .await;

    baseline_handle.stop(true).await;
    if keep {
        println!("kept {}", server.database_file().display());
    } else {
        server.stop().await;
    }
    Ok(())
}

/// The member's unread things of every kind the seed makes, plain: each kind's rows in the
/// member's networks with their read state, sorted and cut, then the details of the page.
const ALL_KINDS: &str = "\
    SELECT page.kind, page.id, page.title, page.last_activity_at, page.network_id, n.name, \
           a.id AS actor_id, a.handle, a.display_name, \
           CASE WHEN page.kind = 'thread' \
                THEN (SELECT COUNT(*) FROM posts q WHERE q.thread_id = page.id AND q.deleted_at IS NULL \
                      AND q.id > page.marker) \
                WHEN page.kind = 'help_request' \
                THEN (SELECT COUNT(*) FROM help_responses q WHERE q.help_request_id = page.id \
                      AND (page.read_at IS NULL OR q.created_at > page.read_at)) \
                ELSE 0 END AS unread_count, \
           CASE WHEN page.kind = 'thread' \
                THEN (SELECT q.post_number FROM posts q WHERE q.thread_id = page.id AND q.id > page.marker \
                      AND q.deleted_at IS NULL ORDER BY q.id LIMIT 1) END AS first_unread, \
           COALESCE(fp.body, page.body) AS opening, \
           COALESCE(fp.helpful_count, page.helpful_count) AS helpful_count \
    FROM (SELECT 'thread' AS kind, t.id, t.title, NULL AS body, 0 AS helpful_count, t.last_activity_at, \
                 t.network_id, t.last_post_id, t.author_id AS actor_id, \
                 COALESCE(rm.last_read_post_id, 0) AS marker, NULL AS read_at \
          FROM network_members nm \
          JOIN threads t ON t.network_id = nm.network_id AND t.deleted_at IS NULL \
          LEFT JOIN read_markers rm ON rm.thread_id = t.id AND rm.member_id = nm.member_id \
          WHERE nm.member_id = ?1 AND t.last_post_id > COALESCE(rm.last_read_post_id, 0) \
          UNION ALL \
          SELECT 'help_request', h.id, h.title, h.body, 0, h.last_activity_at, h.network_id, NULL, \
                 h.actor_id, 0, ir.read_at \
          FROM network_members nm \
          JOIN (SELECT h.*, COALESCE(lr.created_at, h.created_at) AS last_activity_at, \
                       COALESCE(lr.author_id, h.author_id) AS actor_id \
                FROM help_requests h \
                LEFT JOIN help_responses lr ON lr.id = (SELECT MAX(r.id) FROM help_responses r \
                                                        WHERE r.help_request_id = h.id)) h \
            ON h.network_id = nm.network_id AND h.deleted_at IS NULL \
          LEFT JOIN item_reads ir ON ir.member_id = nm.member_id AND ir.subject_type = 'help_request' \
                                 AND ir.subject_id = h.id \
          WHERE nm.member_id = ?1 AND h.actor_id <> ?1 \
            AND (ir.read_at IS NULL OR h.last_activity_at > ir.read_at) \
          UNION ALL \
          SELECT 'poll', p.id, p.question, p.description, 0, p.created_at, p.network_id, NULL, \
                 p.author_id, 0, ir.read_at \
          FROM network_members nm \
          JOIN polls p ON p.network_id = nm.network_id AND p.deleted_at IS NULL \
          LEFT JOIN item_reads ir ON ir.member_id = nm.member_id AND ir.subject_type = 'poll' \
                                 AND ir.subject_id = p.id \
          WHERE nm.member_id = ?1 AND p.author_id <> ?1 AND (ir.read_at IS NULL OR p.created_at > ir.read_at) \
          UNION ALL \
          SELECT 'resource', r.id, r.title, r.description, r.helpful_count, r.created_at, r.network_id, NULL, \
                 r.author_id, 0, ir.read_at \
          FROM network_members nm \
          JOIN resources r ON r.network_id = nm.network_id AND r.deleted_at IS NULL \
          LEFT JOIN item_reads ir ON ir.member_id = nm.member_id AND ir.subject_type = 'resource' \
                                 AND ir.subject_id = r.id \
          WHERE nm.member_id = ?1 AND r.author_id <> ?1 AND (ir.read_at IS NULL OR r.created_at > ir.read_at) \
          ORDER BY 6 DESC, 2 DESC LIMIT 20) page \
    JOIN networks n ON n.id = page.network_id \
    LEFT JOIN posts lp ON lp.id = page.last_post_id \
    JOIN members a ON a.id = COALESCE(lp.author_id, page.actor_id) \
    LEFT JOIN posts fp ON page.kind = 'thread' \
                      AND fp.id = (SELECT MIN(f.id) FROM posts f WHERE f.thread_id = page.id) \
    ORDER BY page.last_activity_at DESC, page.id DESC";

/// The baseline before 7 December: the member's unread threads alone.
const THREADS_ONLY: &str = "\
    SELECT page.id, page.title, page.last_activity_at, page.network_id, n.name, \
    a.id AS actor_id, a.handle, a.display_name, \
    (SELECT COUNT(*) FROM posts q WHERE q.thread_id = page.id AND q.deleted_at IS NULL \
    AND q.id > page.marker) AS unread_count, \
    (SELECT q.post_number FROM posts q WHERE q.thread_id = page.id AND q.id > page.marker \
    AND q.deleted_at IS NULL ORDER BY q.id LIMIT 1) AS first_unread, \
    fp.body AS opening, fp.helpful_count AS helpful_count \
    FROM (SELECT t.id, t.title, t.last_activity_at, t.network_id, t.last_post_id, t.author_id, \
    COALESCE(rm.last_read_post_id, 0) AS marker \
    FROM network_members nm \
    JOIN threads t ON t.network_id = nm.network_id AND t.deleted_at IS NULL \
    LEFT JOIN read_markers rm ON rm.thread_id = t.id AND rm.member_id = nm.member_id \
    WHERE nm.member_id = ? AND t.last_post_id > COALESCE(rm.last_read_post_id, 0) \
    ORDER BY t.last_activity_at DESC, t.id DESC LIMIT 20) page \
    JOIN networks n ON n.id = page.network_id \
    LEFT JOIN posts lp ON lp.id = page.last_post_id \
    JOIN members a ON a.id = COALESCE(lp.author_id, page.author_id) \
    JOIN posts fp ON fp.id = (SELECT MIN(f.id) FROM posts f WHERE f.thread_id = page.id) \
    ORDER BY page.last_activity_at DESC, page.id DESC";

/// The baseline handler: the same rows the feed's unread filter reads, with plain SQL: the
/// member's unread threads, help requests, polls and resources (the kinds the seed makes) in
/// their networks, newest activity first, 20 of them, with what the feed shows of each
/// (network name, last actor, the opening post or description for the excerpt and its
/// helpful count, unread posts or responses and the first unread post), to JSON. The page
/// is cut first so the rest is read for its rows only. With `--threads-only` it reads the
/// threads alone, as the baseline did before 7 December (`THREADS_ONLY`).
async fn bare_unread(
    pool: web::Data<SqlitePool>,
    sql: web::Data<&'static str>,
    member: web::Path<i64>,
) -> HttpResponse {
    let rows = sea_orm::sqlx::query(sql.get_ref())
        .bind(member.into_inner())
        .fetch_all(pool.get_ref())
        .await;
    match rows {
        Ok(rows) => HttpResponse::Ok().json(
            rows.iter()
                .map(|row| {
                    serde_json::json!({
                        "type": row.try_get::<String, _>("kind").unwrap_or_else(|_| "thread".to_owned()),
                        "id": row.get::<i64, _>("id").to_string(),
                        "title": row.get::<String, _>("title"),
                        "last_activity_at": row.get::<String, _>("last_activity_at"),
                        "network": {
                            "id": row.get::<i64, _>("network_id").to_string(),
                            "name": row.get::<String, _>("name"),
                        },
                        "last_actor": {
                            "id": row.get::<i64, _>("actor_id").to_string(),
                            "handle": row.get::<String, _>("handle"),
                            "display_name": row.get::<String, _>("display_name"),
                        },
                        "unread_count": row.get::<i64, _>("unread_count"),
                        "first_unread_post": row.get::<Option<i64>, _>("first_unread"),
                        "excerpt": row.get::<Option<String>, _>("opening"),
                        "helpful_count": row.get::<i64, _>("helpful_count"),
                    })
                })
                .collect::<Vec<_>>(),
        ),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// What the seed made.
struct Seeded {
    /// The measured member and their access token.
    member: i64,
    token: String,
    threads: i64,
    /// Threads in the member's networks, and how many of them the member has not read.
    scope_threads: i64,
    unread_threads: i64,
}

/// `'<base>' + <seconds> s` as SQL, in the form the server writes timestamps.
fn at(base: &str, seconds: &str) -> String {
    format!("(strftime('%Y-%m-%dT%H:%M:%f', '{base}', ({seconds}) || ' seconds') || '000+00:00')")
}

/// `(SELECT 0 AS k UNION ALL … SELECT count - 1)`: a small table to join with, written out
/// (a second reference to the recursive `seq` could be evaluated again for every row).
fn small(count: i64) -> String {
    let rows: Vec<String> = (0..count).map(|k| format!("SELECT {k} AS k")).collect();
    format!("({})", rows.join(" UNION ALL "))
}

/// `WITH RECURSIVE seq(n)` counting from 1 to `to`.
fn seq(to: i64) -> String {
    format!("WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {to}) ")
}

/// An admin and the measured member written through the service, everything else inserted
/// by SQL in one transaction: members, networks and memberships, threads of 20 posts (thread
/// `t` in network `(t - 1) % 200 + 1`, one a minute, its posts a second apart), read markers,
/// and help requests with responses, polls and resources.
///
/// The member reads networks 3, 43, 83, 123 and 163 (every 40th thread). Of their threads
/// (counted `j` = 0, 1, … in order) `j % 6 == 0` were never opened, `j % 6 == 1` are read
/// half way, the rest read to the end: a third unread. Their help requests, polls and
/// resources from the last three quarters of the time are read; the older ones are unread
/// but older than the first page's threads.
async fn seed(state: &staffroom::AppState, table_posts: i64) -> anyhow::Result<Seeded> {
    let people = seed::members(state, "feed", 2).await?;
    let (admin, member) = (people[0].id, people[1].id);
    // The memberships below are worked out for these ids.
    anyhow::ensure!(
        admin == 1 && member == 2,
        "expected members 1 and 2 on a fresh file"
    );
    let first_bulk = member + 1;
    let threads = (table_posts / POSTS_PER_THREAD).max(1);
    let span = threads * 60;
    // The newest activity was ten minutes ago.
    let base = (chrono::Utc::now() - chrono::Duration::seconds(span + 600))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let other = |expr: &str| format!("((({expr}) % ({MEMBERS} - {first_bulk})) + {first_bulk})");
    let in_scope = "((t - 1) % 40 = 2)";
    let statements = [
        format!(
            "{seq} INSERT INTO members (id, email, handle, display_name, created_at, updated_at) \
             SELECT n + {first_bulk} - 1, 'member' || n || '@example.org', 'member-' || n, 'Member ' || n, {t0}, {t0} \
             FROM seq WHERE n + {first_bulk} - 1 <= {MEMBERS}",
            seq = seq(MEMBERS),
            t0 = at(&base, "-86400"),
        ),
        format!(
            "{seq} INSERT INTO networks (id, name, description, visibility, join_policy, created_by, created_at, updated_at) \
             SELECT n, 'Network ' || n, '', 'private', 'invite', {admin}, {t0}, {t0} FROM seq",
            seq = seq(NETWORKS),
            t0 = at(&base, "-86400"),
        ),
        // Member m belongs to networks (m + 40k) % 200 + 1, k < 5: the measured member (2) to
        // 3, 43, 83, 123 and 163.
        format!(
            "{seq} INSERT INTO network_members (network_id, member_id, role, notification_level, joined_at) \
             SELECT ((m + 40 * k) % {NETWORKS}) + 1, m, CASE WHEN m = {admin} THEN 'facilitator' ELSE 'member' END, \
                    'normal', {t0} \
             FROM (SELECT n AS m FROM seq WHERE n <= {MEMBERS}) \
             JOIN {ks}",
            seq = seq(MEMBERS),
            ks = small(MEMBERSHIPS),
            t0 = at(&base, "-86400"),
        ),
        format!(
            "{seq} INSERT INTO threads (id, network_id, author_id, title, is_pinned, is_locked, reply_count, \
                                        last_post_id, last_activity_at, created_at, updated_at) \
             SELECT t, ((t - 1) % {NETWORKS}) + 1, {author}, 'Thread ' || t || ': what moved chronic absence?', \
                    FALSE, FALSE, {replies}, t * {POSTS_PER_THREAD}, {last}, {created}, {last} \
             FROM (SELECT n AS t FROM seq)",
            seq = seq(threads),
            author = other("t * 7"),
            replies = POSTS_PER_THREAD - 1,
            last = at(&base, &format!("t * 60 + {}", POSTS_PER_THREAD - 1)),
            created = at(&base, "t * 60"),
        ),
        format!(
            "{seq} INSERT INTO posts (id, thread_id, author_id, post_number, body, body_html, created_at, updated_at, \
                                      helpful_count, thanks_count, agree_count) \
             SELECT n, t, CASE WHEN k = 1 THEN {author} ELSE {replier} END, k, \
                    'Post ' || k || ': we tried *daily check-ins* and a call home on the first absence.', \
                    '<p>Post ' || k || ': we tried <em>daily check-ins</em> and a call home on the first absence.</p>', \
                    {created}, {created}, 0, 0, 0 \
             FROM (SELECT n, (n - 1) / {POSTS_PER_THREAD} + 1 AS t, (n - 1) % {POSTS_PER_THREAD} + 1 AS k FROM seq)",
            seq = seq(threads * POSTS_PER_THREAD),
            author = other("t * 7"),
            replier = other("t * 13 + k * 31"),
            created = at(&base, "t * 60 + k - 1"),
        ),
        format!(
            "{seq} INSERT INTO read_markers (thread_id, member_id, last_read_post_id, updated_at) \
             SELECT t, {member}, CASE WHEN ((t - 1) / 40) % 6 = 1 THEN (t - 1) * {POSTS_PER_THREAD} + {half} \
                                      ELSE t * {POSTS_PER_THREAD} END, {read} \
             FROM (SELECT n AS t FROM seq) WHERE {in_scope} AND ((t - 1) / 40) % 6 <> 0",
            seq = seq(threads),
            half = POSTS_PER_THREAD / 2,
            read = at(&base, "t * 60 + 30"),
        ),
        format!(
            "{seq} INSERT INTO read_markers (thread_id, member_id, last_read_post_id, updated_at) \
             SELECT t, {reader}, t * {POSTS_PER_THREAD}, {read} \
             FROM (SELECT n AS t FROM seq) JOIN {ks}",
            seq = seq(threads),
            ks = small(READERS_PER_THREAD),
            reader = other(&format!("t * 17 + k * ({MEMBERS} / {READERS_PER_THREAD})")),
            read = at(&base, "t * 60 + 30"),
        ),
        // Help requests, polls and resources: item h of a kind is in network (h - 1) % 200 + 1,
        // spread over the whole time.
        format!(
            "{seq} INSERT INTO help_requests (id, network_id, author_id, title, body, body_html, urgency, status, \
                                              response_count, created_at, updated_at, is_anonymous) \
             SELECT h, ((h - 1) % {NETWORKS}) + 1, {author}, 'Help ' || h || ': attendance data for a board meeting', \
                    'Which **two** charts would you show?', '<p>Which <strong>two</strong> charts would you show?</p>', \
                    'normal', 'open', 3, {created}, {created}, FALSE \
             FROM (SELECT n AS h FROM seq)",
            seq = seq(HELP_PER_NETWORK * NETWORKS),
            author = other("h * 11"),
            created = at(&base, &format!("h * {span} / {}", HELP_PER_NETWORK * NETWORKS)),
        ),
        format!(
            "{seq} INSERT INTO help_responses (help_request_id, author_id, body, body_html, created_at, updated_at) \
             SELECT h, {author}, 'We used a run chart.', '<p>We used a run chart.</p>', {created}, {created} \
             FROM (SELECT n AS h FROM seq) JOIN (SELECT k + 1 AS r FROM {ks})",
            seq = seq(HELP_PER_NETWORK * NETWORKS),
            ks = small(3),
            author = other("h * 11 + r"),
            created = at(&base, &format!("h * {span} / {} + r * 20", HELP_PER_NETWORK * NETWORKS)),
        ),
        format!(
            "{seq} INSERT INTO polls (id, network_id, author_id, question, description, description_html, kind, \
                                      results_visibility, is_anonymous, voter_count, created_at, updated_at) \
             SELECT p, ((p - 1) % {NETWORKS}) + 1, {author}, 'Poll ' || p || ': which day for the convening?', '', '', \
                    'single', 'always', FALSE, 0, {created}, {created} \
             FROM (SELECT n AS p FROM seq)",
            seq = seq(POLLS_PER_NETWORK * NETWORKS),
            author = other("p * 19"),
            created = at(&base, &format!("p * {span} / {} + 7", POLLS_PER_NETWORK * NETWORKS)),
        ),
        format!(
            "{seq} INSERT INTO resources (id, network_id, author_id, kind, title, description, description_html, url, \
                                          helpful_count, download_count, created_at, updated_at) \
             SELECT r, ((r - 1) % {NETWORKS}) + 1, {author}, 'link', 'Resource ' || r || ': an attendance toolkit', \
                    'A toolkit.', '<p>A toolkit.</p>', 'https://example.org/toolkit/' || r, 0, 0, {created}, {created} \
             FROM (SELECT n AS r FROM seq)",
            seq = seq(RESOURCES_PER_NETWORK * NETWORKS),
            author = other("r * 23"),
            created = at(&base, &format!("r * {span} / {} + 13", RESOURCES_PER_NETWORK * NETWORKS)),
        ),
    ];
    let txn = state.db.writer().connection().begin().await?;
    for statement in &statements {
        txn.execute_unprepared(statement).await?;
    }
    // The member has read their networks' help requests, polls and resources of the last
    // three quarters of the time, an hour after they were created.
    for (kind, table, per_network) in [
        ("help_request", "help_requests", HELP_PER_NETWORK),
        ("poll", "polls", POLLS_PER_NETWORK),
        ("resource", "resources", RESOURCES_PER_NETWORK),
    ] {
        txn.execute_unprepared(&format!(
            "INSERT INTO item_reads (member_id, subject_type, subject_id, first_opened_at, read_at) \
             SELECT {member}, '{kind}', x.id, {read}, {read} FROM {table} x \
             JOIN network_members nm ON nm.network_id = x.network_id AND nm.member_id = {member} \
             WHERE x.id > {quarter}",
            read = at(&base, &format!("x.id * {span} / {} + 3600", per_network * NETWORKS)),
            quarter = per_network * NETWORKS / 4,
        ))
        .await?;
    }
    // Inserted around the services: the feed's activity table is filled as after a load.
    staffroom::feed::activity::rebuild(&txn).await?;
    txn.commit().await?;
    // A bulk load leaves the whole database in the write-ahead log; a running instance
    // checkpoints as it goes. Both servers read the file as it would be in steady state.
    state
        .db
        .writer()
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await?;

    let count = |sql: String| async move {
        let row = state
            .db
            .reader()
            .query_one(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                sql,
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no count"))?;
        anyhow::Ok(row.try_get_by::<i64, _>(0)?)
    };
    let scope_threads = count(format!(
        "SELECT COUNT(*) FROM threads t JOIN network_members nm ON nm.network_id = t.network_id \
         WHERE nm.member_id = {member}"
    ))
    .await?;
    let unread_threads = count(format!(
        "SELECT COUNT(*) FROM threads t JOIN network_members nm ON nm.network_id = t.network_id \
         LEFT JOIN read_markers rm ON rm.thread_id = t.id AND rm.member_id = {member} \
         WHERE nm.member_id = {member} AND t.last_post_id > COALESCE(rm.last_read_post_id, 0)"
    ))
    .await?;
    Ok(Seeded {
        member,
        token: state.tokens.issue_access(member),
        threads,
        scope_threads,
        unread_threads,
    })
}
