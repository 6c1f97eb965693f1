//! Durable mail: every email is an outbox row committed with the write that causes it, and
//! a retrying worker delivers it once, across crashes (kill -9 at fixed points), SMTP
//! outages and several instances.

use crate::backend_test;
use crate::helpers::*;
use crate::process::{run_command, ServerProcess};
use crate::smtp::SmtpServer;
use reqwest::Method;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter};
use serde_json::json;
use staffroom::entities::mail_outbox;
use std::time::Duration;

/// Settings that make retries quick enough for a test.
fn quick_mail(smtp_port: u16) -> Vec<(&'static str, String)> {
    vec![
        (
            "STAFFROOM_SMTP_URL",
            format!("smtp://127.0.0.1:{smtp_port}"),
        ),
        ("STAFFROOM_MAIL__RETRY_INITIAL_SECS", "1".to_owned()),
        ("STAFFROOM_MAIL__RETRY_MAX_SECS", "1".to_owned()),
        ("STAFFROOM_MAIL__POLL_INTERVAL_MS", "100".to_owned()),
        ("STAFFROOM_MAIL__LEASE_SECS", "2".to_owned()),
    ]
}

fn start(
    database: &TestDatabase,
    settings: &[(&'static str, String)],
    extra: &[(&str, &str)],
) -> ServerProcess {
    let mut all: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(extra);
    ServerProcess::start(database, &all)
}

/// The outbox as the database has it, read with a connection of the test's own.
async fn outbox(database: &TestDatabase) -> Vec<mail_outbox::Model> {
    let db = Database::connect(test_config(database).database_url())
        .await
        .expect("database");
    let rows = mail_outbox::Entity::find()
        .all(&db)
        .await
        .expect("outbox readable");
    db.close().await.ok();
    rows
}

async fn is_sent(database: &TestDatabase, to: &str) -> bool {
    let db = Database::connect(test_config(database).database_url())
        .await
        .expect("database");
    let sent = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq(to))
        .filter(mail_outbox::Column::SentAt.is_not_null())
        .all(&db)
        .await
        .expect("outbox readable");
    db.close().await.ok();
    !sent.is_empty()
}

/// An admin (the first account) and a private network of theirs.
async fn admin_and_network(api: &Api) -> (Account, String) {
    api.admin_with_network("Attendance PLN").await
}

async fn invite(
    api: &Api,
    admin: &Account,
    network: &str,
    email: &str,
) -> reqwest::Result<reqwest::Response> {
    invite_with(api, admin, network, json!({"email": email})).await
}

async fn invite_with(
    api: &Api,
    admin: &Account,
    network: &str,
    body: serde_json::Value,
) -> reqwest::Result<reqwest::Response> {
    api.client
        .post(api.url(&format!("/networks/{network}/invitations")))
        .bearer_auth(&admin.access_token)
        .json(&body)
        .send()
        .await
}

async fn received_once(
    smtp: &SmtpServer,
    database: &TestDatabase,
    to: &str,
) -> crate::smtp::ReceivedMail {
    let mail = eventually(Duration::from_secs(30), "the email", || async {
        smtp.received_by(to).pop()
    })
    .await;
    // Once its row says sent, nothing may arrive any more: it was delivered exactly once.
    eventually(Duration::from_secs(30), "the row marked sent", || async {
        is_sent(database, to).await.then_some(())
    })
    .await;
    assert_eq!(smtp.received_by(to).len(), 1, "delivered exactly once");
    mail
}

backend_test! {
    async fn an_invitation_acknowledged_before_a_crash_arrives_once_when_smtp_is_back(backend: Backend) {
        let database = TestDatabase::create(&backend).await;
        let smtp = SmtpServer::start_down();
        let smtp_port = smtp.port;
        let settings = quick_mail(smtp_port);
        let server = start(&database, &settings, &[]);
        let (admin, network) = admin_and_network(&server).await;
        let response = invite(&server, &admin, &network, "invitee@example.org").await.expect("answered");
        assert_eq!(response.status(), 201);
        // Acknowledged while SMTP is down; the process dies without any chance to clean up.
        server.kill();
        assert_eq!(outbox(&database).await.len(), 1, "the message was committed with the invitation");

        smtp.come_up();
        let _server = start(&database, &settings, &[]);
        let mail = received_once(&smtp, &database, "invitee@example.org").await;
        assert!(mail.data.contains("invited you"), "{}", mail.data);
    }
}

backend_test! {
    async fn a_crash_before_the_invitation_commits_sends_nothing(backend: Backend) {
        let database = TestDatabase::create(&backend).await;
        let smtp = SmtpServer::start();
        let settings = quick_mail(smtp.port);
        let server = start(&database, &settings, &[("STAFFROOM_FAILPOINTS", "invitation.before_commit")]);
        let (admin, network) = admin_and_network(&server).await;
        assert!(invite(&server, &admin, &network, "never@example.org").await.is_err(), "the process died mid-request");
        server.wait_for_exit();
        assert!(outbox(&database).await.is_empty());

        let server = start(&database, &settings, &[]);
        server.get(&admin, &format!("/networks/{network}/invitations")).await.expect(200);
        let pending = server.get(&admin, &format!("/networks/{network}/invitations")).await.expect(200);
        assert!(pending.body["items"].as_array().unwrap().is_empty(), "no invitation either");
        // The worker sends in queue order: once a later message is delivered, an earlier
        // one would have been too.
        let response = invite(&server, &admin, &network, "later@example.org").await.expect("answered");
        assert_eq!(response.status(), 201);
        received_once(&smtp, &database, "later@example.org").await;
        assert!(smtp.received_by("never@example.org").is_empty());
    }
}

backend_test! {
    async fn a_bulk_invitation_cut_short_by_a_crash_invites_and_sends_nobody(backend: Backend) {
        let database = TestDatabase::create(&backend).await;
        let smtp = SmtpServer::start();
        let settings = quick_mail(smtp.port);
        let server = start(&database, &settings, &[("STAFFROOM_FAILPOINTS", "invitation.before_commit")]);
        let (admin, network) = admin_and_network(&server).await;
        let rows = json!({"invitations": [{"email": "one@example.org"}, {"email": "two@example.org"}, {"email": "three@example.org"}]});
        assert!(invite_with(&server, &admin, &network, rows).await.is_err(), "the process died mid-request");
        server.wait_for_exit();
        assert!(outbox(&database).await.is_empty(), "no email of any row");

        let server = start(&database, &settings, &[]);
        let pending = server.get(&admin, &format!("/networks/{network}/invitations")).await.expect(200);
        assert!(pending.body["items"].as_array().unwrap().is_empty(), "no invitation of any row");
        let response = invite(&server, &admin, &network, "later@example.org").await.expect("answered");
        assert_eq!(response.status(), 201);
        received_once(&smtp, &database, "later@example.org").await;
        for email in ["one@example.org", "two@example.org", "three@example.org"] {
            assert!(smtp.received_by(email).is_empty(), "{email}");
        }
    }
}

backend_test! {
    async fn a_crash_after_smtp_accepted_resends_the_same_message_id(backend: Backend) {
        let database = TestDatabase::create(&backend).await;
        let smtp = SmtpServer::start();
        let settings = quick_mail(smtp.port);
        let server = start(&database, &settings, &[("STAFFROOM_FAILPOINTS", "mail.after_send")]);
        let (admin, network) = admin_and_network(&server).await;
        let response = invite(&server, &admin, &network, "twice@example.org").await.expect("answered");
        assert_eq!(response.status(), 201);
        // The SMTP server accepts the message; the process dies before recording that.
        server.wait_for_exit();
        assert_eq!(smtp.received_by("twice@example.org").len(), 1);

        let _server = start(&database, &settings, &[]);
        eventually(Duration::from_secs(30), "the resend", || async {
            (smtp.received_by("twice@example.org").len() == 2).then_some(())
        })
        .await;
        eventually(Duration::from_secs(30), "the row marked sent", || async {
            is_sent(&database, "twice@example.org").await.then_some(())
        })
        .await;
        let copies = smtp.received_by("twice@example.org");
        assert_eq!(copies.len(), 2, "resent once, not more");
        let ids: Vec<_> = copies.iter().map(|m| m.header("Message-ID").expect("a Message-ID")).collect();
        assert_eq!(ids[0], ids[1], "mail clients fold the copies by Message-ID");
    }
}

backend_test! {
    async fn undeliverable_mail_is_retried_given_up_listed_and_sent_again_on_request(backend: Backend) {
        let smtp = SmtpServer::start_down();
        let smtp_port = smtp.port;
        let app = TestApp::spawn_with(&backend, |c| {
            c.smtp_url = Some(format!("smtp://127.0.0.1:{smtp_port}"));
            c.mail.max_attempts = 2;
            c.mail.retry_initial_secs = 1;
            c.mail.retry_max_secs = 1;
            c.mail.poll_interval_ms = 100;
        })
        .await;
        let account = app.register("Grace Okafor").await;
        app.anonymous_post("/auth/magic-link", json!({"email": account.email})).await.expect(202);

        let listed = eventually(Duration::from_secs(30), "the message given up", || async {
            let listed = run_command(&app.database, &["mail", "list", "--failed"]).await;
            listed.contains(&account.email).then_some(listed)
        })
        .await;
        assert!(listed.contains("magic_link") && listed.contains("attempts 2"), "{listed}");
        assert!(listed.contains("last error"), "{listed}");
        let metrics = app.request(Method::GET, "/metrics", None, None).await.expect(200);
        assert!(metrics.text.contains("staffroom_mail_outbox_failed 1"), "{}", metrics.text);
        assert!(metrics.text.contains("staffroom_mail_given_up_total 1"), "{}", metrics.text);
        assert!(metrics.text.contains("staffroom_mail_failed_attempts_total 2"), "{}", metrics.text);

        smtp.come_up();
        let retried = run_command(&app.database, &["mail", "retry", "--all-failed"]).await;
        assert!(retried.contains("Queued 1 message"), "{retried}");
        let mail = received_once(&smtp, &app.database, &account.email).await;
        assert!(mail.data.contains("sign-in link"), "{}", mail.data);
        assert!(run_command(&app.database, &["mail", "list", "--failed"]).await.contains("No messages."));
    }
}

/// Two instances on one PostgreSQL database share the outbox: every message goes out once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_the_outbox_without_sending_twice() {
    let Some(backend) = Backend::postgres_or_skip() else {
        return;
    };
    within_limit(two_instances_share_the_outbox(backend)).await;
}

async fn two_instances_share_the_outbox(backend: Backend) {
    let smtp = SmtpServer::start();
    let settings = |c: &mut staffroom::config::Config| {
        c.smtp_url = Some(smtp.url());
        c.mail.poll_interval_ms = 20;
    };
    let first = std::sync::Arc::new(TestApp::spawn_with(&backend, settings).await);
    let second = std::sync::Arc::new(TestApp::spawn_on(first.database.clone(), settings).await);
    let (admin, network) = first.admin_with_network("Attendance PLN").await;
    let invitees: Vec<String> = (0..24).map(|n| format!("peer{n}@example.org")).collect();
    let mut writers = tokio::task::JoinSet::new();
    for (n, email) in invitees.iter().cloned().enumerate() {
        let app = if n % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let (admin, network) = (admin.clone(), network.clone());
        writers.spawn(async move {
            app.post(
                &admin,
                &format!("/networks/{network}/invitations"),
                json!({"email": email}),
            )
            .await
            .expect(201);
        });
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap();
    }
    eventually(Duration::from_secs(60), "every invitation sent", || async {
        let rows = outbox(&first.database).await;
        rows.iter().all(|r| r.sent_at.is_some()).then_some(())
    })
    .await;
    for email in &invitees {
        assert_eq!(
            smtp.received_by(email).len(),
            1,
            "{email} got exactly one invitation"
        );
    }
}

backend_test! {
    async fn sent_mail_and_outbox_files_are_pruned_after_the_retention_period(backend: Backend) {
        let first = TestApp::spawn(&backend).await;
        let (admin, network) = first.admin_with_network("Attendance PLN").await;
        first.post(&admin, &format!("/networks/{network}/invitations"), json!({"email": "old@example.org"})).await.expect(201);
        first.wait_for_invitation_token("old@example.org").await;
        eventually(Duration::from_secs(10), "the row marked sent", || async {
            is_sent(&first.database, "old@example.org").await.then_some(())
        })
        .await;
        // Make the message and its file eight days old, and add a fresh file.
        let eight_days_ago = chrono::Utc::now() - chrono::Duration::days(8);
        use sea_orm::sea_query::Expr;
        mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::SentAt, Expr::value(eight_days_ago))
            .exec(first.db())
            .await
            .unwrap();
        let outbox_dir = first.data_dir.join("outbox");
        let old_file = std::fs::read_dir(&outbox_dir).unwrap().flatten().find(|e| e.path().extension().is_some_and(|x| x == "eml")).unwrap().path();
        std::fs::File::options()
            .write(true)
            .open(&old_file)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(8 * 24 * 3600))
            .unwrap();
        let fresh_file = outbox_dir.join("fresh.eml");
        std::fs::write(&fresh_file, b"To: someone@example.org\r\n\r\nfresh").unwrap();

        // Pruning runs when a worker starts (and hourly after).
        let _second = TestApp::spawn_on(first.database.clone(), |c| c.mail.retention_hours = 168).await;
        eventually(Duration::from_secs(10), "old mail pruned", || async {
            (outbox(&first.database).await.is_empty() && !old_file.exists()).then_some(())
        })
        .await;
        assert!(fresh_file.exists(), "recent files stay");
    }
}
