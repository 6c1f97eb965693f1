//! Load benchmark: `GET /api/v1/threads/{id}/posts` on Staffroom against a bare actix-web
//! handler doing the same SQLite read (posts of the thread, first page, as JSON), measured
//! in one run with the same load generator, and reported as ratios.
//!
//! Run: `cargo bench -p staffroom --bench thread_posts` (options: `-- --seconds 5
//! --connections 32 --posts 50`).

use actix_web::{web, App, HttpResponse, HttpServer};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use staffroom::config::Config;
use staffroom::entities::posts;
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Options {
    seconds: u64,
    connections: usize,
    posts: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        seconds: value("--seconds", 5),
        connections: value("--connections", 32) as usize,
        posts: value("--posts", 50) as usize,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options();
    let data_dir = std::env::temp_dir().join(format!("staffroom-bench-{}", std::process::id()));
    let config = Config {
        bind: "127.0.0.1:0".parse()?,
        data_dir: data_dir.clone(),
        workers: Some(1),
        ..Config::default()
    };

    // Staffroom itself, with a thread of `posts` posts written through the API's services.
    let app = staffroom::Application::build(config.clone()).await?;
    let staffroom_addr = app.address();
    let state = app.state();
    let (token, thread_id) = seed(&state, options.posts).await?;
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());

    // The baseline: the same database file, one handler, one query, no auth or extras.
    let baseline_db = staffroom::db::Db::connect(&config).await?;
    let reader = baseline_db.reader().clone();
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let baseline_addr = listener.local_addr()?;
    let baseline = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(reader.clone()))
            .route("/threads/{id}/posts", web::get().to(bare_posts))
    })
    .workers(1)
    .listen(listener)?
    .run();
    let baseline_handle = baseline.handle();
    tokio::spawn(baseline);

    let staffroom_path = format!("/api/v1/threads/{thread_id}/posts");
    let baseline_path = format!("/threads/{thread_id}/posts");
    // Both answer before measuring, and both return the same number of posts.
    let check = |addr, path: &str, auth: Option<&str>| {
        request_once(addr, path.to_owned(), auth.map(str::to_owned))
    };
    let ours = check(staffroom_addr, &staffroom_path, Some(&token)).await?;
    let bare = check(baseline_addr, &baseline_path, None).await?;
    anyhow::ensure!(
        ours.contains("\"items\"") && bare.starts_with('['),
        "unexpected responses"
    );

    println!(
        "GET threads/{{id}}/posts, first page (20 of {} posts), {} connections, {} s each, 1 server worker, SQLite",
        options.posts, options.connections, options.seconds
    );
    let warmup = Duration::from_secs(1);
    load(
        baseline_addr,
        &baseline_path,
        None,
        options.connections,
        warmup,
    )
    .await;
    let base = load(
        baseline_addr,
        &baseline_path,
        None,
        options.connections,
        Duration::from_secs(options.seconds),
    )
    .await;
    load(
        staffroom_addr,
        &staffroom_path,
        Some(&token),
        options.connections,
        warmup,
    )
    .await;
    let ours = load(
        staffroom_addr,
        &staffroom_path,
        Some(&token),
        options.connections,
        Duration::from_secs(options.seconds),
    )
    .await;

    println!(
        "{:<26} {:>10} {:>10} {:>10}",
        "", "req/s", "p50 ms", "p99 ms"
    );
    for (name, r) in [("bare actix-web + SQLite", &base), ("staffroom", &ours)] {
        println!(
            "{:<26} {:>10.0} {:>10.2} {:>10.2}",
            name, r.per_second, r.p50_ms, r.p99_ms
        );
    }
    println!(
        "ratio staffroom/bare: throughput {:.2}, p50 latency {:.2}, p99 latency {:.2}",
        ours.per_second / base.per_second,
        ours.p50_ms / base.p50_ms,
        ours.p99_ms / base.p99_ms
    );

    handle.stop(true).await;
    baseline_handle.stop(true).await;
    let _ = std::fs::remove_dir_all(data_dir);
    Ok(())
}

async fn seed(state: &staffroom::AppState, post_count: usize) -> anyhow::Result<(String, i64)> {
    use sea_orm::TransactionTrait;
    use staffroom::members::profile::{DisplayName, Email};
    use staffroom::members::service::{create_member, NewMember};
    let db = state.db.writer();
    let txn = db.begin().await?;
    let member = create_member(
        &txn,
        NewMember {
            email: Email::parse("bench@example.org").map_err(|e| anyhow::anyhow!("{e}"))?,
            display_name: DisplayName::parse("Bench Mark").map_err(|e| anyhow::anyhow!("{e}"))?,
            password_hash: None,
            is_admin: true,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    txn.commit().await?;
    let fail = |e: staffroom::error::ApiError| anyhow::anyhow!("{e}");
    let network = staffroom::networks::service::create(
        db,
        member.id,
        staffroom::networks::service::CreateNetwork {
            name: "Bench".into(),
            description: String::new(),
            visibility: staffroom::networks::model::Visibility::Private,
            join_policy: None,
            parent_id: None,
        },
    )
    .await
    .map_err(fail)?;
    let thread = staffroom::threads::service::create(
        db,
        &state.markdown,
        member.id,
        network.id.0,
        staffroom::threads::service::CreateThread {
            title: "A busy thread".into(),
            body: "What moved the needle for your **chronically absent** 9th graders?".into(),
            tags: vec!["chronic-absence".into()],
        },
    )
    .await
    .map_err(fail)?;
    for n in 1..post_count {
        staffroom::threads::posts::create(
            db,
            &state.markdown,
            member.id,
            thread.summary.id.0,
            staffroom::threads::posts::CreatePost {
                body: format!(
                    "Reply {n}: we tried *daily check-ins* and a call home on the first absence."
                ),
                reply_to_post_id: None,
            },
        )
        .await
        .map_err(fail)?;
    }
    Ok((state.tokens.issue_access(member.id), thread.summary.id.0))
}

/// The baseline handler: the same first-page read of the posts table, straight to JSON.
async fn bare_posts(db: web::Data<DatabaseConnection>, id: web::Path<i64>) -> HttpResponse {
    let rows = posts::Entity::find()
        .filter(posts::Column::ThreadId.eq(id.into_inner()))
        .order_by_asc(posts::Column::Id)
        .limit(21)
        .all(db.get_ref())
        .await;
    match rows {
        Ok(rows) => HttpResponse::Ok().json(
            rows.into_iter()
                .take(20)
                .map(|p| serde_json::json!({"id": p.id.to_string(), "body": p.body, "body_html": p.body_html, "created_at": p.created_at}))
                .collect::<Vec<_>>(),
        ),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

struct LoadResult {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Keeps `connections` keep-alive HTTP/1.1 connections busy for `duration`.
async fn load(
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
    connections: usize,
    duration: Duration,
) -> LoadResult {
    let request = build_request(addr, path, token);
    let deadline = Instant::now() + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let request = request.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let Ok(mut stream) = TcpStream::connect(addr).await else {
                return latencies;
            };
            let _ = stream.set_nodelay(true);
            let mut buffer = Vec::with_capacity(64 * 1024);
            while Instant::now() < deadline {
                let started = Instant::now();
                if stream.write_all(&request).await.is_err()
                    || read_response(&mut stream, &mut buffer).await.is_err()
                {
                    break;
                }
                latencies.push(started.elapsed());
            }
            latencies
        });
    }
    let mut latencies = Vec::new();
    while let Some(Ok(mut part)) = tasks.join_next().await {
        latencies.append(&mut part);
    }
    latencies.sort();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    LoadResult {
        per_second: latencies.len() as f64 / duration.as_secs_f64(),
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
    }
}

fn build_request(addr: SocketAddr, path: &str, token: Option<&str>) -> Vec<u8> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: keep-alive\r\n\r\n")
        .into_bytes()
}

/// Reads one response with a `Content-Length` body; errors on anything but 200.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<String> {
    buffer.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_string();
            if !head.starts_with("HTTP/1.1 200") {
                return Err(std::io::Error::other(head));
            }
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            return Ok(String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into_owned());
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn request_once(
    addr: SocketAddr,
    path: String,
    token: Option<String>,
) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(&build_request(addr, &path, token.as_deref()))
        .await?;
    let mut buffer = Vec::new();
    Ok(read_response(&mut stream, &mut buffer).await?)
}
