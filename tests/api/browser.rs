//! The web client in a real browser: Debian's chromium, driven by playwright-core from npm
//! (`tests/browser/`), walks the journeys of a new user against the real server on a fresh
//! database, and axe-core checks every main page. Screenshots of each page land in
//! `<target>/tmp/browser-artifacts/<backend>/`.
//!
//! Needs `/usr/bin/chromium` (or `STAFFROOM_TEST_CHROMIUM`), `node`, and
//! `npm ci --prefix tests/browser`; without them the journeys are recorded as skipped (said
//! on the terminal and in the run's closing summary, see `skips`), except under CI (`CI`
//! set), where a missing browser is a failure, not a skip.

use crate::helpers::{Backend, TestDatabase};
use crate::process::ServerProcess;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Generous: two browsers, a server and a database share two cores under CI.
const RUN_LIMIT: Duration = Duration::from_secs(600);

struct Runner {
    dir: PathBuf,
    chromium: PathBuf,
}

impl Runner {
    fn find() -> Option<Runner> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
        let chromium = std::env::var_os("STAFFROOM_TEST_CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        let mut missing = Vec::new();
        if !chromium.exists() {
            missing.push(format!("chromium at {}", chromium.display()));
        }
        let node = Command::new("node").arg("--version").output();
        if !node.is_ok_and(|out| out.status.success()) {
            missing.push("node".to_owned());
        }
        for package in ["playwright-core", "axe-core"] {
            if !dir
                .join("node_modules")
                .join(package)
                .join("package.json")
                .exists()
            {
                missing.push(format!("the npm package {package}"));
            }
        }
        if missing.is_empty() {
            return Some(Runner { dir, chromium });
        }
        let how = "install them with `apt-get install chromium nodejs npm` and `npm ci --prefix tests/browser`";
        assert!(
            std::env::var_os("CI").is_none(),
            "browser tests cannot run under CI: missing {}; {how}",
            missing.join(", ")
        );
        crate::skips::skip(
            "browser journeys",
            &format!("missing {}; {how}", missing.join(", ")),
        );
        None
    }

    /// Runs the journeys (those whose name contains `only`, if given) against `server`.
    fn run(&self, server: &ServerProcess, artifacts: &Path, only: Option<&str>) {
        std::fs::create_dir_all(artifacts).expect("artifacts directory");
        let mut command = Command::new("node");
        command
            .arg("run.mjs")
            .current_dir(&self.dir)
            .env("STAFFROOM_URL", &server.api.address)
            .env("STAFFROOM_OUTBOX", server.api.data_dir.join("outbox"))
            .env("STAFFROOM_ARTIFACTS", artifacts)
            .env("STAFFROOM_CHROMIUM", &self.chromium)
            .stdin(Stdio::null());
        if let Some(only) = only {
            command.env("STAFFROOM_JOURNEY", only);
        }
        let mut child = command.stdout(Stdio::piped()).spawn().expect("node starts");
        // The runner's lines go through this test's output (so a failure's report holds
        // them), and what a failed journey printed is kept for the panic message itself.
        let failures = Arc::new(Mutex::new(Vec::<String>::new()));
        let relay = {
            let stdout = child.stdout.take().expect("piped stdout");
            let failures = Arc::clone(&failures);
            std::thread::spawn(move || {
                let mut in_failure = false;
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    println!("[browser] {line}");
                    if line.starts_with("FAIL ") {
                        in_failure = true;
                    } else if line.starts_with("ok ") {
                        in_failure = false;
                    }
                    let mut failures = failures.lock().expect("failure lines");
                    if in_failure && failures.len() < 80 {
                        failures.push(line);
                    }
                }
            })
        };
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("runner status") {
                break status;
            }
            if started.elapsed() > RUN_LIMIT {
                let _ = child.kill();
                panic!("the browser journeys did not finish within {RUN_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let _ = relay.join();
        assert!(
            status.success(),
            "browser journeys failed (screenshots in {}):\n{}",
            artifacts.display(),
            failures.lock().expect("failure lines").join("\n")
        );
    }
}

async fn journeys(backend: Backend, name: &str, only: Option<String>) {
    let Some(runner) = Runner::find() else {
        return;
    };
    let database = TestDatabase::create(&backend).await;
    // Mail (invitations, sign-in links) is read from the file outbox: deliver it without
    // waiting. A small replay window lets a journey miss more than the server replays;
    // short-lived access tokens make every journey live through refreshes.
    let server = ServerProcess::start(
        &database,
        &[
            ("STAFFROOM_MAIL__POLL_INTERVAL_MS", "50"),
            ("STAFFROOM_LIVE__REPLAY_WINDOW", "3"),
            ("STAFFROOM_AUTH__ACCESS_TOKEN_TTL_SECS", "35"),
        ],
    );
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser-artifacts")
        .join(name);
    tokio::task::spawn_blocking(move || {
        runner.run(&server, &artifacts, only.as_deref());
        drop(server);
    })
    .await
    .expect("the runner thread");
}

/// Every journey, the accessibility check and the screenshots, on SQLite (or those whose
/// name contains a part of `STAFFROOM_TEST_JOURNEY`, `|`-separated, while working on one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_on_sqlite() {
    let only = std::env::var("STAFFROOM_TEST_JOURNEY")
        .ok()
        .filter(|o| !o.is_empty());
    journeys(Backend::Sqlite, "sqlite", only).await;
}

/// The journeys again on PostgreSQL (the pages and their checks do not depend on it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_on_postgres() {
    if let Some(backend) = Backend::postgres_or_skip() {
        journeys(backend, "postgres", Some("sign up".to_owned())).await
    }
}
