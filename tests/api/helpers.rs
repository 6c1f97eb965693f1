//! Starting servers for tests and talking to them.

use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};
use staffroom::config::Config;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Declares a test that runs once per configured database backend: `<name>::sqlite` always,
/// `<name>::postgres` when `STAFFROOM_TEST_POSTGRES_URL` is set.
#[macro_export]
macro_rules! backend_test {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident: Backend) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $crate::helpers::Backend) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::helpers::within_limit(run($crate::helpers::Backend::Sqlite)).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(backend) = $crate::helpers::Backend::postgres_or_skip() {
                    $crate::helpers::within_limit(run(backend)).await
                }
            }
        }
    };
}

/// A test that hangs fails by name instead of stalling the whole run.
pub async fn within_limit(test: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(180), test)
        .await
        .expect("the test did not finish within 180 s");
}

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// Server URL without a database name, e.g. `postgres://postgres:postgres@127.0.0.1:5432`.
    Postgres(String),
}

impl Backend {
    pub fn postgres() -> Option<Backend> {
        std::env::var("STAFFROOM_TEST_POSTGRES_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .map(|url| Backend::Postgres(url.trim_end_matches('/').to_owned()))
    }

    /// PostgreSQL for a test that needs it; without it the test is recorded as skipped (and
    /// said so on the terminal and in the run's closing summary, see `skips`).
    pub fn postgres_or_skip() -> Option<Backend> {
        let backend = Backend::postgres();
        if backend.is_none() {
            crate::skips::skip("PostgreSQL", "STAFFROOM_TEST_POSTGRES_URL is not set");
        }
        backend
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database made for one test, dropped when the test ends (even when it fails).
pub struct TestDatabase {
    pub url: Option<String>,
    admin_url: Option<String>,
    name: String,
    pub data_dir: PathBuf,
}

impl TestDatabase {
    pub async fn create(backend: &Backend) -> TestDatabase {
        let name = unique("staffroom_test_");
        let data_dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        match backend {
            Backend::Sqlite => TestDatabase {
                url: None,
                admin_url: None,
                name,
                data_dir,
            },
            Backend::Postgres(server) => {
                let admin_url = format!("{server}/postgres");
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                TestDatabase {
                    url: Some(format!("{server}/{name}")),
                    admin_url: Some(admin_url),
                    name,
                    data_dir,
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        let Some(admin_url) = self.admin_url.clone() else {
            return;
        };
        let name = self.name.clone();
        // Drop cannot await; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let admin = Database::connect(&admin_url).await.ok()?;
                admin
                    .execute(Statement::from_string(
                        admin.get_database_backend(),
                        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                    ))
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
    }
}

/// A server in this process, on its own fresh database; its HTTP helpers are `Api`'s.
pub struct TestApp {
    pub api: Api,
    pub state: actix_web::web::Data<staffroom::AppState>,
    handle: actix_web::dev::ServerHandle,
    pub database: std::sync::Arc<TestDatabase>,
}

impl std::ops::Deref for TestApp {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

/// Talking to a server over HTTP, wherever it runs (this process or a child process).
pub struct Api {
    pub address: String,
    pub client: reqwest::Client,
    /// The server's data directory (its file outbox is `outbox/` in it).
    pub data_dir: PathBuf,
    /// Where the server's mail goes when it sends through SMTP (otherwise the file outbox).
    pub mailbox: Option<crate::smtp::Mailbox>,
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// A response, with its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    #[track_caller]
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("an id").to_owned()
    }
}

pub fn test_config(database: &TestDatabase) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: database.data_dir.clone(),
        database_url: database.url.clone(),
        workers: Some(1),
        database_max_connections: 5,
        // Tests that want digests or notification emails turn them on (and say when).
        digests: staffroom::config::DigestsConfig {
            scheduler: false,
            ..Config::default().digests
        },
        notification_emails: staffroom::config::NotificationEmailsConfig {
            enabled: false,
            ..Config::default().notification_emails
        },
        // The server in this process is the test binary: files are read by the real
        // command line's `extract-text`.
        file_text: staffroom::config::FileTextConfig {
            extractor: Some(env!("CARGO_BIN_EXE_staffroom-under-test").into()),
            ..Config::default().file_text
        },
        ..Config::default()
    }
}

impl TestApp {
    pub async fn spawn(backend: &Backend) -> TestApp {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// A server that sends its mail to `smtp` (invitations included).
    pub async fn spawn_with_smtp(
        backend: &Backend,
        smtp: &crate::smtp::SmtpServer,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut app = TestApp::spawn_with(backend, |c| {
            c.smtp_url = Some(smtp.url());
            c.mail.poll_interval_ms = 50;
            adjust(c);
        })
        .await;
        app.api.mailbox = Some(smtp.mailbox());
        app
    }

    /// A server mailing through `smtp` whose notification emails go out after a one-second
    /// window.
    pub async fn spawn_with_notification_emails(
        backend: &Backend,
        smtp: &crate::smtp::SmtpServer,
    ) -> TestApp {
        TestApp::spawn_with_smtp(backend, smtp, |c| {
            c.notification_emails.enabled = true;
            // Long enough that a burst written by a test on a busy 2-core machine (CI
            // building beside it) still falls into one window.
            c.notification_emails.batch_window_secs = 3;
        })
        .await
    }

    pub async fn spawn_with(backend: &Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let database = std::sync::Arc::new(TestDatabase::create(backend).await);
        TestApp::spawn_on(database, adjust).await
    }

    /// Another server instance on the same database (and data directory).
    pub async fn spawn_on(
        database: std::sync::Arc<TestDatabase>,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        staffroom::ops::telemetry::init(staffroom::config::LogFormat::Pretty);
        let mut config = test_config(&database);
        adjust(&mut config);
        let app = staffroom::Application::build(config)
            .await
            .expect("server starts");
        let address = format!("http://{}", app.address());
        let state = app.state();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            api: Api::new(address, database.data_dir.clone()),
            state,
            handle,
            database,
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        self.state.db.writer()
    }

    /// Every event in the log, oldest first: `(id, kind, topic, payload)`.
    pub async fn events(&self) -> Vec<(i64, String, String, Value)> {
        use sea_orm::{EntityTrait, QueryOrder};
        use staffroom::entities::events;
        events::Entity::find()
            .order_by_asc(events::Column::Id)
            .all(self.db())
            .await
            .expect("events readable")
            .into_iter()
            .map(|e| (e.id, e.kind, e.topic, e.payload))
            .collect()
    }
}

impl Api {
    /// One number from `/metrics` (0 when the series is not there yet).
    pub async fn metric(&self, name: &str) -> u64 {
        let metrics = self
            .request(Method::GET, "/metrics", None, None)
            .await
            .expect(200);
        metrics
            .text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }

    pub fn new(address: String, data_dir: PathBuf) -> Api {
        Api {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            data_dir,
            mailbox: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') && !path.starts_with("/api/") && !is_top_level(path) {
            format!("{}/api/v1{path}", self.address)
        } else {
            format!("{}{path}", self.address)
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// Sends a request built by hand (a raw body, other headers).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, who: &Account, path: &str) -> Reply {
        self.request(Method::GET, path, Some(&who.access_token), None)
            .await
    }

    pub async fn post(&self, who: &Account, path: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(&who.access_token), Some(body))
            .await
    }

    pub async fn patch(&self, who: &Account, path: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(&who.access_token), Some(body))
            .await
    }

    pub async fn put(&self, who: &Account, path: &str, body: Option<Value>) -> Reply {
        self.request(Method::PUT, path, Some(&who.access_token), body)
            .await
    }

    pub async fn delete(&self, who: &Account, path: &str) -> Reply {
        self.request(Method::DELETE, path, Some(&who.access_token), None)
            .await
    }

    pub async fn anonymous_post(&self, path: &str, body: Value) -> Reply {
        self.request(Method::POST, path, None, Some(body)).await
    }

    /// Registers an account (the first one of an instance becomes its admin).
    pub async fn register(&self, display_name: &str) -> Account {
        let email = format!(
            "{}@example.org",
            unique(&display_name.to_lowercase().replace(' ', "."))
        );
        let reply = self
            .anonymous_post(
                "/auth/register",
                json!({"email": email, "password": "correct horse battery", "display_name": display_name}),
            )
            .await
            .expect(201);
        account_from(&reply.body)
    }

    /// An admin, a private network they created, and its id.
    pub async fn admin_with_network(&self, name: &str) -> (Account, String) {
        let admin = self.register("Ada Admin").await;
        let network = self
            .post(
                &admin,
                "/networks",
                json!({"name": name, "visibility": "private"}),
            )
            .await
            .expect(201)
            .id();
        (admin, network)
    }

    /// Invites a new account into `network` with `role` and returns it signed in.
    pub async fn add_member(
        &self,
        inviter: &Account,
        network: &str,
        display_name: &str,
        role: &str,
    ) -> Account {
        let account = self.register(display_name).await;
        self.join_by_invitation(inviter, network, &account, role)
            .await;
        account
    }

    pub async fn join_by_invitation(
        &self,
        inviter: &Account,
        network: &str,
        account: &Account,
        role: &str,
    ) {
        self.post(
            inviter,
            &format!("/networks/{network}/invitations"),
            json!({"email": account.email, "role": role}),
        )
        .await
        .expect(201);
        // The newest invitation email may still be an earlier one (to another network)
        // until this one is written: wait until a token is one not yet used.
        eventually(Duration::from_secs(10), "a fresh invitation", || async {
            let token = self.wait_for_invitation_token(&account.email).await;
            let reply = self
                .post(account, &format!("/invitations/{token}/accept"), json!({}))
                .await;
            match reply.status.as_u16() {
                200 => Some(()),
                409 => None,
                status => panic!("accepting the invitation: {status} {}", reply.text),
            }
        })
        .await;
    }

    /// Reads the newest invitation token sent to `email` from the outbox.
    pub async fn wait_for_invitation_token(&self, email: &str) -> String {
        let message = match &self.mailbox {
            Some(mailbox) => {
                eventually(Duration::from_secs(10), "the invitation", || async {
                    mailbox.find_text(email, "invited you")
                })
                .await
            }
            None => wait_for_email(&self.data_dir.join("outbox"), email, "invited you").await,
        };
        token_after(&message, "Invitation code: ").expect("invitation code in the email")
    }

    /// Shares `bytes` as a file resource named `file_name` (multipart upload); its id.
    pub async fn share_file(
        &self,
        who: &Account,
        network: &str,
        title: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> String {
        use reqwest::multipart::{Form, Part};
        let form = Form::new()
            .text("title", title.to_owned())
            .text("kind", "file")
            .part("file", Part::bytes(bytes).file_name(file_name.to_owned()));
        let response = self
            .client
            .post(self.url(&format!("/networks/{network}/resources")))
            .bearer_auth(&who.access_token)
            .multipart(form)
            .send()
            .await
            .expect("upload sent");
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.expect("json");
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn create_thread(&self, who: &Account, network: &str, title: &str) -> Value {
        self.post(who, &format!("/networks/{network}/threads"), json!({"title": title, "body": format!("Opening post of {title}"), "tags": ["attendance"]}))
            .await
            .expect(201)
            .body
    }

    pub async fn reply(&self, who: &Account, thread: &str, body: &str) -> Value {
        self.post(
            who,
            &format!("/threads/{thread}/posts"),
            json!({"body": body}),
        )
        .await
        .expect(201)
        .body
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stops the workers (they run on their own threads); the command is sent at once.
        drop(self.handle.stop(false));
    }
}

fn is_top_level(path: &str) -> bool {
    ["/healthz", "/readyz", "/metrics", "/docs", "/unsubscribe"]
        .iter()
        .any(|p| path.starts_with(p))
        || path == "/"
}

pub fn account_from(body: &Value) -> Account {
    Account {
        id: body["member"]["id"].as_str().expect("member id").to_owned(),
        email: body["member"]["email"].as_str().expect("email").to_owned(),
        handle: body["member"]["handle"]
            .as_str()
            .expect("handle")
            .to_owned(),
        display_name: body["member"]["display_name"]
            .as_str()
            .expect("display name")
            .to_owned(),
        access_token: body["access_token"]
            .as_str()
            .expect("access token")
            .to_owned(),
        refresh_token: body["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned(),
    }
}

/// Polls `dir` for a `.eml` addressed to `to` whose text contains `needle`: the newest one
/// (files are named by time and outbox id).
pub async fn wait_for_email(dir: &Path, to: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(entries) = std::fs::read_dir(dir) {
            let mut paths: Vec<PathBuf> = entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|e| e == "eml"))
                .collect();
            paths.sort_unstable_by(|a, b| b.cmp(a));
            for path in paths {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if text.contains(&format!("To: {to}")) && text.contains(needle) {
                    return text;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no email to {to} containing {needle:?} within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Undoes quoted-printable soft line breaks and `=3D`, enough to read links in emails.
pub fn unfold_quoted_printable(text: &str) -> String {
    text.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// The token printed after `marker` in an email (tokens are URL-safe base64).
pub fn token_after(message: &str, marker: &str) -> Option<String> {
    let start = message.find(marker)? + marker.len();
    Some(
        message[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

/// Polls `check` until it returns `Some`, failing after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until no queued `kind` email is being sent and the next attempt is a moment away
/// (or none is left). Call it after changing what the queued emails tell of, before SMTP
/// comes back: the next attempt is then claimed after the change, and its recheck sees it.
/// Otherwise an attempt claimed just before the change could reach SMTP just after.
pub async fn no_mail_in_flight(app: &TestApp, kind: &str) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use staffroom::entities::mail_outbox;
    eventually(Duration::from_secs(30), "no email in flight", || async {
        let now = chrono::Utc::now();
        let rows = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::Kind.eq(kind))
            .filter(mail_outbox::Column::SentAt.is_null())
            .all(app.db())
            .await
            .unwrap();
        rows.iter()
            .all(|row| {
                row.claimed_until.is_none()
                    && row.next_attempt_at > now + chrono::Duration::milliseconds(300)
            })
            .then_some(())
    })
    .await;
}
