//! Search benchmark, for each engine (the embedded one always; Meilisearch when
//! `STAFFROOM_BENCH_MEILI_URL` or `STAFFROOM_TEST_MEILI_URL`, with its `…_KEY`, name one):
//! - indexing throughput: a corpus of plausible education text (`--posts`, default 100,000
//!   posts in 1,000 threads across 20 networks) rebuilt into a fresh index, documents/s;
//! - indexing lag: replies posted over HTTP at a steady `--rate` (default 50/s) for
//!   `--seconds`, commit to searchable per event (the indexer's histogram), p50/p99;
//! - search latency through `GET /api/v1/search` (a member of all 20 networks, 16
//!   connections) next to the engine queried directly in the same run: a bare actix-web
//!   handler running the same tantivy query with no authentication, or Meilisearch's own
//!   HTTP search with the same parameters (the same two requests for a query that falls
//!   back to some words); alternating rounds, ratios of the medians.
//!
//! Run: `cargo bench -p staffroom --bench search -- [--posts 100000] [--rounds 3]
//! [--only embedded|meilisearch]`

#[path = "common/allocator.rs"]
mod allocator;
#[path = "common/http_load.rs"]
mod http_load;
#[path = "common/seed.rs"]
mod seed;

use actix_web::{web, App, HttpResponse, HttpServer};
use http_load::{load, once, option, Request, Samples};
use sea_orm::{ActiveValue::Set, EntityTrait};
use staffroom::config::Config;
use staffroom::entities::network_members;
use staffroom::search::engine::{Engine, Scope};
use staffroom::search::query::{SearchParams, SearchQuery};
use std::net::TcpListener;
use std::time::{Duration, Instant};

const NETWORKS: usize = 20;
const POSTS_PER_THREAD: usize = 100;
const CONNECTIONS: usize = 16;
/// A typo, a second word, a prefix: what members type. `--query "…"` asks another (a
/// question whose words are never all together measures the fallback to some of them).
const QUERY: &str = "attendence incentiv";

fn query_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let args: Vec<String> = std::env::args().collect();
        args.iter()
            .position(|a| a == "--query")
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| QUERY.to_owned())
    })
}

/// `text` as a query string value.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let posts = option("--posts", 100_000) as usize;
    let rounds = option("--rounds", 3).max(1);
    let seconds = option("--seconds", 10);
    let rate = option("--rate", 50);
    let meili = ["STAFFROOM_BENCH_MEILI", "STAFFROOM_TEST_MEILI"]
        .iter()
        .find_map(|prefix| {
            let url = std::env::var(format!("{prefix}_URL"))
                .ok()
                .filter(|u| !u.is_empty())?;
            Some((url, std::env::var(format!("{prefix}_KEY")).ok()))
        });
    // `--only meilisearch` or `--only embedded`: one engine.
    let args: Vec<String> = std::env::args().collect();
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let mut engines = Vec::new();
    if only.as_deref() != Some("meilisearch") {
        engines.push(None);
    }
    match meili {
        Some(meili) if only.as_deref() != Some("embedded") => engines.push(Some(meili)),
        Some(_) => {}
        None => {
            println!("Meilisearch: SKIPPED (set STAFFROOM_BENCH_MEILI_URL and _KEY to include it)")
        }
    }
    for meili in engines {
        run(posts, rounds, seconds, rate, meili).await?;
    }
    Ok(())
}

async fn run(
    posts: usize,
    rounds: u64,
    seconds: u64,
    rate: u64,
    meili: Option<(String, Option<String>)>,
) -> anyhow::Result<()> {
    let data_dir = std::env::temp_dir().join(format!(
        "staffroom-search-bench-{}-{}",
        std::process::id(),
        meili.is_some()
    ));
    let index = format!("bench_{}", std::process::id());
    let config = Config {
        bind: "127.0.0.1:0".parse()?,
        data_dir: data_dir.clone(),
        // As deployed: one worker per core (the engine queried directly uses them all too).
        workers: None,
        meilisearch_url: meili.as_ref().map(|m| m.0.clone()),
        meilisearch_key: meili.as_ref().and_then(|m| m.1.clone()),
        meilisearch_index: index.clone(),
        ..Config::default()
    };
    let app = staffroom::Application::build(config).await?;
    let address = app.address();
    let state = app.state();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let engine = state
        .search
        .engine()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no search engine"))?;
    println!("\n== {} engine, {posts} posts ==", engine.name());

    eprintln!("seeding…");
    let (admin, member, first_thread) = seed(&state, posts).await?;

    // Indexing throughput: rebuild everything from the database.
    let started = Instant::now();
    let asked = Request::post_json(address, "/api/v1/admin/search/reindex", Some(&admin), "{}");
    once(address, &asked).await?;
    let status = Request::get(address, "/api/v1/admin/search/reindex", Some(&admin));
    let documents = loop {
        let body: serde_json::Value = serde_json::from_str(&once(address, &status).await?)?;
        match body["state"].as_str() {
            Some("done") => break body["documents_done"].as_i64().unwrap_or(0),
            Some("failed") => anyhow::bail!("the rebuild failed: {body}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let took = started.elapsed().as_secs_f64();
    println!(
        "indexing: {documents} documents in {took:.1} s: {:.0} documents/s",
        documents as f64 / took
    );

    // Lag under steady writes.
    let before = state.search.counters.lag_counts();
    let path = format!("/api/v1/threads/{first_thread}/posts");
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut ticker = tokio::time::interval(interval);
    let writes = rate * seconds;
    for n in 0..writes {
        ticker.tick().await;
        let body = serde_json::json!({ "body": format!("Steady write {n}: mentoring check-ins for chronic absence.") })
            .to_string();
        let request = Request::post_json(address, &path, Some(&admin), &body);
        tokio::spawn(async move { once(address, &request).await });
    }
    // Let the last writes become searchable.
    let deadline = Instant::now() + Duration::from_secs(30);
    let observed = loop {
        let after = state.search.counters.lag_counts();
        let delta: Vec<u64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
        if delta.iter().sum::<u64>() >= writes || Instant::now() > deadline {
            break delta;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "lag under {rate} writes/s for {seconds} s ({} events): p50 ≤ {}, p99 ≤ {}",
        observed.iter().sum::<u64>(),
        quantile(&observed, 0.5),
        quantile(&observed, 0.99)
    );

    // Search latency: through the API, and the engine directly.
    let query = encoded(query_text());
    let ours = Request::get(
        address,
        &format!("/api/v1/search?q={query}&limit=20"),
        Some(&member),
    );
    // What the API answered tells how Meilisearch is asked directly for the same answer:
    // every word; or, when nothing held them all, every word and then the frequency
    // strategy, the two questions any client must ask to get "all words, else the best
    // partial matches" (Meilisearch has no single request for it). For such a query the
    // frequency strategy alone is measured too, as the cheaper floor a client that always
    // accepted partial matches would see.
    let answered: serde_json::Value = serde_json::from_str(&once(address, &ours).await?)?;
    let fell_back = answered["matched"] == "some";
    println!(
        "query {:?}: matched {} on the API",
        query_text(),
        answered["matched"]
    );
    let (direct_address, direct, direct_name, floor) = match &engine {
        Engine::Embedded(_) => {
            let (address, request) = bare_tantivy(engine.clone(), &state).await?;
            (
                address,
                request,
                "bare actix-web + the same tantivy query",
                None,
            )
        }
        Engine::Meilisearch(_) => {
            let (url, key) = meili.clone().unwrap_or_default();
            let address = url.trim_start_matches("http://").parse()?;
            let ask = |strategy: &str| {
                Request::post_json(
                    address,
                    &format!("/indexes/{index}/search"),
                    key.as_deref(),
                    &meili_body(NETWORKS, strategy),
                )
            };
            if fell_back {
                let request = ask("all").then(ask("frequency"));
                (
                    address,
                    request,
                    "Meilisearch directly, all then frequency",
                    Some(ask("frequency")),
                )
            } else {
                (address, ask("all"), "Meilisearch directly over HTTP", None)
            }
        }
    };
    let found: serde_json::Value = serde_json::from_str(&once(address, &ours).await?)?;
    anyhow::ensure!(found["total"].as_u64().unwrap_or(0) > 0, "no hits: {found}");
    once(direct_address, &direct).await?;
    load(address, &ours, CONNECTIONS, Duration::from_secs(1)).await;
    load(direct_address, &direct, CONNECTIONS, Duration::from_secs(1)).await;
    let (mut api, mut bare, mut floors) =
        (Samples::default(), Samples::default(), Samples::default());
    // Each round's p50 ratio, its two loads run seconds apart: this machine's speed drifts
    // within a minute, so the median of these is the steadier figure.
    let mut round_ratios: Vec<f64> = Vec::new();
    let mut floor_ratios: Vec<f64> = Vec::new();
    for round in 1..=rounds {
        let b = load(direct_address, &direct, CONNECTIONS, Duration::from_secs(3)).await;
        let o = load(address, &ours, CONNECTIONS, Duration::from_secs(3)).await;
        println!(
            "  round {round}: direct p50 {:.2} ms p99 {:.2} ms; API p50 {:.2} ms p99 {:.2} ms",
            b.p50_ms, b.p99_ms, o.p50_ms, o.p99_ms
        );
        if let Some(floor) = &floor {
            let f = load(direct_address, floor, CONNECTIONS, Duration::from_secs(3)).await;
            println!(
                "           frequency alone p50 {:.2} ms p99 {:.2} ms",
                f.p50_ms, f.p99_ms
            );
            floor_ratios.push(o.p50_ms / f.p50_ms);
            floors.push(&f);
        }
        round_ratios.push(o.p50_ms / b.p50_ms);
        bare.push(&b);
        api.push(&o);
    }
    round_ratios.sort_by(f64::total_cmp);
    let (bare, api) = (bare.medians(), api.medians());
    println!(
        "{:<32} {:>10} {:>10} {:>10}",
        "search, median of rounds", "req/s", "p50 ms", "p99 ms"
    );
    println!("{}", bare.row(direct_name));
    println!("{}", api.row("GET /api/v1/search"));
    println!("ratio API/direct: {}", api.ratios_to(&bare));
    println!(
        "p50 ratio API/direct, median of the {} rounds' own: {:.2} (rounds {:.2} to {:.2})",
        round_ratios.len(),
        round_ratios[round_ratios.len() / 2],
        round_ratios[0],
        round_ratios[round_ratios.len() - 1]
    );
    if !floor_ratios.is_empty() {
        floor_ratios.sort_by(f64::total_cmp);
        let floors = floors.medians();
        println!("{}", floors.row("Meilisearch, frequency alone"));
        println!(
            "p50 ratio API/(frequency alone), median of the rounds' own: {:.2} (rounds {:.2} to {:.2})",
            floor_ratios[floor_ratios.len() / 2],
            floor_ratios[0],
            floor_ratios[floor_ratios.len() - 1]
        );
    }

    handle.stop(true).await;
    let _ = std::fs::remove_dir_all(&data_dir);
    if let Some((url, key)) = meili {
        // The benchmark's index goes with it.
        let client = reqwest_free_delete(&url, key.as_deref(), &index).await;
        if let Err(err) = client {
            eprintln!("could not delete the benchmark index {index}: {err}");
        }
    }
    Ok(())
}

/// The upper bound of the bucket holding quantile `q` of the lag histogram.
fn quantile(counts: &[u64], q: f64) -> String {
    let total: u64 = counts.iter().sum();
    let target = (total as f64 * q).ceil() as u64;
    let mut seen = 0;
    for (i, count) in counts.iter().enumerate() {
        seen += count;
        if seen >= target.max(1) {
            return match staffroom::search::LAG_BUCKETS_MS.get(i) {
                Some(ms) => format!("{ms} ms"),
                None => "longer than 10 s".to_owned(),
            };
        }
    }
    "n/a".to_owned()
}

/// What `MeiliEngine::search` asks Meilisearch for this query and scope.
fn meili_body(networks: usize, strategy: &str) -> String {
    let ids: Vec<String> = (1..=networks).map(|n| n.to_string()).collect();
    serde_json::json!({
        "q": query_text(),
        "limit": 20,
        "offset": 0,
        "matchingStrategy": strategy,
        "filter": format!("network_ids IN [{}]", ids.join(", ")),
        "facets": ["type", "tags", "network_ids", "status"],
        "attributesToRetrieve": ["id", "type", "network_id", "thread_id", "title", "url", "replies", "helpful", "activity_at"],
        "attributesToHighlight": ["title", "body", "details"],
        "attributesToCrop": ["body:30", "details:30"],
        "cropMarker": "…",
        "highlightPreTag": "\u{E000}",
        "highlightPostTag": "\u{E001}",
        "showRankingScore": true,
    })
    .to_string()
}

/// A bare actix-web server answering `GET /search?q=` with the embedded engine's query,
/// scope "everything", no authentication, no database.
async fn bare_tantivy(
    engine: Engine,
    state: &staffroom::AppState,
) -> anyhow::Result<(std::net::SocketAddr, Request)> {
    let settings = state.search.settings.clone();
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let server = HttpServer::new(move || {
        let engine = engine.clone();
        let settings = settings.clone();
        App::new().route(
            "/search",
            web::get().to(move |params: web::Query<SearchParams>| {
                let engine = engine.clone();
                let settings = settings.clone();
                async move {
                    let Ok(query) = SearchQuery::parse(params.into_inner(), &settings) else {
                        return HttpResponse::BadRequest().finish();
                    };
                    match engine.search(query, Scope::All).await {
                        Ok(results) => HttpResponse::Ok().json(serde_json::json!({
                            "total": results.total,
                            "hits": results.hits.iter().map(|h| serde_json::json!({
                                "id": h.key, "title": h.title, "snippet_html": h.snippet_html, "url": h.url,
                            })).collect::<Vec<_>>(),
                        })),
                        Err(_) => HttpResponse::InternalServerError().finish(),
                    }
                }
            }),
        )
    })
    .listen(listener)?
    .run();
    tokio::spawn(server);
    let query = encoded(query_text());
    Ok((
        address,
        Request::get(address, &format!("/search?q={query}&limit=20"), None),
    ))
}

/// Deletes the benchmark's Meilisearch index (plain HTTP, as the load generator speaks).
async fn reqwest_free_delete(url: &str, key: Option<&str>, index: &str) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    stream
        .write_all(format!("DELETE /indexes/{index} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n").as_bytes())
        .await?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await?;
    Ok(())
}

/// Words educators write; posts are sentences drawn from them (deterministically).
const WORDS: &[&str] = &[
    "attendance",
    "incentives",
    "chronic",
    "absence",
    "mentoring",
    "counselor",
    "family",
    "engagement",
    "ninth",
    "graders",
    "check-ins",
    "data",
    "dashboard",
    "tardies",
    "intervention",
    "tier",
    "supports",
    "letter",
    "home",
    "visit",
    "principal",
    "campus",
    "students",
    "teachers",
    "schedule",
    "transportation",
    "bus",
    "route",
    "wellness",
    "belonging",
    "advisory",
    "period",
    "emergent",
    "bilingual",
    "newcomers",
    "translation",
    "phone",
    "calls",
    "rewards",
    "raffle",
    "recognition",
    "assembly",
    "truancy",
    "court",
    "policy",
    "coding",
    "reports",
    "weekly",
    "meeting",
    "team",
    "plan",
    "study",
    "act",
    "cycle",
    "run",
    "chart",
    "baseline",
    "median",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut out = Vec::with_capacity(words);
        for _ in 0..words {
            out.push(WORDS[self.next() % WORDS.len()]);
        }
        out.join(" ")
    }
}

/// An admin (its token), a member of all twenty networks (its token), and the first thread;
/// threads and posts inserted in bulk (the rebuild indexes them).
async fn seed(
    state: &staffroom::AppState,
    table_posts: usize,
) -> anyhow::Result<(String, String, i64)> {
    let db = state.db.writer();
    let people = seed::members(state, "search", 2).await?;
    let (admin, member) = (&people[0], &people[1]);
    let authors = [admin.id, member.id];
    let mut networks = Vec::new();
    for n in 0..NETWORKS {
        let network = seed::private_network(state, admin.id, &format!("Network {n}")).await?;
        network_members::Entity::insert(network_members::ActiveModel {
            network_id: Set(network),
            member_id: Set(member.id),
            role: Set("member".to_owned()),
            notification_level: Set("normal".to_owned()),
            joined_at: Set(chrono::Utc::now()),
        })
        .exec(db)
        .await?;
        networks.push(network);
    }
    let mut rng = Rng(7);
    let mut first_thread = 0;
    for t in 0..table_posts.div_ceil(POSTS_PER_THREAD) {
        let title = format!("{} {}", rng.sentence(4), t);
        let bodies: Vec<(String, String)> = (0..POSTS_PER_THREAD)
            .map(|_| {
                let body = format!("{}. {}.", rng.sentence(14), rng.sentence(10));
                let html = format!("<p>{body}</p>");
                (body, html)
            })
            .collect();
        let thread =
            seed::bulk_thread(state, networks[t % NETWORKS], title, &authors, bodies).await?;
        if first_thread == 0 {
            first_thread = thread;
        }
    }
    Ok((
        state.tokens.issue_access(admin.id),
        state.tokens.issue_access(member.id),
        first_thread,
    ))
}
