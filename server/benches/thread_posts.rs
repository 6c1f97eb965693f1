//! Load benchmark of the thread page, `GET /api/v1/threads/{id}/posts`, against a bare
//! actix-web + sqlx handler doing one joined read of the same 20 posts with their authors,
//! on the same SQLite file, measured in one run with the same load generator, in
//! alternating rounds, reported as ratios of the medians.
//!
//! The posts table holds `--posts` posts (default 100,000) across many threads, so that the
//! figures show whether the page stays flat in table size.
//!
//! Run: `cargo bench -p staffroom --bench thread_posts` (options: `-- --posts 1000000
//! --seconds 3 --rounds 3 --connections 16`).

#[path = "common/allocator.rs"]
mod allocator;
#[path = "common/http_load.rs"]
mod http_load;
#[path = "common/seed.rs"]
mod seed;

use actix_web::{web, App, HttpResponse, HttpServer};
use http_load::{compare_rounds, once, option, Request, Side};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sea_orm::sqlx::{Row, SqlitePool};
use sea_orm::{ActiveValue::Set, EntityTrait};
use staffroom::config::Config;
use staffroom::entities::reactions;
use std::net::TcpListener;
use std::time::Duration;

/// Posts of the thread whose page is read (the rest of the table is other threads').
const PAGE_THREAD_POSTS: usize = 50;
/// Posts per filler thread.
const FILLER_THREAD_POSTS: usize = 100;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let table_posts = option("--posts", 100_000) as usize;
    let seconds = option("--seconds", 3);
    let rounds = option("--rounds", 3).max(1);
    let connections = option("--connections", 16) as usize;
    let data_dir = std::env::temp_dir().join(format!("staffroom-bench-{}", std::process::id()));
    let config = Config {
        bind: "127.0.0.1:0".parse()?,
        data_dir: data_dir.clone(),
        workers: Some(1),
        ..Config::default()
    };

    let app = staffroom::Application::build(config.clone()).await?;
    let staffroom_addr = app.address();
    let state = app.state();
    eprintln!("seeding {table_posts} posts…");
    let (token, thread_id) = seed(&state, table_posts).await?;
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());

    // The baseline: the same file through a plain sqlx pool of the same size as Staffroom's
    // read pool, one handler, one joined query, no authentication, no middleware.
    let pool = SqlitePoolOptions::new()
        .max_connections(config.database_max_connections)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(data_dir.join("staffroom.db"))
                .journal_mode(SqliteJournalMode::Wal),
        )
        .await?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let baseline_addr = listener.local_addr()?;
    let baseline = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .route("/threads/{id}/posts", web::get().to(bare_page))
    })
    .workers(1)
    .listen(listener)?
    .run();
    let baseline_handle = baseline.handle();
    tokio::spawn(baseline);

    let ours = Request::get(
        staffroom_addr,
        &format!("/api/v1/threads/{thread_id}/posts"),
        Some(&token),
    );
    let bare = Request::get(baseline_addr, &format!("/threads/{thread_id}/posts"), None);
    // Both answer, with the same posts.
    let ids_of = |body: &str, items: bool| -> anyhow::Result<Vec<String>> {
        let value: serde_json::Value = serde_json::from_str(body)?;
        let list = if items { &value["items"] } else { &value };
        Ok(list
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("not a list: {body}"))?
            .iter()
            .map(|p| p["id"].as_str().unwrap_or_default().to_owned())
            .collect())
    };
    let ours_ids = ids_of(&once(staffroom_addr, &ours).await?, true)?;
    let bare_ids = ids_of(&once(baseline_addr, &bare).await?, false)?;
    anyhow::ensure!(
        ours_ids == bare_ids && ours_ids.len() == 20,
        "the two pages differ"
    );

    println!(
        "GET threads/{{id}}/posts: first page (20 posts with authors) of a thread, {table_posts} posts in the table, \
         {connections} connections, {rounds} alternating rounds of {seconds} s, 1 server worker, SQLite"
    );
    let duration = Duration::from_secs(seconds);
    compare_rounds(
        Side {
            addr: baseline_addr,
            request: &bare,
            label: "bare actix-web + sqlx join",
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

    handle.stop(true).await;
    baseline_handle.stop(true).await;
    let _ = std::fs::remove_dir_all(data_dir);
    Ok(())
}

/// The baseline handler: one joined read of the first 20 posts with their authors, to JSON.
async fn bare_page(pool: web::Data<SqlitePool>, id: web::Path<i64>) -> HttpResponse {
    let rows = sea_orm::sqlx::query(
        "SELECT p.id, p.post_number, p.body, p.body_html, p.created_at, \
                m.id AS author_id, m.handle, m.display_name \
         FROM posts p JOIN members m ON m.id = p.author_id \
         WHERE p.thread_id = ? ORDER BY p.id LIMIT 20",
    )
    .bind(id.into_inner())
    .fetch_all(pool.get_ref())
    .await;
    match rows {
        Ok(rows) => HttpResponse::Ok().json(
            rows.iter()
                .map(|row| {
                    serde_json::json!({
                        "id": row.get::<i64, _>("id").to_string(),
                        "post_number": row.get::<i64, _>("post_number"),
                        "body": row.get::<String, _>("body"),
                        "body_html": row.get::<String, _>("body_html"),
                        "created_at": row.get::<String, _>("created_at"),
                        "author": {
                            "id": row.get::<i64, _>("author_id").to_string(),
                            "handle": row.get::<String, _>("handle"),
                            "display_name": row.get::<String, _>("display_name"),
                        },
                    })
                })
                .collect::<Vec<_>>(),
        ),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// An admin, twelve members, a network; the page's thread written through the services
/// (rendered bodies, events, reactions), and the rest of the table filled in bulk.
async fn seed(state: &staffroom::AppState, table_posts: usize) -> anyhow::Result<(String, i64)> {
    let fail = |e: staffroom::error::ApiError| anyhow::anyhow!("{e}");
    let db = state.db.writer();
    let people = seed::members(state, "bench", 13).await?;
    let admin = &people[0];
    let network = seed::private_network(state, admin.id, "Bench").await?;
    let thread = staffroom::threads::service::create(
        db,
        &state.markdown,
        staffroom::ids::MemberId(admin.id),
        staffroom::ids::NetworkId(network),
        staffroom::threads::service::CreateThread {
            title: "A busy thread".into(),
            body: "What moved the needle for your **chronically absent** 9th graders?".into(),
            tags: vec!["chronic-absence".into()],
        },
    )
    .await
    .map_err(fail)?;
    let thread_id = thread.thread.summary.id.0;
    let mut page_posts = Vec::new();
    for n in 1..PAGE_THREAD_POSTS {
        let post = staffroom::threads::posts::create(
            db,
            &state.markdown,
            staffroom::ids::MemberId(admin.id),
            staffroom::ids::ThreadId(thread_id),
            staffroom::threads::posts::CreatePost {
                body: format!(
                    "Reply {n}: we tried *daily check-ins* and a call home on the first absence."
                ),
                reply_to_post_id: None,
            },
        )
        .await
        .map_err(fail)?;
        page_posts.push(post.post.id.0);
    }
    // Reactions on the page's posts, from several members, of every kind.
    let now = chrono::Utc::now();
    let mut rows = Vec::new();
    for (n, post_id) in page_posts.iter().take(20).enumerate() {
        for (m, member) in people.iter().skip(1).take(1 + n % 6).enumerate() {
            rows.push(reactions::ActiveModel {
                post_id: Set(*post_id),
                member_id: Set(member.id),
                kind: Set(["helpful", "thanks", "agree"][m % 3].to_owned()),
                created_at: Set(now),
            });
        }
    }
    reactions::Entity::insert_many(rows).exec(db).await?;
    // Reactions inserted directly: keep the posts' counts true, as the service would.
    use sea_orm::ConnectionTrait;
    for (column, kind) in [
        ("helpful_count", "helpful"),
        ("thanks_count", "thanks"),
        ("agree_count", "agree"),
    ] {
        db.execute_unprepared(&format!(
            "UPDATE posts SET {column} = (SELECT COUNT(*) FROM reactions r WHERE r.post_id = posts.id AND r.kind = '{kind}') \
             WHERE thread_id = {thread_id}"
        ))
        .await?;
    }

    // The rest of the table: other threads' posts, inserted directly.
    let mut remaining = table_posts.saturating_sub(PAGE_THREAD_POSTS);
    let mut filler = 0;
    let authors: Vec<i64> = people[1..].iter().map(|p| p.id).collect();
    while remaining > 0 {
        filler += 1;
        let count = remaining.min(FILLER_THREAD_POSTS);
        let body = "Filler post about attendance data, with **some** markdown.";
        let html = "<p>Filler post about attendance data, with <strong>some</strong> markdown.</p>";
        seed::bulk_thread(
            state,
            network,
            format!("Filler thread {filler}"),
            &authors,
            (0..count).map(|_| (body.to_owned(), html.to_owned())),
        )
        .await?;
        remaining -= count;
    }
    Ok((state.tokens.issue_access(admin.id), thread_id))
}
