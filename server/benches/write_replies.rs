//! Write benchmark: replies posted over HTTP by concurrent clients, with SQLite at
//! `synchronous=FULL` (Staffroom's setting: an acknowledged write survives power loss)
//! against `synchronous=NORMAL` (WAL's cheaper default), measured in alternating rounds of
//! one run and reported as ratios of the medians: the price of durability.
//!
//! Run: `cargo bench -p staffroom --bench write_replies` (options: `-- --seconds 3
//! --rounds 3 --connections 16`).

#[path = "common/allocator.rs"]
mod allocator;
#[path = "common/http_load.rs"]
mod http_load;
#[path = "common/seed.rs"]
mod seed;

use http_load::{load, once, option, Request, Samples};
use staffroom::config::{Config, SqliteSync};
use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds = option("--seconds", 3);
    let rounds = option("--rounds", 3).max(1);
    let connections = option("--connections", 16) as usize;
    let data_dir =
        std::env::temp_dir().join(format!("staffroom-write-bench-{}", std::process::id()));
    let config = |sync| Config {
        bind: "127.0.0.1:0".parse().expect("an address"),
        data_dir: data_dir.clone(),
        workers: Some(1),
        sqlite_synchronous: sync,
        ..Config::default()
    };
    let (token, thread) = {
        let state = staffroom::AppState::open(config(SqliteSync::Full)).await?;
        let seeded = seed(&state).await?;
        state.db.clone().close().await;
        seeded
    };
    let body = serde_json::json!({
        "body": "We tried *daily check-ins* with one trusted adult and a call home on the first absence."
    })
    .to_string();

    println!(
        "POST threads/{{id}}/posts: {connections} clients replying, {rounds} alternating rounds of {seconds} s, 1 server worker, SQLite WAL"
    );
    let mut results = [
        (SqliteSync::Full, Samples::default()),
        (SqliteSync::Normal, Samples::default()),
    ];
    for round in 0..=rounds {
        for (sync, samples) in results.iter_mut() {
            let app = staffroom::Application::build(config(*sync)).await?;
            let address = app.address();
            let handle = app.handle();
            tokio::spawn(app.run_until_stopped());
            let request = Request::post_json(
                address,
                &format!("/api/v1/threads/{thread}/posts"),
                Some(&token),
                &body,
            );
            once(address, &request).await?;
            // Round 0 warms both up and is not counted.
            let duration = if round == 0 {
                Duration::from_secs(1)
            } else {
                Duration::from_secs(seconds)
            };
            let result = load(address, &request, connections, duration).await;
            handle.stop(true).await;
            if round == 0 {
                continue;
            }
            println!(
                "  round {round} {:<6}: {:.0} replies/s (p50 {:.2} ms, p99 {:.2} ms){}",
                name(*sync),
                result.per_second,
                result.p50_ms,
                result.p99_ms,
                if result.errors > 0 {
                    format!(", {} errors", result.errors)
                } else {
                    String::new()
                }
            );
            samples.push(&result);
        }
    }
    let [(_, full), (_, normal)] = results.map(|(sync, mut samples)| (sync, samples.medians()));
    println!(
        "{:<32} {:>10} {:>10} {:>10}",
        "median of rounds", "replies/s", "p50 ms", "p99 ms"
    );
    println!("{}", full.row("synchronous=FULL"));
    println!("{}", normal.row("synchronous=NORMAL"));
    println!("ratio FULL/NORMAL: {}", full.ratios_to(&normal));
    let _ = std::fs::remove_dir_all(data_dir);
    Ok(())
}

fn name(sync: SqliteSync) -> &'static str {
    match sync {
        SqliteSync::Full => "FULL",
        SqliteSync::Normal => "NORMAL",
    }
}

/// An admin, a network and a thread to reply in.
async fn seed(state: &staffroom::AppState) -> anyhow::Result<(String, i64)> {
    let admin = seed::members(state, "bench", 1).await?.remove(0);
    let network = seed::private_network(state, admin.id, "Bench").await?;
    let thread = seed::thread(state, admin.id, network, "Busy", "Replies go here.").await?;
    Ok((state.tokens.issue_access(admin.id), thread))
}
