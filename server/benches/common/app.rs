#![allow(dead_code)] // Each benchmark uses part of it.

//! A Staffroom server for a benchmark: on a fresh SQLite file of its own, one worker, with
//! the background loops off (they would compete for the cores being measured).

use staffroom::config::Config;
use staffroom::AppState;
use std::net::SocketAddr;
use std::path::PathBuf;

pub struct BenchServer {
    pub addr: SocketAddr,
    pub state: actix_web::web::Data<AppState>,
    pub data_dir: PathBuf,
    handle: actix_web::dev::ServerHandle,
}

impl BenchServer {
    pub async fn start(name: &str) -> anyhow::Result<BenchServer> {
        let data_dir =
            std::env::temp_dir().join(format!("staffroom-{name}-bench-{}", std::process::id()));
        let mut config = Config {
            bind: "127.0.0.1:0".parse()?,
            data_dir: data_dir.clone(),
            workers: Some(1),
            ..Config::default()
        };
        config.digests.scheduler = false;
        config.initiatives.reminders = false;
        config.polls.closer = false;
        config.notification_emails.enabled = false;
        let app = staffroom::Application::build(config).await?;
        let server = BenchServer {
            addr: app.address(),
            state: app.state(),
            data_dir,
            handle: app.handle(),
        };
        tokio::spawn(app.run_until_stopped());
        Ok(server)
    }

    /// The SQLite file the server writes.
    pub fn database_file(&self) -> PathBuf {
        self.data_dir.join("staffroom.db")
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
