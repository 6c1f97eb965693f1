//! Digest benchmark: a weekly digest run for `--members` (default 10,000) members over a
//! realistic week of activity in `--networks` (default 20) networks, into an SMTP sink in
//! this process: wall time and emails/s from listing the pending digests until the sink has
//! accepted the last one (composing and queueing as `staffroom digest send --now
//! --frequency weekly` does, delivery by the running server's mail worker through lettre).
//! Next to it, the same run's baseline: lettre sending as many pre-rendered messages (one
//! real digest's subject, text and HTML) to the same sink, `--concurrency` (default 4) in
//! flight over a pooled transport, and again with as many in flight as the sink saw from the
//! mail worker (`server/src/mail/worker.rs`). Goal: digest emails/s ≥ 0.5 × the baseline's.
//!
//! The sink acknowledges TCP segments at once (see `common/smtp_sink.rs`; `--quick-ack 0`
//! leaves the kernel's 40 ms delayed ACK, which then paces every SMTP connection).
//!
//! Run: `cargo bench -p staffroom --bench digests` (options: `-- --members 10000
//! --networks 20 --concurrency 4 --quick-ack 1`).

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
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use staffroom::config::Config;
use staffroom::digests::schedule::Cadence;
use staffroom::digests::scheduler::{pending, send_all, Which};
use staffroom::digests::send;
use staffroom::entities::{mail_bodies, mail_outbox, member_expertise, network_members};
use staffroom::mail::content::Content;
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

    // The digest run: list, compose and queue, deliver.
    let before = sink.delivered();
    sink.take_peak();
    let now = staffroom::clock::now();
    let started = Instant::now();
    let pending = pending(state.db.reader(), weekly, now).await?;
    let listed = started.elapsed();
    let tally = send_all(&state, pending, now, |done, total| {
        if done % 1000 == 0 || done == total {
            eprintln!("  {done}/{total} composed and queued");
        }
    })
    .await;
    let queued = started.elapsed();
    let delivered_when_queued = sink.delivered() - before;
    let sent = tally.sent as u64;
    let done = sink
        .wait_for(before + sent, Duration::from_secs(600))
        .await?;
    let digest_wall = (done - started).as_secs_f64();
    let worker_peak = sink.take_peak();
    let failed_attempts = (state.metrics.mail.failed_attempts).load(Ordering::Relaxed);

    // A real digest, its size, and the baseline.
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
    let (text, html) = Content::from_row(&stored)?.write()?;
    let mut levels = vec![concurrency];
    if worker_peak >= 1 && worker_peak as usize != concurrency {
        levels.push(worker_peak as usize);
    }
    let mut baselines = Vec::new();
    for in_flight in levels {
        let messages = baseline_messages(&sample, (&text, &html), &mail_from, sent as usize)?;
        let took = baseline(&sink, messages, in_flight).await?;
        baselines.push((in_flight, sink.take_peak(), took));
    }
    handle.stop(true).await;

    let rate = |n: u64, secs: f64| n as f64 / secs;
    let digest_rate = rate(sent, digest_wall);
    println!(
        "\nweekly digest run: {members} members in {networks} networks, {}, batches of {batch_size}, SMTP sink on 127.0.0.1 ({})",
        if postgres.is_some() { "PostgreSQL" } else { "SQLite (synchronous=FULL)" },
        if quick_ack { "quick ACK" } else { "delayed ACK" }
    );
    println!("tally: {tally}");
    println!(
        "baseline message: digest #{} of the run, {} B text + {} B HTML (kept in the outbox as {stored_bytes} B of data)",
        sent / 2 + 1,
        text.len(),
        html.len()
    );
    let queued_s = queued.as_secs_f64();
    println!(
        "digest run phases: listed {} pending at {:.2} s; all composed, recorded and queued at {queued_s:.2} s ({:.2} ms/member; composing alone: {compose_ms:.2} ms/member, from previews of {probed} before the run); {delivered_when_queued} delivered by then, all at {digest_wall:.2} s{}",
        tally.sent + tally.empty + tally.already_sent + tally.busy + tally.failed,
        listed.as_secs_f64(),
        queued_s * 1000.0 / sent.max(1) as f64,
        if failed_attempts > 0 {
            format!("; {failed_attempts} failed send attempts")
        } else {
            String::new()
        }
    );
    let row = |label: String, peak: u64, secs: f64| {
        let rate = rate(sent, secs);
        println!("{label:<40} {sent:>8} {peak:>6} {secs:>8.2} {rate:>9.0}");
    };
    println!(
        "\n{:<40} {:>8} {:>6} {:>8} {:>9}",
        "", "emails", "peak*", "wall s", "emails/s"
    );
    row(
        "digest run (compose, queue, deliver)".into(),
        worker_peak,
        digest_wall,
    );
    for &(in_flight, peak, took) in &baselines {
        row(
            format!("baseline: lettre, {in_flight} in flight, pooled"),
            peak,
            took,
        );
    }
    println!("* peak: most SMTP mail transactions under way at once, as the sink saw them");
    for (n, (in_flight, _, took)) in baselines.iter().enumerate() {
        println!(
            "ratio digest/baseline ({in_flight} in flight): {:.2}{}",
            digest_rate / rate(sent, *took),
            if n == 0 { " (goal ≥ 0.5)" } else { "" }
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
            Ok(builder.multipart(MultiPart::alternative_plain_html(
                text.to_owned(),
                html.to_owned(),
            ))?)
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
                pick(100 + h),
                network,
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
                pick(200 + r),
                network,
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
            admin,
            network,
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
