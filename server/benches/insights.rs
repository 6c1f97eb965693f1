//! Insights benchmark: a network of `--members` members (default 1,000) with a year of
//! generated activity (threads and replies, reactions, help asked, answered and offered,
//! anonymous requests among them, resources shared, found helpful and downloaded, polls
//! answered, direct messages, weekly check-ins of twenty teams, tests of change tried by
//! peers). Measured in one run, on the same SQLite file, one request or computation at a
//! time:
//! - through the API: `GET /api/v1/networks/{id}/insights?from=&to=` over the year, as its
//!   facilitator;
//! - the baseline: the same rows read with the same plain SQL statements on a connection of
//!   its own (`insights::queries::activity`), the same figures computed in-process
//!   (`insights::compute::figures`), the names of the connections' members read, and the
//!   result serialized.
//!
//! Reported: p50/p99 of each and the API/baseline ratios. Goal: p50 ≤ 1.5×.
//!
//! Run: `cargo bench -p staffroom --bench insights` (options: `-- --members 1000 --seconds 3
//! --rounds 3`).

#[path = "common/allocator.rs"]
mod allocator;
#[path = "common/app.rs"]
mod app;
#[path = "common/http_load.rs"]
mod http_load;
#[path = "common/seed.rs"]
mod seed;

use app::BenchServer;
use chrono::{DateTime, Duration as Days, Utc};
use http_load::{load, median, once, option, Request};
use sea_orm::{
    ActiveValue::Set, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
};
use staffroom::entities::{
    check_ins, conversation_participants, conversations, direct_messages, help_offers,
    help_requests, help_responses, network_members, poll_ballots, polls, reactions,
    resource_downloads, resource_votes, resources, tests_of_change,
};
use staffroom::insights::{compute, period, queries};
use std::time::{Duration, Instant};

/// A deterministic stream of numbers (a linear congruential generator): the same data
/// every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A moment in the year before `now`.
    fn moment(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Days::seconds((self.next() % (365 * 24 * 3600)) as i64 + 3600)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let members = option("--members", 1000).max(10) as usize;
    let seconds = option("--seconds", 3);
    let rounds = option("--rounds", 3).max(1);
    let server = BenchServer::start("insights").await?;
    let (addr, state) = (server.addr, server.state.clone());

    eprintln!("seeding {members} members and a year of activity…");
    let seeding = Instant::now();
    let (token, network, rows) = seed_year(&state, members).await?;
    eprintln!(
        "seeded {rows} rows in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let now = Utc::now();
    let from = (now - Days::days(366)).date_naive().to_string();
    let to = now.date_naive().to_string();
    let request = Request::get(
        addr,
        &format!("/api/v1/networks/{network}/insights?from={from}&to={to}"),
        Some(&token),
    );
    // One connection, so its page cache stays warm as the server's busy reader's does
    // (requests go one at a time on both sides).
    let mut options = ConnectOptions::new(format!(
        "sqlite://{}?mode=ro",
        server.database_file().display()
    ));
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let plain = Database::connect(options).await?;
    // The network has no convening: its days are UTC's, as the server counts them.
    let bounds = period::resolve(Some(&from), Some(&to), chrono_tz::Tz::UTC, None, now)
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    // Both sides compute the same figures.
    let api: serde_json::Value = serde_json::from_str(&once(addr, &request).await?)?;
    let bare = baseline(&plain, network, &bounds).await?;
    for key in [
        "members",
        "active_members",
        "connected_members",
        "connection_rate",
    ] {
        anyhow::ensure!(
            api[key] == bare[key],
            "the API and the baseline disagree on {key}: {} vs {}",
            api[key],
            bare[key]
        );
    }
    anyhow::ensure!(
        api["connections"].as_array().map(Vec::len) == bare["connections"].as_array().map(Vec::len),
        "the API and the baseline disagree on the connections"
    );
    println!(
        "GET networks/{{id}}/insights over a year: {members} members, {rows} rows of activity, {} connections, \
         one request at a time, {rounds} alternating rounds of {seconds} s, 1 server worker, SQLite",
        api["connections"].as_array().map_or(0, Vec::len),
    );
    println!(
        "  figures: {} active, connection rate {}, {} help requests ({}% answered within 48 h), check-ins {}",
        api["active_members"], api["connection_rate"], api["help"]["asked"], api["help"]["answered_pct_48h"],
        api["check_in_completion"]["rate"],
    );
    let duration = Duration::from_secs(seconds);
    let warm = Duration::from_millis(500);
    load(addr, &request, 1, warm).await;
    samples(&plain, network, &bounds, warm).await?;
    let mut api_rounds = Vec::new();
    let mut bare_rounds = Vec::new();
    for round in 1..=rounds {
        let through_api = load(addr, &request, 1, duration).await;
        let direct = samples(&plain, network, &bounds, duration).await?;
        println!(
            "  round {round}: API p50 {:.2} ms p99 {:.2} ms{}; SQL + in-process p50 {:.2} ms p99 {:.2} ms",
            through_api.p50_ms,
            through_api.p99_ms,
            if through_api.errors > 0 { format!(" ({} errors)", through_api.errors) } else { String::new() },
            direct.0,
            direct.1
        );
        api_rounds.push((through_api.p50_ms, through_api.p99_ms));
        bare_rounds.push(direct);
    }
    let medians = |rows: &[(f64, f64)]| {
        let mut p50: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let mut p99: Vec<f64> = rows.iter().map(|r| r.1).collect();
        (median(&mut p50), median(&mut p99))
    };
    let (api50, api99) = medians(&api_rounds);
    let (bare50, bare99) = medians(&bare_rounds);
    println!(
        "{:<32} {:>10} {:>10}",
        "median of rounds", "p50 ms", "p99 ms"
    );
    println!("{:<32} {api50:>10.2} {api99:>10.2}", "insights, API");
    println!(
        "{:<32} {bare50:>10.2} {bare99:>10.2}",
        "insights, SQL + in-process"
    );
    println!(
        "API/baseline: p50 {:.2}, p99 {:.2} (goal p50 ≤ 1.5)",
        api50 / bare50,
        api99 / bare99
    );
    server.stop().await;
    Ok(())
}

/// The baseline: the period's rows by the same statements, the figures in-process, the
/// connections' names, serialized.
async fn baseline(
    db: &DatabaseConnection,
    network: i64,
    bounds: &period::Period,
) -> anyhow::Result<serde_json::Value> {
    let activity = queries::activity(db, network, bounds).await?;
    let figures = compute::figures(&activity);
    let names = staffroom::insights::service::people_connected(db, &figures).await?;
    let name = |id: &i64| names.get(id).map(|m| m.display_name.clone());
    Ok(serde_json::json!({
        "members": figures.members,
        "active_members": figures.active_members,
        "connected_members": figures.connected_members,
        "connection_rate": figures.connection_rate,
        "connections": figures.connections.iter().map(|e| serde_json::json!({
            "from": name(&e.from), "to": name(&e.to), "kind": e.kind.as_str(), "count": e.count,
        })).collect::<Vec<_>>(),
        "help": {
            "asked": figures.help.asked,
            "answered_pct_48h": figures.help.answered_pct_48h,
            "median_hours_to_first_response": figures.help.median_hours_to_first_response,
            "p90_hours": figures.help.p90_hours,
            "unanswered": figures.help.unanswered.iter().map(|a| serde_json::json!({"id": a.id, "title": a.title})).collect::<Vec<_>>(),
        },
    }))
}

/// p50 and p99 (ms) of the baseline run back to back for `duration`.
async fn samples(
    db: &DatabaseConnection,
    network: i64,
    bounds: &period::Period,
    duration: Duration,
) -> anyhow::Result<(f64, f64)> {
    let mut latencies = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration {
        let at = Instant::now();
        let figures = baseline(db, network, bounds).await?;
        std::hint::black_box(serde_json::to_vec(&figures)?);
        latencies.push(at.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Ok((at(0.50), at(0.99)))
}

/// Inserts `rows` in chunks small enough for SQLite's limit on bound values.
async fn insert_all<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> anyhow::Result<usize>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let count = rows.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(200).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec(db)
            .await?;
    }
    Ok(count)
}

/// The network, its members and a year of their activity: the facilitator's token, the
/// network, and how many rows of activity.
async fn seed_year(
    state: &staffroom::AppState,
    count: usize,
) -> anyhow::Result<(String, i64, usize)> {
    let db = state.db.writer();
    let now = Utc::now();
    let mut dice = Dice(0x5741_4646_524f_4f4d);
    let people: Vec<i64> = seed::members(state, "insight", count)
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    let facilitator = people[0];
    let network = seed::private_network(state, facilitator, "Insights bench").await?;
    let joined = now - Days::days(400);
    let mut rows = 0;
    insert_all(
        db,
        people[1..]
            .iter()
            .map(|m| network_members::ActiveModel {
                network_id: Set(network),
                member_id: Set(*m),
                role: Set("member".to_owned()),
                notification_level: Set("normal".to_owned()),
                joined_at: Set(joined),
            })
            .collect(),
    )
    .await?;
    let someone = |dice: &mut Dice| people[dice.below(people.len())];

    // Discussions: 1,500 threads of 1 to 15 posts; half of the replies answer a post.
    for t in 0..1500 {
        let started = dice.moment(now);
        let posts: Vec<seed::BulkPost> = (0..1 + dice.below(15))
            .map(|n| seed::BulkPost {
                author: someone(&mut dice),
                at: started + Days::minutes(n as i64 * 47),
                body: format!("Post {n} on attendance practice {t}"),
                body_html: format!("<p>Post {n} on attendance practice {t}</p>"),
            })
            .collect();
        rows += posts.len() + 1;
        seed::bulk_thread_of(db, network, format!("Problem of practice {t}"), posts).await?;
    }
    db.execute_unprepared(
        "UPDATE posts SET reply_to_post_id = id - 1 WHERE post_number > 2 AND id % 2 = 0",
    )
    .await?;
    let post_ids: Vec<(i64, DateTime<Utc>)> = posts_of(db).await?;
    let mut seen = std::collections::HashSet::new();
    let mut reactions = Vec::new();
    for _ in 0..10_000 {
        let (post, at) = post_ids[dice.below(post_ids.len())];
        let member = someone(&mut dice);
        if seen.insert((post, member)) {
            reactions.push(reactions::ActiveModel {
                post_id: Set(post),
                member_id: Set(member),
                kind: Set(["helpful", "thanks", "agree"][dice.below(3)].to_owned()),
                created_at: Set(at + Days::hours(3)),
            });
        }
    }
    rows += insert_all(db, reactions).await?;

    // Help: 600 requests (one in ten anonymous); most get answers, some offers.
    let mut requests = Vec::new();
    for n in 0..600 {
        let at = dice.moment(now);
        requests.push(help_requests::ActiveModel {
            network_id: Set(network),
            author_id: Set(someone(&mut dice)),
            title: Set(format!("Looking for ideas on chronic absence ({n})")),
            body: Set("What has worked in your school?".to_owned()),
            body_html: Set("<p>What has worked in your school?</p>".to_owned()),
            urgency: Set("normal".to_owned()),
            status: Set("open".to_owned()),
            accepted_response_id: Set(None),
            response_count: Set(0),
            created_at: Set(at),
            updated_at: Set(at),
            answered_at: Set(None),
            resolved_at: Set(None),
            closed_at: Set(None),
            is_anonymous: Set(n % 10 == 0),
            deleted_at: Set(None),
            ..Default::default()
        });
    }
    rows += insert_all(db, requests).await?;
    let asked: Vec<(i64, DateTime<Utc>)> = help_requests::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.id, h.created_at))
        .collect();
    let mut responses = Vec::new();
    let mut offers = Vec::new();
    let mut offered = std::collections::HashSet::new();
    for (id, at) in &asked {
        for k in 0..dice.below(4) {
            let when = *at + Days::hours(1 + dice.below(96) as i64 + k as i64);
            responses.push(help_responses::ActiveModel {
                help_request_id: Set(*id),
                author_id: Set(someone(&mut dice)),
                body: Set("Here is what we did.".to_owned()),
                body_html: Set("<p>Here is what we did.</p>".to_owned()),
                created_at: Set(when),
                updated_at: Set(when),
                ..Default::default()
            });
        }
        let member = someone(&mut dice);
        if dice.below(2) == 0 && offered.insert((*id, member)) {
            offers.push(help_offers::ActiveModel {
                help_request_id: Set(*id),
                member_id: Set(member),
                created_at: Set(*at + Days::hours(2)),
            });
        }
    }
    rows += insert_all(db, responses).await?;
    rows += insert_all(db, offers).await?;
    db.execute_unprepared(
        "UPDATE help_requests SET status = 'answered', \
         response_count = (SELECT COUNT(*) FROM help_responses r WHERE r.help_request_id = help_requests.id) \
         WHERE EXISTS (SELECT 1 FROM help_responses r WHERE r.help_request_id = help_requests.id)",
    )
    .await?;

    // The library: 400 links, helpful votes and first downloads.
    let mut shared = Vec::new();
    for n in 0..400 {
        let at = dice.moment(now);
        shared.push(resources::ActiveModel {
            network_id: Set(network),
            author_id: Set(someone(&mut dice)),
            kind: Set("link".to_owned()),
            title: Set(format!("Attendance toolkit {n}")),
            description: Set(String::new()),
            description_html: Set(String::new()),
            url: Set(Some(format!("https://example.org/toolkit/{n}"))),
            discussion_thread_id: Set(None),
            current_version: Set(None),
            helpful_count: Set(0),
            download_count: Set(0),
            created_at: Set(at),
            updated_at: Set(at),
            deleted_at: Set(None),
            ..Default::default()
        });
    }
    rows += insert_all(db, shared).await?;
    let library: Vec<(i64, DateTime<Utc>)> = resources::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.created_at))
        .collect();
    let (mut votes, mut downloads) = (Vec::new(), Vec::new());
    let (mut voted, mut downloaded) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    for _ in 0..3000 {
        let (resource, at) = library[dice.below(library.len())];
        let member = someone(&mut dice);
        if downloaded.insert((resource, member)) {
            downloads.push(resource_downloads::ActiveModel {
                resource_id: Set(resource),
                member_id: Set(member),
                first_at: Set(at + Days::hours(5)),
            });
        }
        if dice.below(3) == 0 && voted.insert((resource, member)) {
            votes.push(resource_votes::ActiveModel {
                resource_id: Set(resource),
                member_id: Set(member),
                created_at: Set(at + Days::hours(6)),
            });
        }
    }
    rows += insert_all(db, downloads).await?;
    rows += insert_all(db, votes).await?;

    // Polls: 50, a hundred answers each.
    for n in 0..50 {
        let at = dice.moment(now);
        let poll = polls::Entity::insert(polls::ActiveModel {
            network_id: Set(network),
            thread_id: Set(None),
            author_id: Set(facilitator),
            question: Set(format!("How many students are on your caseload? ({n})")),
            description: Set(String::new()),
            description_html: Set(String::new()),
            kind: Set("number".to_owned()),
            results_visibility: Set("always".to_owned()),
            is_anonymous: Set(true),
            min_value: Set(None),
            max_value: Set(None),
            voter_count: Set(0),
            closes_at: Set(None),
            closed_at: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
            deleted_at: Set(None),
            ..Default::default()
        })
        .exec(db)
        .await?
        .last_insert_id;
        let mut answered = std::collections::HashSet::new();
        let ballots: Vec<poll_ballots::ActiveModel> = (0..100)
            .filter_map(|_| {
                let member = someone(&mut dice);
                answered.insert(member).then(|| poll_ballots::ActiveModel {
                    poll_id: Set(poll),
                    member_id: Set(member),
                    value: Set(Some(dice.below(200) as f64)),
                    created_at: Set(at + Days::hours(1)),
                    updated_at: Set(at + Days::hours(1)),
                })
            })
            .collect();
        rows += 1 + insert_all(db, ballots).await?;
    }

    // Direct messages: 500 conversations of two, six messages each.
    for _ in 0..500 {
        let (a, b) = (someone(&mut dice), someone(&mut dice));
        if a == b {
            continue;
        }
        let at = dice.moment(now);
        let conversation = conversations::Entity::insert(conversations::ActiveModel {
            created_by: Set(a),
            last_message_id: Set(0),
            last_message_at: Set(at),
            created_at: Set(at),
            ..Default::default()
        })
        .exec(db)
        .await?
        .last_insert_id;
        insert_all(
            db,
            [a, b]
                .iter()
                .map(|m| conversation_participants::ActiveModel {
                    conversation_id: Set(conversation),
                    member_id: Set(*m),
                    last_read_message_id: Set(0),
                    joined_at: Set(at),
                })
                .collect(),
        )
        .await?;
        rows += insert_all(
            db,
            (0..6)
                .map(|k| direct_messages::ActiveModel {
                    conversation_id: Set(conversation),
                    author_id: Set(if k % 2 == 0 { a } else { b }),
                    body: Set("Could we compare notes?".to_owned()),
                    body_html: Set("<p>Could we compare notes?</p>".to_owned()),
                    created_at: Set(at + Days::minutes(k * 30)),
                    ..Default::default()
                })
                .collect(),
        )
        .await?;
    }

    // An initiative: twenty teams checking in weekly all year, tests of change, tries.
    let initiative = seed::attendance_initiative(state, facilitator, network).await?;
    let first_monday = {
        let start = (now - Days::days(364)).date_naive();
        start - Days::days(chrono::Datelike::weekday(&start).num_days_from_monday() as i64)
    };
    let mut tests = Vec::new();
    for t in 0..20 {
        let team = seed::team(state, facilitator, initiative, format!("School {t:02}")).await?;
        let submitter = people[1 + t * (count - 1) / 20];
        let kept: Vec<i64> = (0..52).filter(|_| dice.below(10) > 0).collect(); // a missed week now and then
        let weekly: Vec<check_ins::ActiveModel> = kept
            .into_iter()
            .map(|week| {
                let period = first_monday + Days::weeks(week);
                let at = period.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc() + Days::days(7);
                check_ins::ActiveModel {
                    team_id: Set(team),
                    initiative_id: Set(initiative),
                    period: Set(period),
                    value: Set(15.0 + dice.below(60) as f64 / 10.0),
                    note: Set(String::new()),
                    submitted_by: Set(submitter),
                    submitted_at: Set(at),
                    created_at: Set(at),
                    ..Default::default()
                }
            })
            .collect();
        rows += insert_all(db, weekly).await?;
        for k in 0..5 {
            let at = dice.moment(now);
            tests.push(tests_of_change::ActiveModel {
                initiative_id: Set(initiative),
                team_id: Set(team),
                network_id: Set(network),
                created_by: Set(someone(&mut dice)),
                change_idea: Set(format!("Change idea {t}.{k}")),
                plan_what: Set(String::new()),
                plan_who: Set(String::new()),
                plan_when: Set(String::new()),
                prediction: Set(String::new()),
                status: Set("planning".to_owned()),
                do_notes: Set(String::new()),
                study: Set(String::new()),
                act: Set(None),
                discussion_thread_id: Set(None),
                adopted_from: Set(None),
                started_on: Set(None),
                created_at: Set(at),
                updated_at: Set(at),
                acted_at: Set(None),
                ..Default::default()
            });
        }
    }
    rows += insert_all(db, tests).await?;
    db.execute_unprepared(
        "UPDATE tests_of_change SET adopted_from = id - 1 WHERE id % 4 = 0 AND id > 1",
    )
    .await?;
    // The teams were formed when the year began, so the weeks they missed count as due.
    use sea_orm::{ColumnTrait, QueryFilter};
    staffroom::entities::initiative_teams::Entity::update_many()
        .col_expr(
            staffroom::entities::initiative_teams::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(now - Days::days(400)),
        )
        .filter(staffroom::entities::initiative_teams::Column::InitiativeId.eq(initiative))
        .exec(db)
        .await?;
    let token = state.tokens.issue_access(facilitator);
    Ok((token, network, rows))
}

async fn posts_of(db: &impl ConnectionTrait) -> anyhow::Result<Vec<(i64, DateTime<Utc>)>> {
    use sea_orm::QuerySelect;
    Ok(staffroom::entities::posts::Entity::find()
        .select_only()
        .column(staffroom::entities::posts::Column::Id)
        .column(staffroom::entities::posts::Column::CreatedAt)
        .into_tuple()
        .all(db)
        .await?)
}
