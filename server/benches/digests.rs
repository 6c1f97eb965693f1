//! Digest benchmark: a weekly digest run for `--members` (default 10,000) members over a
//! realistic week of activity in `--networks` (default 20) networks, into an SMTP sink in
//! this process: wall time and emails/s from listing the pending digests until the sink has
//! accepted the last one (composing and queueing as `staffroom digest send --now
//! --frequency weekly` does, delivery by the running server's mail worker through lettre).
//! Next to it, the baseline: lettre sending as many pre-rendered messages (one real
//! digest's subject, text and HTML, built as the mail worker builds them) to the same sink,
//! `--concurrency` (default 4) in flight over a pooled transport. `--rounds` (default 3)
//! rounds each make a digest run and then the baseline, and the median round's ratio is
//! reported: this shared machine's speed drifts within a minute. Once more at the end, the
//! baseline with as many in flight as the sink saw from the mail worker
//! (`server/src/mail/worker.rs`). Goal: digest emails/s ≥ 0.5 × the baseline's.
//!
//! The sink acknowledges TCP segments at once (see `common/smtp_sink.rs`; `--quick-ack 0`
//! leaves the kernel's 40 ms delayed ACK, which then paces every SMTP connection).
//!
//! Run: `cargo bench -p staffroom --bench digests` (options: `-- --members 10000
//! --networks 20 --concurrency 4 --rounds 3 --quick-ack 1`).

#[path = "common/allocator.rs"]
mod allocator;
#[path = "common/http_load.rs"]
mod http_load;
#[path = "common/seed.rs"]
mod seed;
#[path = "common/smtp_sink.rs"]
mod smtp_sink;

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use http_load::option;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use staffroom::config::Config;
use staffroom::digests::render;
use staffroom::digests::schedule::Cadence;
use staffroom::digests::scheduler::Tally;
use staffroom::digests::scheduler::{pending, send_all, Which};
use staffroom::digests::send;
use staffroom::entities::{
    digest_deliveries, mail_bodies, mail_outbox, member_expertise, network_members,
};
use staffroom::mail::content::{Content, Template, TemplateWriters};
use staffroom::mail::transport::alternative;
use staffroom::{convenings, help_requests, resources, AppState};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Expertise tags; each network's help requests ask for all of them.
const TAGS: &[&str] = &[
    "chronic-absence",
    "literacy",
    "math-intervention",
    "family-engagement",
    "restorative-practices",
    "newcomers",
    "co-teaching",
    "assessment",
];
const TOPICS: &[&str] = &[
    "Attendance incentives that lasted past October",
    "Running a data dashboard with the ninth-grade team",
    "Home visits before the first absence letter",
    "Advisory period: what we changed this semester",
    "Bus route changes and tardies at our campus",
    "Recognition assemblies without the raffle",
    "Translating family calls for newcomer students",
    "Tier 2 check-ins: who owns the follow-up?",
    "Plan-do-study-act cycle on morning arrival",
    "Coding absence reasons consistently across schools",
    "Belonging surveys: what the results told us",
    "Mentoring pairs for students with chronic absence",
];
/// New threads per network this week, and older threads with new posts this week.
const NEW_THREADS: usize = 25;
const ACTIVE_THREADS: usize = 5;
const HELP_REQUESTS: usize = 8;
const RESOURCES: usize = 3;

/// A fresh database on the PostgreSQL server at `server`: `(its url, server, name)`.
async fn postgres_database(server: &str) -> anyhow::Result<(String, String, String)> {
    let name = format!("staffroom_digest_bench_{}", std::process::id());
    let admin = sea_orm::Database::connect(server).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    Ok((
        format!("{}/{name}", server.trim_end_matches('/')),
        server.to_owned(),
        name,
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let members = option("--members", 10_000).max(2) as usize;
    let networks = option("--networks", 20).max(1) as usize;
    let concurrency = option("--concurrency", 4).max(1) as usize;
    let rounds = option("--rounds", 3).max(1) as usize;
    let quick_ack = option("--quick-ack", 1) != 0;
    let sink = smtp_sink::Sink::start(quick_ack).await?;
    let data_dir =
        std::env::temp_dir().join(format!("staffroom-digest-bench-{}", std::process::id()));
    // PostgreSQL when `STAFFROOM_BENCH_POSTGRES_URL` names a server (a database of its own
    // is created and dropped); SQLite otherwise.
    let postgres = match std::env::var("STAFFROOM_BENCH_POSTGRES_URL") {
        Ok(server) => Some(postgres_database(&server).await?),
        Err(_) => None,
    };
    let mut config = Config {
        bind: "127.0.0.1:0".parse()?,
        data_dir: data_dir.clone(),
        database_url: postgres.as_ref().map(|(url, _, _)| url.clone()),
        workers: Some(1),
        smtp_url: Some(sink.url()),
        ..Config::default()
    };
    config.digests.batch_size = option("--batch-size", config.digests.batch_size).clamp(1, 1000);
    let batch_size = config.digests.batch_size;
    config.digests.scheduler = false;
    config.notification_emails.enabled = false;
    let mail_from: Mailbox = config.mail_from.parse()?;
    let app = staffroom::Application::build(config).await?;
    let state = app.state();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());

    eprintln!("seeding {members} members in {networks} networks…");
    let seeding = Instant::now();
    seed_week(&state, members, networks).await?;
    eprintln!("seeded in {:.1} s", seeding.elapsed().as_secs_f64());

    // Not timed: composing alone (a preview records and queues nothing), for comparison.
    let weekly = Which::CurrentPeriod(Cadence::Weekly);
    let now = staffroom::clock::now();
    let probe = pending(state.db.reader(), weekly, now).await?;
    let probed = probe.len().min(500);
    let composing = Instant::now();
    for digest in &probe[..probed] {
        send::preview(&state, &digest.member, Cadence::Weekly, now).await?;
    }
    let compose_ms = composing.elapsed().as_secs_f64() * 1000.0 / probed as f64;

    // Rounds: a digest run (list, compose and queue, deliver), then the baseline right
    // after it. This machine's speed drifts by tens of percent within a minute, so each
    // round's ratio compares runs made seconds apart, and the median round is reported.
    let mut rounds_done: Vec<Round> = Vec::new();
    let mut sample_message: Option<(mail_outbox::Model, String, String, usize)> = None;
    for round in 0..rounds {
        if round > 0 {
            forget_the_run(&state).await?;
        }
        let run = digest_run(&state, &sink, weekly).await?;
        if sample_message.is_none() {
            sample_message = Some(sample(&state, run.tally.sent as u64).await?);
        }
        let (sample, text, html, _) = sample_message.as_ref().expect("set above");
        let messages = baseline_messages(sample, (text, html), &mail_from, run.tally.sent)?;
        let baseline_wall = baseline(&sink, messages, concurrency).await?;
        sink.take_peak();
        eprintln!(
            "  round {}: digest run {:.2} s, baseline {:.2} s, ratio {:.2}",
            round + 1,
            run.wall,
            baseline_wall,
            baseline_wall / run.wall
        );
        rounds_done.push(Round { run, baseline_wall });
    }
    let (sample, text, html, stored_bytes) = sample_message.expect("at least one round");
    let first = &rounds_done[0].run;
    let sent = first.tally.sent as u64;
    // Once more with as many in flight as the mail worker had, for comparison.
    let mut peak_baseline = None;
    if first.peak >= 1 && first.peak as usize != concurrency {
        let messages = baseline_messages(&sample, (&text, &html), &mail_from, sent as usize)?;
        let took = baseline(&sink, messages, first.peak as usize).await?;
        peak_baseline = Some((first.peak, sink.take_peak(), took));
    }
    let failed_attempts = (state.metrics.mail.failed_attempts).load(Ordering::Relaxed);
    handle.stop(true).await;

    let rate = |n: u64, secs: f64| n as f64 / secs;
    println!(
        "\nweekly digest run: {members} members in {networks} networks, {}, batches of {batch_size}, SMTP sink on 127.0.0.1 ({}), {rounds} rounds",
        if postgres.is_some() { "PostgreSQL" } else { "SQLite (synchronous=FULL)" },
        if quick_ack { "quick ACK" } else { "delayed ACK" }
    );
    println!("tally of each round: {}", first.tally);
    println!(
        "baseline message: digest #{} of the run, {} B text + {} B HTML (kept in the outbox as {stored_bytes} B of data)",
        sent / 2 + 1,
        text.len(),
        html.len()
    );
    println!("composing alone: {compose_ms:.2} ms/member (previews of {probed} before the runs)");
    if failed_attempts > 0 {
        println!("{failed_attempts} failed send attempts");
    }
    println!(
        "\n{:<7} {:>8} {:>8} {:>10} {:>10} {:>10} {:>8} {:>6}",
        "round", "listed", "queued", "delivered", "digest s", "base s", "ratio", "peak*"
    );
    for (n, r) in rounds_done.iter().enumerate() {
        println!(
            "{:<7} {:>7.2}s {:>7.2}s {:>10} {:>10.2} {:>10.2} {:>8.2} {:>6}",
            n + 1,
            r.run.listed,
            r.run.queued,
            r.run.delivered_when_queued,
            r.run.wall,
            r.baseline_wall,
            r.ratio(),
            r.run.peak
        );
    }
    println!("(queued: when all were composed, recorded and queued; delivered: how many the sink had by then)");
    println!("* peak: most SMTP mail transactions under way at once, as the sink saw them");
    let mut by_ratio: Vec<&Round> = rounds_done.iter().collect();
    by_ratio.sort_by(|a, b| a.ratio().total_cmp(&b.ratio()));
    let median = by_ratio[by_ratio.len() / 2];
    println!(
        "\nmedian round: digest run {:.2} s ({:.0} emails/s), baseline (lettre, {concurrency} in flight, pooled) {:.2} s ({:.0} emails/s)",
        median.run.wall,
        rate(sent, median.run.wall),
        median.baseline_wall,
        rate(sent, median.baseline_wall)
    );
    println!(
        "ratio digest/baseline, median of {rounds} rounds: {:.2} (goal ≥ 0.5; rounds {:.2} to {:.2})",
        median.ratio(),
        by_ratio[0].ratio(),
        by_ratio[by_ratio.len() - 1].ratio()
    );
    if let Some((in_flight, peak, took)) = peak_baseline {
        println!(
            "baseline with {in_flight} in flight (peak {peak}): {took:.2} s; ratio to the first round {:.2}",
            took / first.wall
        );
    }
    let _ = std::fs::remove_dir_all(&data_dir);
    if let Some((_, server, name)) = postgres {
        let admin = sea_orm::Database::connect(server).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    Ok(())
}

/// One digest run, as `staffroom digest send --now --frequency weekly` does it with a
/// server's mail worker delivering.
struct DigestRun {
    tally: Tally,
    /// Seconds from the start: pending digests listed, all queued, the last delivered.
    listed: f64,
    queued: f64,
    wall: f64,
    delivered_when_queued: u64,
    /// Most SMTP transactions the sink saw at once.
    peak: u64,
}

struct Round {
    run: DigestRun,
    baseline_wall: f64,
}

impl Round {
    /// Digest emails/s over the baseline's.
    fn ratio(&self) -> f64 {
        self.baseline_wall / self.run.wall
    }
}

async fn digest_run(
    state: &AppState,
    sink: &smtp_sink::Sink,
    which: Which,
) -> anyhow::Result<DigestRun> {
    let before = sink.delivered();
    sink.take_peak();
    let now = staffroom::clock::now();
    let started = Instant::now();
    let pending = pending(state.db.reader(), which, now).await?;
    let listed = started.elapsed().as_secs_f64();
    let tally = send_all(state, pending, now, |done, total| {
        if done % 2500 == 0 || done == total {
            eprintln!("  {done}/{total} composed and queued");
        }
    })
    .await;
    let queued = started.elapsed().as_secs_f64();
    let delivered_when_queued = sink.delivered() - before;
    let done = sink
        .wait_for(before + tally.sent as u64, Duration::from_secs(600))
        .await?;
    Ok(DigestRun {
        tally,
        listed,
        queued,
        wall: (done - started).as_secs_f64(),
        delivered_when_queued,
        peak: sink.take_peak(),
    })
}

/// Clears the run's records and mail (not timed), so the next round sends every digest
/// again, covering the same week.
async fn forget_the_run(state: &AppState) -> anyhow::Result<()> {
    // Every message is delivered by now; the worker may still be marking the last sent.
    let deadline = Instant::now() + Duration::from_secs(60);
    while mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .count(state.db.reader())
        .await?
        > 0
    {
        anyhow::ensure!(Instant::now() < deadline, "the outbox never emptied");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let db = state.db.writer();
    mail_bodies::Entity::delete_many().exec(db).await?;
    mail_outbox::Entity::delete_many().exec(db).await?;
    digest_deliveries::Entity::delete_many().exec(db).await?;
    Ok(())
}

/// The digest halfway through the run's outbox: its row and bodies, and the size of what
/// the outbox kept of it.
async fn sample(
    state: &AppState,
    sent: u64,
) -> anyhow::Result<(mail_outbox::Model, String, String, usize)> {
    let db = state.db.reader();
    let sample = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Kind.eq("digest"))
        .order_by_asc(mail_outbox::Column::Id)
        .offset(sent / 2)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no digest was queued"))?;
    let stored = mail_bodies::Entity::find_by_id(sample.message_id.clone())
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the digest has no bodies"))?;
    let stored_bytes = stored.data.as_ref().map_or(0, String::len);
    let writers = TemplateWriters::default().with(Template::Digest, render::write_stored);
    let (text, html) = Content::from_row(&stored)?.write(&writers)?;
    Ok((sample, text, html, stored_bytes))
}

/// `count` messages like `sample` (its subject, bodies and list headers), one per
/// recipient, built before the clock starts.
fn baseline_messages(
    sample: &mail_outbox::Model,
    (text, html): (&str, &str),
    from: &Mailbox,
    count: usize,
) -> anyhow::Result<Vec<Message>> {
    (0..count)
        .map(|n| {
            let mut builder = Message::builder()
                .from(from.clone())
                .to(format!("baseline{n}@example.org").parse()?)
                .subject(sample.subject.clone())
                .message_id(Some(format!("<baseline-{n}-{}@localhost>", sample.id)));
            for (name, value) in sample.headers.as_object().into_iter().flatten() {
                if let Some(value) = value.as_str() {
                    let name = HeaderName::new_from_ascii(name.clone())?;
                    builder = builder.raw_header(HeaderValue::new(name, value.to_owned()));
                }
            }
            // As the mail worker writes it (`7bit` HTML, the text as lettre encodes it), so
            // both send the same bytes.
            Ok(builder.multipart(alternative(text.to_owned(), html.to_owned()))?)
        })
        .collect()
}

/// Sends `messages` through a pooled lettre transport, `in_flight` at a time: seconds from
/// the first send to the last acknowledged.
async fn baseline(
    sink: &smtp_sink::Sink,
    messages: Vec<Message>,
    in_flight: usize,
) -> anyhow::Result<f64> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&sink.url())?.build();
    let count = messages.len() as u64;
    let before = sink.delivered();
    let started = Instant::now();
    let failures = futures_util::stream::iter(messages)
        .map(|message| transport.send(message))
        .buffer_unordered(in_flight)
        .filter(|result| std::future::ready(result.is_err()))
        .count()
        .await;
    let took = started.elapsed().as_secs_f64();
    anyhow::ensure!(failures == 0, "{failures} baseline sends failed");
    anyhow::ensure!(
        sink.delivered() - before == count,
        "the sink missed messages"
    );
    Ok(took)
}

/// A week in `networks` networks of `count` members (the first, an admin, facilitates
/// them all): each member in one network, every fifth in a second; 30% with an expertise
/// tag; per network, `NEW_THREADS` threads started this week with a few replies,
/// `ACTIVE_THREADS` older threads with new replies, `HELP_REQUESTS` tagged help requests,
/// `RESOURCES` shared links and a convening next week.
async fn seed_week(state: &AppState, count: usize, networks: usize) -> anyhow::Result<()> {
    let db = state.db.writer();
    let people = seed::members(state, "digest", count).await?;
    let admin = people[0].id;
    let now = staffroom::clock::now();
    let mut ids = Vec::with_capacity(networks);
    for n in 0..networks {
        ids.push(seed::private_network(state, admin, &format!("District Network {n}")).await?);
    }
    let mut rosters: Vec<Vec<i64>> = vec![Vec::new(); networks];
    let mut memberships = Vec::new();
    let mut expertise = Vec::new();
    for (k, member) in people.iter().enumerate().skip(1) {
        let home = k % networks;
        let mut homes = vec![home];
        if k % 5 == 0 && networks > 1 {
            homes.push((home + 1) % networks);
        }
        for n in homes {
            rosters[n].push(member.id);
            memberships.push(network_members::ActiveModel {
                network_id: Set(ids[n]),
                member_id: Set(member.id),
                role: Set("member".to_owned()),
                notification_level: Set("normal".to_owned()),
                joined_at: Set(now - TimeDelta::days(60)),
            });
        }
        if k % 10 < 3 {
            expertise.push(member_expertise::ActiveModel {
                member_id: Set(member.id),
                tag: Set(TAGS[(k / 10) % TAGS.len()].to_owned()),
            });
        }
    }
    for chunk in memberships.chunks(500) {
        network_members::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    for chunk in expertise.chunks(500) {
        member_expertise::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    for (n, (&network, roster)) in ids.iter().zip(&rosters).enumerate() {
        anyhow::ensure!(!roster.is_empty(), "more networks than members");
        let pick = |i: usize| roster[(i * 37 + n) % roster.len()];
        let txn = db.begin().await?;
        for t in 0..NEW_THREADS + ACTIVE_THREADS {
            let title = format!("{} ({n}.{t})", TOPICS[(t + n) % TOPICS.len()]);
            let (created, replies) = if t < NEW_THREADS {
                (now - TimeDelta::hours(6 + (t as i64 * 143) % 160), t % 5)
            } else {
                (now - TimeDelta::days(20), 3 + t % 6)
            };
            // The opening post, then replies spread over this week since it.
            let mut bodies = vec![(created, pick(t))];
            let from = created.max(now - TimeDelta::days(6));
            for r in 1..=replies {
                bodies.push((
                    from + (now - from) * r as i32 / (replies as i32 + 1),
                    pick(t + r),
                ));
            }
            thread_with_posts(&txn, network, title, &bodies).await?;
        }
        txn.commit().await?;
        for h in 0..HELP_REQUESTS {
            let tag = TAGS[(n + h) % TAGS.len()];
            help_requests::service::create(
                db,
                &state.markdown,
                staffroom::ids::MemberId(pick(100 + h)),
                staffroom::ids::NetworkId(network),
                help_requests::service::CreateHelpRequest {
                    title: format!("Looking for ideas on {} ({n}.{h})", tag.replace('-', " ")),
                    body: "Our team is stuck. What has worked in your school?".to_owned(),
                    tags: vec![tag.to_owned()],
                    urgency: help_requests::model::Urgency::Normal,
                    // One in five asked without a name, as members do.
                    anonymous: h % 5 == 0,
                },
            )
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        }
        for r in 0..RESOURCES {
            resources::service::create(
                state,
                staffroom::ids::MemberId(pick(200 + r)),
                staffroom::ids::NetworkId(network),
                resources::form::ResourceFields {
                    title: Some(format!(
                        "{} toolkit ({n}.{r})",
                        TOPICS[(n + r) % TOPICS.len()]
                    )),
                    description: Some("The letters we used, ready to adapt.".to_owned()),
                    kind: Some("link".to_owned()),
                    url: Some(format!("https://example.org/toolkits/{n}-{r}")),
                    tags: Some(vec![TAGS[r % TAGS.len()].to_owned()]),
                    ..Default::default()
                },
                None,
            )
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        }
        let starts = now + TimeDelta::days(8) + TimeDelta::hours(n as i64 % 5);
        convenings::service::create(
            db,
            &state.markdown,
            staffroom::ids::MemberId(admin),
            staffroom::ids::NetworkId(network),
            convenings::service::CreateConvening {
                title: format!("Monthly network meeting {n}"),
                starts_at: starts,
                ends_at: starts + TimeDelta::minutes(90),
                timezone: None,
                location: None,
                virtual_url: Some(format!("https://meet.example.org/network-{n}")),
                agenda: "1. Wins of the month\n2. Help requests\n3. Next steps".to_owned(),
            },
        )
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    }
    Ok(())
}

/// A thread whose posts were written at the given times by the given authors (the first is
/// the opening post), inserted directly.
async fn thread_with_posts(
    db: &impl ConnectionTrait,
    network: i64,
    title: String,
    posts: &[(DateTime<Utc>, i64)],
) -> anyhow::Result<()> {
    let body =
        "We tried daily check-ins with one trusted adult and a call home on the first absence.";
    let posts = posts
        .iter()
        .map(|&(at, author)| seed::BulkPost {
            author,
            at,
            body: body.to_owned(),
            body_html: format!("<p>{body}</p>"),
        })
        .collect();
    seed::bulk_thread_of(db, network, title, posts).await?;
    Ok(())
}
