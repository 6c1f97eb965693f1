//! Run-chart benchmark: an initiative with `--teams` teams (default 200), each with
//! `--weeks` weekly check-ins (default 260: five years). Measured in one run, on the same
//! SQLite file, one request or computation at a time:
//! - through the API: `GET /api/v1/initiatives/{id}/chart` (the network chart: the median
//!   of the teams each week, its baseline and signals, and its description in words) and
//!   `?team_id=` (one team's five years);
//! - the baseline: the same rows read with one SQL query through a plain sqlx pool and the
//!   same chart computed in-process (`network_series`, `chart::read`) and serialized.
//!
//! Reported: p50/p99 of each and the API/baseline ratios. Goal: the network chart through
//! the API ≤ 1.5× the baseline.
//!
//! Run: `cargo bench -p staffroom --bench initiative_charts` (options: `-- --teams 200
//! --weeks 260 --seconds 3 --rounds 3`).

#[path = "common/allocator.rs"]
mod allocator;
#[path = "common/app.rs"]
mod app;
#[path = "common/http_load.rs"]
mod http_load;
#[path = "common/seed.rs"]
mod seed;

use app::BenchServer;
use chrono::NaiveDate;
use http_load::{load, median, once, option, Request};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sea_orm::sqlx::{Row, SqlitePool};
use sea_orm::{ActiveValue::Set, EntityTrait};
use staffroom::entities::check_ins;
use staffroom::initiatives::bright_spots::network_series;
use staffroom::initiatives::charts::chart;
use staffroom::initiatives::charts::run_chart::Direction;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let teams = option("--teams", 200).max(1) as usize;
    let weeks = option("--weeks", 260).max(1) as usize;
    let seconds = option("--seconds", 3);
    let rounds = option("--rounds", 3).max(1);
    let server = BenchServer::start("chart").await?;
    let (addr, state) = (server.addr, server.state.clone());

    eprintln!("seeding {teams} teams × {weeks} weeks…");
    let seeding = Instant::now();
    let (token, initiative, first_team) = seed_initiative(&state, teams, weeks).await?;
    eprintln!("seeded in {:.1} s", seeding.elapsed().as_secs_f64());

    // One connection, so its page cache stays warm as the server's busy reader's does
    // (requests go one at a time on both sides).
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(server.database_file())
                .journal_mode(SqliteJournalMode::Wal),
        )
        .await?;

    let network = Request::get(
        addr,
        &format!("/api/v1/initiatives/{initiative}/chart"),
        Some(&token),
    );
    let team = Request::get(
        addr,
        &format!("/api/v1/initiatives/{initiative}/chart?team_id={first_team}"),
        Some(&token),
    );
    // Both sides compute the same chart.
    let api_body: serde_json::Value = serde_json::from_str(&once(addr, &network).await?)?;
    let bare_body = bare_network_chart(&pool, initiative).await?;
    anyhow::ensure!(
        api_body["points"] == bare_body["points"] && api_body["signals"] == bare_body["signals"],
        "the API and the baseline disagree"
    );
    let points = api_body["points"].as_array().map_or(0, Vec::len);

    println!(
        "GET initiatives/{{id}}/chart: {teams} teams × {weeks} weekly check-ins ({} rows), one request at a time, \
         {rounds} alternating rounds of {seconds} s, 1 server worker, SQLite",
        teams * weeks
    );
    let duration = Duration::from_secs(seconds);
    let warm = Duration::from_millis(500);
    load(addr, &network, 1, warm).await;
    bare_samples(&pool, initiative, None, warm).await?;
    let mut rows: Vec<(&str, Vec<(f64, f64)>)> = vec![
        ("network chart, API", Vec::new()),
        ("network chart, SQL + in-process", Vec::new()),
        ("team chart, API", Vec::new()),
        ("team chart, SQL + in-process", Vec::new()),
    ];
    for round in 1..=rounds {
        let api = load(addr, &network, 1, duration).await;
        let bare = bare_samples(&pool, initiative, None, duration).await?;
        let api_team = load(addr, &team, 1, duration).await;
        let bare_team = bare_samples(&pool, initiative, Some(first_team), duration).await?;
        println!(
            "  round {round}: network API p50 {:.2} ms p99 {:.2} ms, baseline p50 {:.2} ms p99 {:.2} ms; \
             team API p50 {:.2} ms p99 {:.2} ms, baseline p50 {:.2} ms p99 {:.2} ms{}",
            api.p50_ms, api.p99_ms, bare.0, bare.1, api_team.p50_ms, api_team.p99_ms, bare_team.0, bare_team.1,
            if api.errors + api_team.errors > 0 { format!(", {} errors", api.errors + api_team.errors) } else { String::new() }
        );
        rows[0].1.push((api.p50_ms, api.p99_ms));
        rows[1].1.push(bare);
        rows[2].1.push((api_team.p50_ms, api_team.p99_ms));
        rows[3].1.push(bare_team);
    }
    let medians: Vec<(f64, f64)> = rows
        .iter_mut()
        .map(|(_, samples)| {
            let mut p50: Vec<f64> = samples.iter().map(|s| s.0).collect();
            let mut p99: Vec<f64> = samples.iter().map(|s| s.1).collect();
            (median(&mut p50), median(&mut p99))
        })
        .collect();
    println!(
        "{:<36} {:>10} {:>10}",
        "median of rounds", "p50 ms", "p99 ms"
    );
    for ((label, _), (p50, p99)) in rows.iter().zip(&medians) {
        println!("{label:<36} {p50:>10.2} {p99:>10.2}");
    }
    println!(
        "network chart ({points} weeks): API/baseline p50 {:.2}, p99 {:.2} (goal ≤ 1.5)",
        medians[0].0 / medians[1].0,
        medians[0].1 / medians[1].1
    );
    println!(
        "team chart ({weeks} weeks): API/baseline p50 {:.2}, p99 {:.2}",
        medians[2].0 / medians[3].0,
        medians[2].1 / medians[3].1
    );

    server.stop().await;
    Ok(())
}

/// An admin and a network; the initiative and its teams through the services, the check-ins
/// in bulk (a plausible noisy level with a drop in the last year).
async fn seed_initiative(
    state: &staffroom::AppState,
    teams: usize,
    weeks: usize,
) -> anyhow::Result<(String, i64, i64)> {
    let people = seed::members(state, "chart", 1).await?;
    let admin = people[0].id;
    let network = seed::private_network(state, admin, "Chart bench").await?;
    let initiative = seed::attendance_initiative(state, admin, network).await?;
    let first_monday: NaiveDate = "2021-01-04".parse()?;
    let mut team_ids = Vec::with_capacity(teams);
    for n in 0..teams {
        let team = seed::team(state, admin, initiative, format!("School {n:03}")).await?;
        team_ids.push(team);
    }
    let now = staffroom::clock::now();
    for (n, team) in team_ids.iter().enumerate() {
        let rows = (0..weeks).map(|week| {
            // Deterministic noise around a level that drops in the last year.
            let noise = (((week * 7919 + n * 104_729) % 97) as f64 / 97.0 - 0.5) * 3.0;
            let level = if week + 52 >= weeks { 13.0 } else { 18.0 };
            check_ins::ActiveModel {
                team_id: Set(*team),
                initiative_id: Set(initiative),
                period: Set(first_monday + chrono::Duration::weeks(week as i64)),
                value: Set(((level + noise) * 10.0).round() / 10.0),
                note: Set(String::new()),
                submitted_by: Set(admin),
                submitted_at: Set(now),
                created_at: Set(now),
                ..Default::default()
            }
        });
        check_ins::Entity::insert_many(rows)
            .exec(state.db.writer())
            .await?;
    }
    let token = state.tokens.issue_access(admin);
    Ok((token, initiative, team_ids[0]))
}

/// The baseline's chart: one SQL query for the rows, the chart computed in-process, and the
/// parts the API answers with (points and signals) as JSON.
async fn bare_chart(
    pool: &SqlitePool,
    initiative: i64,
    team: Option<i64>,
) -> anyhow::Result<serde_json::Value> {
    let points: Vec<(NaiveDate, f64)> = match team {
        Some(team) => sea_orm::sqlx::query(
            "SELECT period, value FROM check_ins WHERE team_id = ? ORDER BY period",
        )
        .bind(team)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| (row.get("period"), row.get("value")))
        .collect(),
        None => {
            let rows = sea_orm::sqlx::query(
                // The query the API runs (`queries::initiative_series`), so both read the
                // rows the same way (through the team index, already in order).
                "SELECT c.team_id, c.period, c.value FROM check_ins c \
                 JOIN initiative_teams t ON t.id = c.team_id \
                 WHERE c.initiative_id = ? AND t.deleted_at IS NULL \
                 ORDER BY c.team_id, c.period",
            )
            .bind(initiative)
            .fetch_all(pool)
            .await?;
            let mut teams: Vec<Vec<(NaiveDate, f64)>> = Vec::new();
            let mut current = None;
            for row in &rows {
                let id: i64 = row.get("team_id");
                if current != Some(id) {
                    teams.push(Vec::new());
                    current = Some(id);
                }
                if let Some(series) = teams.last_mut() {
                    series.push((row.get("period"), row.get("value")));
                }
            }
            network_series(&teams)
        }
    };
    let reading = chart::read(points, None, Direction::Decrease);
    let period = |i: usize| reading.points[i].0;
    Ok(serde_json::json!({
        "points": reading.points.iter().map(|(p, v)| serde_json::json!({"period": p, "value": v})).collect::<Vec<_>>(),
        "baseline": reading.baseline.map(|b| serde_json::json!({"median": b.median, "provisional": b.provisional})),
        "signals": reading.signals.iter().map(|s| serde_json::json!({
            "rule": s.rule.as_str(), "from": period(s.from), "to": period(s.to), "effect": s.effect.as_str(),
        })).collect::<Vec<_>>(),
    }))
}

async fn bare_network_chart(
    pool: &SqlitePool,
    initiative: i64,
) -> anyhow::Result<serde_json::Value> {
    bare_chart(pool, initiative, None).await
}

/// p50 and p99 (ms) of the baseline computed back to back for `duration`, serialized as the
/// API would send it.
async fn bare_samples(
    pool: &SqlitePool,
    initiative: i64,
    team: Option<i64>,
    duration: Duration,
) -> anyhow::Result<(f64, f64)> {
    let mut latencies = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration {
        let at = Instant::now();
        let chart = bare_chart(pool, initiative, team).await?;
        std::hint::black_box(serde_json::to_vec(&chart)?);
        latencies.push(at.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Ok((at(0.50), at(0.99)))
}
