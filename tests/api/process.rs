//! The server as a separate process (the real command line), for tests that kill it.

use crate::helpers::{Api, TestDatabase};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ServerProcess {
    child: Child,
    pub api: Api,
    logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl std::ops::Deref for ServerProcess {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

impl ServerProcess {
    /// Starts `staffroom serve` on `database` with these extra `STAFFROOM_*` settings, and
    /// waits until it listens.
    pub fn start(database: &TestDatabase, settings: &[(&str, &str)]) -> ServerProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_staffroom-under-test"));
        command
            .arg("serve")
            .env("STAFFROOM_BIND", "127.0.0.1:0")
            .env("STAFFROOM_DATA_DIR", &database.data_dir)
            .env("STAFFROOM_WORKERS", "1")
            .env("STAFFROOM_DATABASE_MAX_CONNECTIONS", "5")
            .env("STAFFROOM_LOG", "info,sqlx=warn,sea_orm=warn")
            .env("STAFFROOM_LOG_FORMAT", "pretty")
            .env("STAFFROOM_DIGESTS__SCHEDULER", "false")
            .env("STAFFROOM_NOTIFICATION_EMAILS__ENABLED", "false")
            .env_remove("STAFFROOM_FAILPOINTS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(url) = &database.url {
            command.env("STAFFROOM_DATABASE_URL", url);
        }
        for (key, value) in settings {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the server process starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (found, address) = std::sync::mpsc::channel();
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        // Reads the log until the server says where it listens, then keeps draining it (a
        // full pipe would block the server), keeping it for the test and echoing it for
        // failing tests' output.
        let kept = logs.clone();
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("[server] {line}");
                kept.lock().unwrap().push(line.clone());
                if let Some(url) = line.split("url=").nth(1) {
                    if let Some(sender) = found.take() {
                        let url = url.split_whitespace().next().unwrap_or_default().to_owned();
                        let _ = sender.send(url);
                    }
                }
            }
        });
        let address = address
            .recv_timeout(Duration::from_secs(60))
            .expect("the server process said where it listens");
        ServerProcess {
            child,
            api: Api::new(address, database.data_dir.clone()),
            logs,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server has logged so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    /// SIGKILL: no shutdown, no flushing, nothing but what the database already has.
    pub fn kill(mut self) {
        self.child.kill().expect("killed");
        self.child.wait().expect("reaped");
    }

    /// Waits for the process to end by itself (a failpoint aborting it).
    pub fn wait_for_exit(mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.child.try_wait().expect("process status").is_some() {
                return;
            }
            assert!(Instant::now() < deadline, "the server process did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long a command may take before the test fails by name (and the command is killed).
const COMMAND_LIMIT: Duration = Duration::from_secs(120);

/// Runs a `staffroom` command (not `serve`) on `database` and returns what it printed.
pub async fn run_command(database: &TestDatabase, args: &[&str]) -> String {
    let output = run_command_with(database, args, &[]).await;
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs a `staffroom` command with extra `STAFFROOM_*` settings, whatever its exit status.
/// The test's runtime keeps running meanwhile: a server in the test process goes on serving
/// (and finishing the transactions the command may wait for) while the command runs.
pub async fn run_command_with(
    database: &TestDatabase,
    args: &[&str],
    settings: &[(&str, &str)],
) -> std::process::Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_staffroom-under-test"));
    command
        .args(args)
        .env("STAFFROOM_DATA_DIR", &database.data_dir)
        .env("STAFFROOM_LOG", "warn")
        .env_remove("STAFFROOM_FAILPOINTS")
        .kill_on_drop(true);
    if let Some(url) = &database.url {
        command.env("STAFFROOM_DATABASE_URL", url);
    }
    for (key, value) in settings {
        command.env(key, value);
    }
    tokio::time::timeout(COMMAND_LIMIT, command.output())
        .await
        .unwrap_or_else(|_| panic!("{args:?} did not finish within {COMMAND_LIMIT:?}"))
        .expect("the command runs")
}
