//! `staffroom search reindex`: asks for a rebuild and shows its progress. When no running
//! instance feeds the index (the server is stopped, or nobody holds the Meilisearch lease),
//! the command does the rebuild itself.

use super::engine::Engine;
use super::rebuild::{self, RebuildState, RebuildStatus};
use super::Search;
use crate::config::Config;
use crate::db::Db;
use std::time::Duration;

pub async fn reindex(config: Config) -> anyhow::Result<()> {
    let db = Db::connect(&config).await?;
    db.migrate_up().await?;
    let key = super::row_key(&config);
    let asked = rebuild::request(db.writer(), &key).await?;
    let asked_at = asked.requested_at;
    let search = Search::default();
    // Can this process feed the index? Only if no server does.
    let ours: Option<Engine> = match search.start(&config, &db) {
        Ok(engine) if engine.claim().await.unwrap_or(false) => Some(engine),
        Ok(_) => None,
        Err(err) => {
            tracing::debug!(error = %format!("{err:#}"), "the index is in use: a running server will rebuild it");
            None
        }
    };
    let status = match &ours {
        Some(engine) => {
            eprintln!("No server is feeding the index: rebuilding it here.");
            let progress = watch_progress(&db, &key, asked_at);
            tokio::pin!(progress);
            let file_texts = crate::file_text::FileTexts::new(
                &config.file_text,
                db.clone(),
                crate::files::FileStore::new(config.files_dir()),
            );
            let work = rebuild::run_if_requested(engine, &db, &file_texts);
            tokio::select! {
                outcome = work => { outcome?; }
                _ = &mut progress => {}
            }
            engine.release().await;
            rebuild::status(db.reader(), &key).await?
        }
        None => {
            eprintln!("A running server feeds the index; it is rebuilding it now.");
            watch_progress(&db, &key, asked_at).await?
        }
    };
    draw(&status);
    eprintln!();
    match status.state {
        RebuildState::Done => {
            println!(
                "Rebuilt the search index: {} rows read; searches answered throughout.",
                status.documents_done
            );
            Ok(())
        }
        _ => Err(anyhow::anyhow!(
            "the rebuild failed: {}",
            status.error.unwrap_or_else(|| "unknown error".into())
        )),
    }
}

/// Draws the progress until the rebuild asked for at `asked_at` has finished.
async fn watch_progress(
    db: &Db,
    key: &str,
    asked_at: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<RebuildStatus> {
    loop {
        let status = rebuild::status(db.reader(), key).await?;
        let finished = matches!(status.state, RebuildState::Done | RebuildState::Failed)
            && status.started_at >= asked_at;
        draw(&status);
        if finished {
            return Ok(status);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn draw(status: &RebuildStatus) {
    crate::progress::draw(
        status.documents_done.max(0) as u64,
        status.documents_total.max(0) as u64,
        "rows",
        &format!("{:?}", status.state),
    );
}
