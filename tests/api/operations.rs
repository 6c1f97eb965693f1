//! Health, readiness, metrics, the OpenAPI document and the reference page.

use crate::backend_test;
use crate::helpers::*;
use reqwest::Method;

backend_test! {
    async fn probes_metrics_and_documentation_are_served(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        app.request(Method::GET, "/healthz", None, None).await.expect(200);
        let ready = app.request(Method::GET, "/readyz", None, None).await.expect(200);
        assert_eq!(ready.body["database"], "ok");
        assert_eq!(ready.body["search"], "ok");

        let admin = app.register("Ada Admin").await;
        app.get(&admin, "/me").await.expect(200);
        app.get(&admin, "/threads/12345").await.expect(404);
        let metrics = app.request(Method::GET, "/metrics", None, None).await.expect(200);
        assert!(metrics.content_type().starts_with("text/plain"));
        assert!(metrics.text.contains(r#"staffroom_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1"#), "{}", metrics.text);
        assert!(metrics.text.contains(r#"route="/api/v1/threads/{id}",status="404""#));
        assert!(metrics.text.contains("staffroom_http_request_duration_seconds_bucket"));
        assert!(metrics.text.contains("staffroom_mail_outbox_pending 0"), "{}", metrics.text);

        // Clients choose methods freely; the labels stay a fixed set.
        for invented in ["BREW", "PROPFIND", "X-ANYTHING-AT-ALL"] {
            let method = Method::from_bytes(invented.as_bytes()).unwrap();
            app.request(method, "/api/v1/me", None, None).await;
        }
        let metrics = app.request(Method::GET, "/metrics", None, None).await.expect(200);
        assert!(metrics.text.contains(r#"method="OTHER""#), "{}", metrics.text);
        for invented in ["BREW", "PROPFIND", "X-ANYTHING"] {
            assert!(!metrics.text.contains(invented), "{invented} became a label");
        }

        let openapi = app.request(Method::GET, "/api/v1/openapi.json", None, None).await.expect(200);
        assert!(openapi.body["openapi"].as_str().unwrap().starts_with("3."));
        for path in ["/api/v1/auth/register", "/api/v1/networks/{id}/threads", "/api/v1/posts/{id}/reactions/{kind}", "/api/v1/invitations/{token}/accept"] {
            assert!(openapi.body["paths"][path].is_object(), "{path} missing from the OpenAPI document");
        }
        let docs = app.request(Method::GET, "/docs", None, None).await.expect(200);
        assert!(docs.content_type().starts_with("text/html"));
        assert!(docs.text.contains("/api/v1/threads/{id}/posts"));
        let home = app.request(Method::GET, "/", None, None).await.expect(200);
        assert!(home.text.contains("Staffroom"));
    }
}

#[test]
fn the_cli_documents_every_command() {
    use clap::Parser;
    use staffroom::cli::Cli;
    for args in [
        &["staffroom", "--help"][..],
        &["staffroom", "serve", "--help"],
        &["staffroom", "migrate", "--help"],
        &["staffroom", "migrate", "down", "--help"],
        &["staffroom", "admin", "create", "--help"],
        &["staffroom", "demo", "seed", "--help"],
        &["staffroom", "watch", "--help"],
        &["staffroom", "mail", "list", "--help"],
        &["staffroom", "mail", "retry", "--help"],
        &["staffroom", "search", "reindex", "--help"],
    ] {
        let help = Cli::try_parse_from(args)
            .err()
            .expect("--help stops parsing");
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp, "{args:?}");
        assert!(help.to_string().contains("Usage"), "{args:?}");
    }
    assert!(Cli::try_parse_from(["staffroom", "frobnicate"]).is_err());
}

backend_test! {
    async fn cli_migrates_seeds_a_demo_and_creates_admins(backend: Backend) {
        use clap::Parser;
        use staffroom::cli::{execute, Cli};
        let database = std::sync::Arc::new(TestDatabase::create(&backend).await);
        let config = test_config(&database);
        let run = |args: &[&str]| {
            let cli = Cli::try_parse_from(args).expect("valid arguments");
            execute(cli.command, config.clone())
        };
        run(&["staffroom", "migrate", "up"]).await.expect("migrate up");
        run(&["staffroom", "migrate", "down", "--steps", "4"]).await.expect("migrate down");
        run(&["staffroom", "migrate", "status"]).await.expect("migrate status");
        run(&["staffroom", "demo", "seed", "--password", "demo-password-1"]).await.expect("demo seed");
        run(&["staffroom", "demo", "seed", "--password", "demo-password-1"]).await.expect("seeding twice is harmless");
        run(&["staffroom", "admin", "create", "--email", "ops@example.org", "--password", "operations-password"])
            .await
            .expect("admin create");

        let app = TestApp::spawn_on(database.clone(), |_| {}).await;
        let session = app
            .anonymous_post("/auth/login", serde_json::json!({"email": "roxy.heiser@example.org", "password": "demo-password-1"}))
            .await
            .expect(200);
        let roxy = account_from(&session.body);
        let networks = app.get(&roxy, "/networks").await.expect(200);
        let attendance = networks.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == "Central Texas Attendance PLN")
            .expect("the demo network")
            .clone();
        assert_eq!(attendance["member_count"], 12);
        let threads = app.get(&roxy, &format!("/networks/{}/threads", attendance["id"].as_str().unwrap())).await.expect(200);
        // Four conversations, one discussion per shared resource, the initiative's and one
        // per test of change.
        assert_eq!(threads.body["items"].as_array().unwrap().len(), 14);
        assert!(threads.body["items"].as_array().unwrap().iter().any(|t| t["reply_count"].as_i64().unwrap() >= 2));

        let network = attendance["id"].as_str().unwrap();
        let initiatives = app.get(&roxy, &format!("/networks/{network}/initiatives")).await.expect(200);
        let initiative = initiatives.body["items"][0]["id"].as_str().expect("the demo initiative").to_owned();
        let teams = app.get(&roxy, &format!("/initiatives/{initiative}/teams")).await.expect(200);
        assert_eq!(teams.body.as_array().unwrap().len(), 3);
        assert!(teams.body.as_array().unwrap().iter().all(|t| t["check_in_count"] == 20));
        let spots = app.get(&roxy, &format!("/initiatives/{initiative}/bright-spots")).await.expect(200);
        let spot_teams: Vec<&str> = spots.body.as_array().unwrap().iter().map(|s| s["team"]["name"].as_str().unwrap()).collect();
        assert_eq!(spot_teams, ["Lehman HS"], "one bright spot");
        assert_eq!(spots.body[0]["tests"][0]["act"], "adopt");
        let tests = app.get(&roxy, &format!("/initiatives/{initiative}/tests")).await.expect(200);
        let statuses: std::collections::BTreeSet<&str> = tests.body["items"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
        assert_eq!(statuses.into_iter().collect::<Vec<_>>(), ["acted", "doing", "planning", "studying"]);
        let library = app.get(&roxy, &format!("/networks/{network}/resources")).await.expect(200);
        let items = library.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 4);
        let csv = items.iter().find(|r| r["versions"][0]["file_name"] == "attendance-by-grade.csv").expect("the demo CSV");
        assert_eq!(csv["versions"][0]["media_type"], "text/csv");
        let download = app
            .client
            .get(app.url(&format!("/resources/{}/download", csv["id"].as_str().unwrap())))
            .bearer_auth(&roxy.access_token)
            .send()
            .await
            .unwrap();
        assert!(download.text().await.unwrap().starts_with("campus,grade"));
        let statuses: std::collections::BTreeSet<String> = app
            .get(&roxy, &format!("/networks/{network}/help-requests"))
            .await
            .expect(200)
            .body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(statuses.into_iter().collect::<Vec<_>>(), ["answered", "closed", "open", "resolved"]);
        let past = app.get(&roxy, &format!("/networks/{network}/convenings?upcoming=false")).await.expect(200);
        assert!(past.body["items"][0]["notes"].as_str().unwrap().contains("first-absence calls"));
        assert_eq!(past.body["items"][0]["action_item_count"], 3);
        assert_eq!(past.body["items"][0]["open_action_items"], 2);
        let upcoming = app.get(&roxy, &format!("/networks/{network}/convenings?upcoming=true")).await.expect(200);
        assert_eq!(upcoming.body["items"].as_array().unwrap().len(), 1);
        // Connections: an anonymous request, polls open and closed, and conversations.
        let requests = app.get(&roxy, &format!("/networks/{network}/help-requests")).await.expect(200);
        assert!(requests.body["items"].as_array().unwrap().iter().any(|r| r["author"]["anonymous"] == true));
        let polls = app.get(&roxy, &format!("/networks/{network}/polls")).await.expect(200);
        let polls = polls.body["items"].as_array().unwrap();
        assert_eq!(polls.len(), 3);
        let caseload = polls.iter().find(|p| p["kind"] == "number").expect("the closed number poll");
        assert_eq!(caseload["is_closed"], true);
        assert_eq!(caseload["results"]["number"]["count"], 5);
        assert_eq!(caseload["results"]["values"], serde_json::Value::Null, "anonymous");
        let pulse = polls.iter().find(|p| p["results_visibility"] == "facilitators").expect("the pulse poll");
        assert_eq!(pulse["results"], serde_json::Value::Null, "Roxy does not facilitate");
        let lauren = account_from(
            &app.anonymous_post("/auth/login", serde_json::json!({"email": "lauren.thomas@example.org", "password": "demo-password-1"}))
                .await
                .expect(200)
                .body,
        );
        let talks = app.get(&lauren, "/conversations").await.expect(200);
        assert_eq!(talks.body["items"][0]["last_message"]["body"], "Perfect, thank you. Thursday after the data check-in?");
        let insights = app.get(&lauren, &format!("/networks/{network}/insights")).await.expect(200);
        assert!(insights.body["connections"].as_array().unwrap().len() > 3, "{}", insights.text);

        let ops = account_from(
            &app.anonymous_post("/auth/login", serde_json::json!({"email": "ops@example.org", "password": "operations-password"}))
                .await
                .expect(200)
                .body,
        );
        assert_eq!(app.get(&ops, "/me").await.body["is_admin"], true);
    }
}

backend_test! {
    async fn secrets_in_paths_and_queries_stay_out_of_the_logs(backend: Backend) {
        use crate::live_client::LiveClient;
        use crate::process::ServerProcess;
        let database = TestDatabase::create(&backend).await;
        let server = ServerProcess::start(&database, &[("STAFFROOM_LOG", "debug")]);
        let (admin, network) = server.admin_with_network("Attendance PLN").await;
        server
            .post(&admin, &format!("/networks/{network}/invitations"), serde_json::json!({"email": "new@example.org"}))
            .await
            .expect(201);
        let token = server.wait_for_invitation_token("new@example.org").await;
        server.request(Method::GET, &format!("/invitations/{token}"), None, None).await.expect(200);
        server
            .request(
                Method::POST,
                &format!("/invitations/{token}/accept"),
                None,
                Some(serde_json::json!({"display_name": "New Person", "password": "correct horse battery"})),
            )
            .await
            .expect(201);
        let mut client = LiveClient::connect_to(&server.address, Some(&admin.access_token)).await.expect("connected");
        client.expect("authenticated").await;
        server.request(Method::GET, "/api/v1/unsubscribe?token=unsubscribe-secret-value", None, None).await;
        let logs = eventually(std::time::Duration::from_secs(10), "the requests logged", || async {
            let logs = server.logs().join("\n");
            logs.contains("/api/v1/live").then_some(logs)
        })
        .await;
        assert!(logs.contains("[redacted]"), "the requests were logged: {logs}");
        for secret in [token.as_str(), admin.access_token.as_str(), "unsubscribe-secret-value"] {
            assert!(!logs.contains(secret), "a secret reached the logs: {secret}");
        }
    }
}

backend_test! {
    async fn only_a_serving_instance_cleans_temporary_uploads_and_only_abandoned_ones(backend: Backend) {
        use crate::process::run_command;
        let database = TestDatabase::create(&backend).await;
        let tmp = database.data_dir.join("files").join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let in_flight = tmp.join("in-flight.part");
        let abandoned = tmp.join("abandoned.part");
        std::fs::write(&in_flight, b"an upload being received right now").unwrap();
        std::fs::write(&abandoned, b"left by a crash").unwrap();
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 3600);
        std::fs::File::options().write(true).open(&abandoned).unwrap().set_modified(two_hours_ago).unwrap();

        run_command(&database, &["admin", "create", "--email", "ops@example.org", "--password", "correct horse battery"]).await;
        run_command(&database, &["demo", "seed"]).await;
        assert!(in_flight.exists() && abandoned.exists(), "commands leave a running server's uploads alone");

        let _app = TestApp::spawn_on(std::sync::Arc::new(database), |_| {}).await;
        assert!(!abandoned.exists(), "serve removes what a crash left");
        assert!(in_flight.exists(), "serve keeps what may still be written");
    }
}

/// An acknowledged write must survive power loss, not just a crash: every SQLite connection,
/// readers included (a checkpoint may run on any of them), uses `synchronous=FULL` unless
/// the operator chose otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_commits_are_durable_unless_configured_otherwise() {
    use sea_orm::{ConnectionTrait, Statement};
    use staffroom::config::SqliteSync;
    async fn synchronous(db: &sea_orm::DatabaseConnection) -> i64 {
        let row = db
            .query_one(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA synchronous",
            ))
            .await
            .expect("pragma readable")
            .expect("one row");
        row.try_get_by_index(0).expect("a number")
    }
    // SQLite's numbering: 1 = NORMAL, 2 = FULL.
    for (setting, expected) in [(None, 2), (Some(SqliteSync::Normal), 1)] {
        let app = TestApp::spawn_with(&Backend::Sqlite, |config| {
            if let Some(setting) = setting {
                config.sqlite_synchronous = setting;
            }
        })
        .await;
        assert_eq!(
            synchronous(app.state.db.writer()).await,
            expected,
            "writer, {setting:?}"
        );
        // Every pooled reader, not just the first one handed out.
        let readers: Vec<_> = (0..4).map(|_| synchronous(app.state.db.reader())).collect();
        for value in futures_util::future::join_all(readers).await {
            assert_eq!(value, expected, "reader, {setting:?}");
        }
    }
}
