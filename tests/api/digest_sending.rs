//! Digests as members receive them: by the scheduler, over a real SMTP server, once per
//! period through crashes, SMTP outages, several instances and daylight-saving changes.

use crate::backend_test;
use crate::helpers::*;
use crate::process::{run_command_with, ServerProcess};
use crate::smtp::{ReceivedMail, SmtpServer};
use chrono::{DateTime, Duration as Days, TimeZone, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter};
use serde_json::json;
use staffroom::entities::{digest_deliveries, mail_outbox, members};
use std::time::Duration;

/// Members joined long ago: a member's first digest is the one of the first full period
/// after they joined, and these tests are about later ones.
pub(crate) async fn joined_long_ago(db: &sea_orm::DatabaseConnection) {
    let long_ago = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    members::Entity::update_many()
        .col_expr(members::Column::CreatedAt, Expr::value(long_ago))
        .exec(db)
        .await
        .expect("members backdated");
}

pub(crate) async fn set_digest(
    app: &TestApp,
    who: &Account,
    timezone: &str,
    frequency: &str,
    weekday: u8,
    hour: u8,
) {
    app.patch(who, "/me", json!({"timezone": timezone, "digest": {"frequency": frequency, "weekday": weekday, "hour": hour}}))
        .await
        .expect(200);
}

/// The digests `to` received (invitations and other mail left out).
fn digests_to(smtp: &SmtpServer, to: &str) -> Vec<ReceivedMail> {
    smtp.received_on_list(to, "digest")
}

fn parse(mail: &ReceivedMail) -> mail_parser::Message<'_> {
    MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("a well-formed message")
}

fn text_of(mail: &ReceivedMail) -> String {
    parse(mail).body_text(0).expect("a text part").into_owned()
}

async fn passes(app: &TestApp) -> u64 {
    app.metric("staffroom_digest_passes_total").await
}

/// Waits for `passes` more scheduler passes, so that what has not arrived by then was
/// decided against, not merely late.
async fn after_more_passes(app: &TestApp, more: u64) {
    let start = passes(app).await;
    eventually(Duration::from_secs(30), "more scheduler passes", || async {
        (passes(app).await >= start + more).then_some(())
    })
    .await;
}

pub(crate) async fn deliveries(
    db: &sea_orm::DatabaseConnection,
    member_id: &str,
) -> Vec<digest_deliveries::Model> {
    digest_deliveries::Entity::find()
        .filter(digest_deliveries::Column::MemberId.eq(member_id.parse::<i64>().unwrap()))
        .all(db)
        .await
        .expect("deliveries readable")
}

backend_test! {
    async fn the_scheduler_emails_each_member_their_own_digest_once(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = TestApp::spawn_with_smtp(&backend, &smtp, |c| {
            c.digests.scheduler = true;
            c.digests.interval_secs = 1;
        })
        .await;
        let (admin, attendance) = app.admin_with_network("Attendance PLN").await;
        let math = app.post(&admin, "/networks", json!({"name": "Math leads", "visibility": "private"})).await.expect(201).id();
        let rita = app.add_member(&admin, &attendance, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &attendance, "Cal Colleague", "member").await;
        let milo = app.add_member(&admin, &math, "Milo Math", "member").await;
        let remy = app.add_member(&admin, &attendance, "Remy Removed", "member").await;
        let olga = app.add_member(&admin, &attendance, "Olga Off", "member").await;
        app.patch(&rita, "/me", json!({"expertise": ["attendance"]})).await.expect(200);
        // Rita: weekly, Mondays from midnight in Chicago (due all week); Milo: daily from
        // midnight in Tokyo (due all day); the others want none.
        set_digest(&app, &rita, "America/Chicago", "weekly", 1, 0).await;
        set_digest(&app, &milo, "Asia/Tokyo", "daily", 1, 0).await;
        for off in [&admin, &cal, &olga] {
            set_digest(&app, off, "UTC", "off", 1, 0).await;
        }
        set_digest(&app, &remy, "UTC", "weekly", 1, 0).await;

        app.create_thread(&cal, &attendance, "Mentoring for chronic absence").await;
        app.post(&cal, &format!("/networks/{attendance}/help-requests"), json!({
            "title": "First-week attendance incentives?", "body": "What works?", "tags": ["attendance"]
        })).await.expect(201);
        app.create_thread(&admin, &math, "Fractions pilot").await;
        app.delete(&admin, &format!("/networks/{attendance}/members/{}", remy.id)).await.expect(204);
        // From here on the scheduler finds Rita, Milo and Remy due.
        joined_long_ago(app.db()).await;

        let from_rita = eventually(Duration::from_secs(30), "Rita's digest", || async { digests_to(&smtp, &rita.email).pop() }).await;
        let from_milo = eventually(Duration::from_secs(30), "Milo's digest", || async { digests_to(&smtp, &milo.email).pop() }).await;
        eventually(Duration::from_secs(30), "Remy's period recorded", || async {
            (!deliveries(app.db(), &remy.id).await.is_empty()).then_some(())
        }).await;
        after_more_passes(&app, 2).await;

        // Once each, and nothing for those who want none or have nothing to read.
        assert_eq!(digests_to(&smtp, &rita.email).len(), 1);
        assert_eq!(digests_to(&smtp, &milo.email).len(), 1);
        for nobody in [&olga, &admin, &remy] {
            assert!(digests_to(&smtp, &nobody.email).is_empty(), "{} got a digest", nobody.email);
        }
        assert_eq!(deliveries(app.db(), &remy.id).await[0].items, 0, "Remy's digest was empty");

        // Each sees their own networks, and only those.
        let rita_text = text_of(&from_rita);
        let message = parse(&from_rita);
        assert_eq!(message.subject(), Some("A colleague needs your help on attendance · Staffroom weekly"));
        for expected in ["First-week attendance incentives?", "Mentoring for chronic absence", "/help-requests/", "/threads/"] {
            assert!(rita_text.contains(expected), "{expected} missing from {rita_text}");
        }
        assert!(!rita_text.contains("Fractions pilot"), "{rita_text}");
        let milo_text = text_of(&from_milo);
        assert!(milo_text.contains("Fractions pilot"), "{milo_text}");
        for absent in ["Mentoring for chronic absence", "First-week attendance incentives?"] {
            assert!(!milo_text.contains(absent), "{absent} in {milo_text}");
        }
        assert!(parse(&from_milo).subject().unwrap().ends_with("· Staffroom daily"));

        // Multipart text and HTML, with the headers mail clients and list tools need.
        assert_eq!(message.content_type().map(|ct| (ct.ctype(), ct.subtype())), Some(("multipart", Some("alternative"))));
        assert_eq!(message.text_body_count(), 1);
        assert_eq!(message.html_body_count(), 1);
        let html = message.body_html(0).unwrap();
        assert!(html.contains("First-week attendance incentives?") && html.contains("<a href="), "{html}");
        assert!(!html.contains("Fractions pilot"));
        assert!(message.message_id().is_some_and(|id| id.contains('@')));
        assert!(message.date().is_some());
        let list_id = from_rita.header("List-Id").expect("List-Id");
        assert!(list_id.contains("weekly-digest"), "{list_id}");
        assert_eq!(from_rita.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
        let unsubscribe = from_rita.header("List-Unsubscribe").expect("List-Unsubscribe");
        let url = unsubscribe.trim_start_matches('<').trim_end_matches('>');
        // Under `public_url` (in tests, the bind address as configured: port 0).
        let path = url.strip_prefix("http://127.0.0.1:0").expect("an absolute URL under public_url");
        assert!(path.starts_with("/unsubscribe?token="), "{url}");

        // One click, as a mail client sends it: no sign-in. The next week brings Rita
        // nothing, while Milo's next day is considered as usual.
        let response = app.client.post(app.url(path)).header("Content-Type", "application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click").send().await.unwrap();
        assert_eq!(response.status(), 200);
        let next_week = Utc::now() + Days::days(7);
        staffroom::digests::scheduler::pass(&app.state, next_week).await.expect("a pass");
        assert_eq!(deliveries(app.db(), &rita.id).await.len(), 1, "no second digest for Rita");
        assert_eq!(deliveries(app.db(), &milo.id).await.len(), 2, "Milo's next day was considered");
    }
}

backend_test! {
    /// The digests of 2027's two US clock changes for members in New York: one at 02:00 (an
    /// hour that does not exist on 14 March) and one at 01:00 (which happens twice on
    /// 7 November), with the scheduler looking every 20 minutes.
    async fn daylight_saving_days_send_each_daily_digest_once(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = TestApp::spawn_with_smtp(&backend, &smtp, |_| {}).await;
        let (admin, network) = app.admin_with_network("Counselors").await;
        let spring = app.add_member(&admin, &network, "Sam Spring", "member").await;
        let autumn = app.add_member(&admin, &network, "Fay Fall", "member").await;
        set_digest(&app, &admin, "UTC", "off", 1, 0).await;
        set_digest(&app, &spring, "America/New_York", "daily", 1, 2).await;
        set_digest(&app, &autumn, "America/New_York", "daily", 1, 1).await;
        // Something to tell on each of those days: the next convening.
        for (title, starts, ends) in [
            ("Spring convening", "2027-03-20T14:00:00Z", "2027-03-20T20:00:00Z"),
            ("Autumn convening", "2027-11-12T15:00:00Z", "2027-11-12T21:00:00Z"),
        ] {
            app.post(&admin, &format!("/networks/{network}/convenings"), json!({
                "title": title, "starts_at": starts, "ends_at": ends, "agenda": "Caseloads"
            })).await.expect(201);
        }
        joined_long_ago(app.db()).await;

        let windows = [
            (Utc.with_ymd_and_hms(2027, 3, 13, 6, 0, 0).unwrap(), Utc.with_ymd_and_hms(2027, 3, 16, 4, 0, 0).unwrap()),
            (Utc.with_ymd_and_hms(2027, 11, 6, 4, 0, 0).unwrap(), Utc.with_ymd_and_hms(2027, 11, 9, 4, 0, 0).unwrap()),
        ];
        for (from, to) in windows {
            let mut at: DateTime<Utc> = from;
            while at < to {
                staffroom::digests::scheduler::pass(&app.state, at).await.expect("a pass");
                at += Days::minutes(20);
            }
        }

        let keys = |rows: Vec<digest_deliveries::Model>| rows.into_iter().map(|r| r.period_key).collect::<Vec<_>>();
        let mut spring_keys = keys(deliveries(app.db(), &spring.id).await);
        spring_keys.sort();
        assert_eq!(spring_keys, ["2027-03-13", "2027-03-14", "2027-03-15", "2027-11-06", "2027-11-07", "2027-11-08"]);
        let mut autumn_keys = keys(deliveries(app.db(), &autumn.id).await);
        autumn_keys.sort();
        assert_eq!(autumn_keys, spring_keys);
        // And the emails themselves: the first day of each window tells of its convening;
        // the next days have nothing the day before did not say (recorded, not sent).
        for who in [&spring, &autumn] {
            let items: Vec<i32> = {
                let mut rows = deliveries(app.db(), &who.id).await;
                rows.sort_by(|a, b| a.period_key.cmp(&b.period_key));
                rows.iter().map(|r| r.items).collect()
            };
            assert_eq!(items, [1, 0, 0, 1, 0, 0]);
            let mails = eventually(Duration::from_secs(30), "every digest delivered", || async {
                let mails = digests_to(&smtp, &who.email);
                (mails.len() >= 2).then_some(mails)
            }).await;
            assert_eq!(mails.len(), 2);
            let november = mails.iter().filter(|m| text_of(m).contains("Autumn convening")).count();
            assert_eq!(november, 1);
        }
    }
}

backend_test! {
    /// `digest send --now` dies mid-run (a failpoint aborts it at a batch's commit, as
    /// kill -9 would) while SMTP is down; it is run again; SMTP comes back: every
    /// member gets exactly one digest, and a resend keeps its Message-ID.
    async fn a_sender_killed_mid_run_with_smtp_down_still_delivers_one_digest_each(backend: Backend) {
        let database = TestDatabase::create(&backend).await;
        let smtp = SmtpServer::start_down();
        let smtp_port = smtp.port;
        let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
        let settings = [
            ("STAFFROOM_SMTP_URL", smtp_url.as_str()),
            ("STAFFROOM_MAIL__RETRY_INITIAL_SECS", "1"),
            ("STAFFROOM_MAIL__RETRY_MAX_SECS", "1"),
            ("STAFFROOM_MAIL__POLL_INTERVAL_MS", "100"),
            ("STAFFROOM_MAIL__LEASE_SECS", "2"),
        ];
        // Set up with mail in the file outbox (invitations must arrive), then SMTP goes down.
        let setup = ServerProcess::start(&database, &[]);
        let (admin, network) = setup.admin_with_network("Attendance PLN").await;
        let mut everyone = vec![admin.clone()];
        for name in ["Ann One", "Bo Two", "Cy Three", "Di Four"] {
            everyone.push(setup.add_member(&admin, &network, name, "member").await);
        }
        // Each writes a thread the others have not read: five non-empty digests.
        for (n, who) in everyone.iter().enumerate() {
            setup.create_thread(who, &network, &format!("Practice note {n}")).await;
        }
        setup.kill();
        let server = ServerProcess::start(&database, &settings);

        let send = ["digest", "send", "--now", "--frequency", "weekly"];
        let mut crashing: Vec<(&str, &str)> = settings.to_vec();
        // Batches of two; the second to reach its commit dies there.
        crashing.push(("STAFFROOM_DIGESTS__BATCH_SIZE", "2"));
        crashing.push(("STAFFROOM_FAILPOINTS", "digest.before_commit@2"));
        let crashed = run_command_with(&database, &send, &crashing).await;
        assert!(!crashed.status.success(), "the failpoint aborted the run");
        // Batches run side by side, so how many committed before the abort varies; never all.
        let committed = outbox_rows(&database).await.len();
        assert!(committed < 5, "the run was cut short ({committed} committed)");

        let rerun = run_command_with(&database, &send, &settings).await;
        assert!(rerun.status.success(), "{}", String::from_utf8_lossy(&rerun.stderr));
        let stdout = String::from_utf8_lossy(&rerun.stdout);
        assert!(stdout.contains(&format!("{} sent", 5 - committed)), "{stdout}");
        // A third run finds nothing left to do.
        let again = run_command_with(&database, &send, &settings).await;
        assert!(String::from_utf8_lossy(&again.stdout).contains("0 sent"));

        smtp.come_up();
        let rows = eventually(Duration::from_secs(60), "every digest sent", || async {
            let rows = outbox_rows(&database).await;
            rows.iter().all(|r| r.sent_at.is_some()).then_some(rows)
        }).await;
        assert_eq!(rows.len(), 5);
        for who in &everyone {
            let mails = digests_to(&smtp, &who.email);
            assert_eq!(mails.len(), 1, "{} got {} digests", who.email, mails.len());
            let row = rows.iter().find(|r| r.recipient == who.email).expect("an outbox row");
            assert_eq!(parse(&mails[0]).message_id(), Some(row.message_id.trim_matches(['<', '>'])));
        }
        server.kill();
    }
}

async fn outbox_rows(database: &TestDatabase) -> Vec<mail_outbox::Model> {
    let db = Database::connect(test_config(database).database_url())
        .await
        .expect("database");
    let rows = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Kind.eq("digest"))
        .all(&db)
        .await
        .expect("outbox readable");
    db.close().await.ok();
    rows
}

/// Two instances on one PostgreSQL database, running their passes at the same moment,
/// share the members: each digest is composed and sent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_a_digest_run_without_duplicates() {
    let Some(backend) = Backend::postgres_or_skip() else {
        return;
    };
    within_limit(async {
        let smtp = SmtpServer::start();
        let settings = |c: &mut staffroom::config::Config| {
            c.smtp_url = Some(smtp.url());
            c.mail.poll_interval_ms = 20;
            c.rate_limit.register_per_ip = 100;
        };
        let first = TestApp::spawn_with_smtp(&backend, &smtp, settings).await;
        let second = TestApp::spawn_on(first.database.clone(), settings).await;
        let (admin, network) = first.admin_with_network("Attendance PLN").await;
        let mut everyone = vec![admin.clone()];
        for n in 0..8 {
            everyone.push(
                first
                    .add_member(&admin, &network, &format!("Peer {n}"), "member")
                    .await,
            );
        }
        for (n, who) in everyone.iter().enumerate() {
            first
                .create_thread(who, &network, &format!("Note {n}"))
                .await;
            set_digest(&first, who, "UTC", "weekly", 1, 0).await;
        }
        joined_long_ago(first.db()).await;

        let now = Utc::now();
        let (a, b) = tokio::join!(
            staffroom::digests::scheduler::pass(&first.state, now),
            staffroom::digests::scheduler::pass(&second.state, now),
        );
        let (a, b) = (a.expect("first pass"), b.expect("second pass"));
        assert_eq!(a.sent + b.sent, everyone.len(), "{a:?} {b:?}");
        for who in &everyone {
            let mail = eventually(Duration::from_secs(30), "the digest", || async {
                digests_to(&smtp, &who.email).pop()
            })
            .await;
            assert!(text_of(&mail).contains("Note"));
        }
        let rows = outbox_rows(&first.database).await;
        assert_eq!(rows.len(), everyone.len());
        eventually(Duration::from_secs(30), "all marked sent", || async {
            outbox_rows(&first.database)
                .await
                .iter()
                .all(|r| r.sent_at.is_some())
                .then_some(())
        })
        .await;
        for who in &everyone {
            assert_eq!(digests_to(&smtp, &who.email).len(), 1);
        }
    })
    .await;
}

backend_test! {
    /// What operators type: a preview prints the text and writes the HTML; a dry run counts
    /// and records nothing, so the real run after it still sends everything.
    async fn the_command_line_previews_and_dry_runs_without_recording(backend: Backend) {
        let database = TestDatabase::create(&backend).await;
        let server = ServerProcess::start(&database, &[]);
        let (admin, network) = server.admin_with_network("Math leads").await;
        let member = server.add_member(&admin, &network, "Pia Preview", "member").await;
        server.create_thread(&admin, &network, "Fraction talks that work").await;
        server.kill();

        let html = database.data_dir.join("preview.html");
        let html_arg = html.to_str().unwrap();
        let preview = run_command_with(&database, &["digest", "preview", "--member", &member.email, "--html", html_arg], &[]).await;
        assert!(preview.status.success(), "{}", String::from_utf8_lossy(&preview.stderr));
        let text = String::from_utf8_lossy(&preview.stdout);
        assert!(text.starts_with("Subject: 1 new discussion in your networks · Staffroom weekly"), "{text}");
        assert!(text.contains("Fraction talks that work"), "{text}");
        let page = std::fs::read_to_string(&html).expect("the HTML written");
        assert!(page.starts_with("<!DOCTYPE html>") && page.contains("Fraction talks that work"));
        let unknown = run_command_with(&database, &["digest", "preview", "--member", "nobody@example.org"], &[]).await;
        assert!(!unknown.status.success());
        assert!(String::from_utf8_lossy(&unknown.stderr).contains("no member with email nobody@example.org"));

        let send = ["digest", "send", "--now", "--frequency", "weekly"];
        let dry = run_command_with(&database, &[&send[..], &["--dry-run"]].concat(), &[]).await;
        assert!(dry.status.success());
        assert!(String::from_utf8_lossy(&dry.stdout).contains("dry run: 1 would be sent, 1 with nothing to tell"), "{}", String::from_utf8_lossy(&dry.stdout));
        assert!(outbox_rows(&database).await.is_empty(), "a dry run queues nothing");
        let real = run_command_with(&database, &send, &[]).await;
        assert!(String::from_utf8_lossy(&real.stdout).contains("1 sent, 1 with nothing to tell"), "{}", String::from_utf8_lossy(&real.stdout));
        let now_needs_frequency = run_command_with(&database, &["digest", "send", "--now"], &[]).await;
        assert!(!now_needs_frequency.status.success());
    }
}

backend_test! {
    /// A run reads its networks' news once for all its members (batches of one here, so
    /// that every batch after the first reuses it), yet each digest still leaves out what its
    /// own reader read, muted, answered or marked helpful.
    async fn a_run_shares_network_news_but_each_digest_keeps_its_readers_own_reads(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = TestApp::spawn_with_smtp(&backend, &smtp, |c| c.digests.scheduler = false).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let mo = app.add_member(&admin, &network, "Mo Muter", "member").await;
        let pat = app.add_member(&admin, &network, "Pat Plain", "member").await;
        for reader in [&rita, &mo, &pat] {
            app.patch(reader, "/me", json!({"expertise": ["attendance"]})).await.expect(200);
        }
        for off in [&admin, &cal] {
            set_digest(&app, off, "UTC", "off", 1, 0).await;
        }
        let thread = app.create_thread(&cal, &network, "Morning arrival routines").await["id"].as_str().unwrap().to_owned();
        let request = app.post(&cal, &format!("/networks/{network}/help-requests"), json!({
            "title": "First-week attendance incentives?", "body": "What works?", "tags": ["attendance"]
        })).await.expect(201).id();
        let toolkit = app.post(&cal, &format!("/networks/{network}/resources"), json!({
            "kind": "link", "title": "Attendance toolkit", "url": "https://example.org/toolkit"
        })).await.expect(201).id();
        // Rita read the thread to its end and answered the request; Mo muted the thread and
        // marked the toolkit helpful; Pat did nothing.
        let posts = app.get(&rita, &format!("/threads/{thread}/posts")).await.expect(200);
        let last = posts.body["items"].as_array().and_then(|a| a.last()).map(|p| p["id"].clone()).expect("a post");
        app.post(&rita, &format!("/threads/{thread}/read"), json!({"last_read_post_id": last})).await.expect(200);
        app.post(&rita, &format!("/help-requests/{request}/responses"), json!({"body": "Stagger the pickups."})).await.expect(201);
        app.put(&mo, &format!("/threads/{thread}/notification-level"), Some(json!({"level": "muted"}))).await.expect(200);
        app.put(&mo, &format!("/resources/{toolkit}/helpful"), None).await.expect(200);

        let smtp_url = smtp.url();
        let run = run_command_with(&app.database, &["digest", "send", "--now", "--frequency", "weekly"], &[("STAFFROOM_DIGESTS__BATCH_SIZE", "1"), ("STAFFROOM_SMTP_URL", &smtp_url)]).await;
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        assert!(String::from_utf8_lossy(&run.stdout).contains("3 sent"), "{}", String::from_utf8_lossy(&run.stdout));
        let mut texts = Vec::new();
        for reader in [&rita, &mo, &pat] {
            let mail = eventually(Duration::from_secs(30), "a digest", || async { digests_to(&smtp, &reader.email).pop() }).await;
            texts.push(text_of(&mail));
        }
        let [rita_text, mo_text, pat_text] = &texts[..] else { unreachable!() };
        // By address: the toolkit's discussion thread carries its title too.
        let links = |text: &str| -> Vec<String> {
            let path = |rest: &str| rest.find('/').map(|at| rest[at..].to_owned());
            text.lines().filter_map(|line| line.trim().strip_prefix("http://").and_then(path)).collect()
        };
        let (thread_link, request_link, toolkit_link) = (format!("/threads/{thread}"), format!("/help-requests/{request}"), format!("/resources/{toolkit}"));
        let (rita_links, mo_links, pat_links) = (links(rita_text), links(mo_text), links(pat_text));
        for expected in [&thread_link, &request_link, &toolkit_link] {
            assert!(pat_links.contains(expected), "{expected} missing from {pat_text}");
        }
        assert!(rita_links.contains(&toolkit_link), "{rita_text}");
        assert!(!rita_links.contains(&thread_link) && !rita_links.contains(&request_link), "{rita_text}");
        assert!(mo_links.contains(&request_link), "{mo_text}");
        assert!(!mo_links.contains(&thread_link) && !mo_links.contains(&toolkit_link), "{mo_text}");
    }
}
