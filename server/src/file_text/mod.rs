//! The words inside uploaded files, for search. Text is read from PDF, Word, PowerPoint,
//! Excel and OpenDocument files (and plain text, markdown and CSV) by a child process under
//! OS limits (`sandbox.rs` starts `staffroom extract-text`, `child.rs`), with the limits of
//! each format inside it (`formats/`); the server's memory never depends on a file's
//! contents. What a file gave, its words or why there are none, is kept by content
//! (`records.rs`), so no instance, restart or reindex reads the same file twice; a file that
//! cannot be read is skipped, recorded and shown to operators (`/metrics`,
//! `staffroom files unreadable`), and its resource stays findable by everything else.

pub mod child;
pub mod formats;
pub mod records;
mod sandbox;

use crate::config::FileTextConfig;
use crate::db::Db;
use crate::files::FileStore;
use formats::{Format, Unreadable, MAX_FILE_BYTES};
use records::Known;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bumped when a reader changes what it finds: files read by an older one are read again.
pub const READER_VERSION: i32 = 1;

/// A stored file whose words are wanted.
pub struct StoredFile<'a> {
    pub sha256: &'a str,
    pub media_type: &'a str,
    pub size_bytes: i64,
}

pub struct FileTexts {
    db: Db,
    files: FileStore,
    sandbox: sandbox::Sandbox,
    pub counters: FileTextCounters,
}

/// What this instance's readings gave since the process started.
#[derive(Debug, Default)]
pub struct FileTextCounters {
    pub read: AtomicU64,
    pub unreadable: AtomicU64,
}

impl FileTexts {
    pub fn new(config: &FileTextConfig, db: Db, files: FileStore) -> FileTexts {
        FileTexts {
            db,
            files,
            sandbox: sandbox::Sandbox::new(config),
            counters: FileTextCounters::default(),
        }
    }

    /// The words of `file`, or `None` when its kind has none or they cannot be read.
    pub async fn text_of(&self, file: StoredFile<'_>) -> Option<String> {
        let format = Format::of(file.media_type)?;
        match records::find(self.db.reader(), file.sha256, READER_VERSION).await {
            Ok(Some(Known::Text(text))) => return Some(text),
            Ok(Some(Known::Unreadable)) => return None,
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "reading recorded file texts failed"),
        }
        let span = tracing::info_span!(
            "extract_text",
            sha256 = file.sha256,
            media_type = file.media_type
        );
        let result = match self.read(&file, format).await {
            Ok(result) => result,
            Err(not_started) => {
                // Nothing was learnt about the file: it is tried again next time.
                span.in_scope(|| tracing::error!(error = %not_started, "no text reader"));
                return None;
            }
        };
        match &result {
            Ok(_) => self.counters.read.fetch_add(1, Ordering::Relaxed),
            Err(reason) => {
                span.in_scope(|| tracing::warn!(reason = %reason, "a file's text cannot be read; skipped and recorded"));
                self.counters.unreadable.fetch_add(1, Ordering::Relaxed)
            }
        };
        let outcome = records::Outcome {
            sha256: file.sha256,
            media_type: file.media_type,
            size_bytes: file.size_bytes,
            result: &result,
            reader_version: READER_VERSION,
        };
        if let Err(err) = records::record(self.db.writer(), outcome).await {
            tracing::warn!(error = %err, "recording a file's text failed");
        }
        result.ok()
    }

    async fn read(
        &self,
        file: &StoredFile<'_>,
        format: Format,
    ) -> Result<Result<String, Unreadable>, sandbox::StartFailed> {
        if file.size_bytes < 0 || file.size_bytes as u64 > MAX_FILE_BYTES {
            return Ok(Err(Unreadable::new(format!(
                "it is larger than the {MAX_FILE_BYTES} bytes whose text is read"
            ))));
        }
        let path = self.files.path_of(file.sha256);
        self.sandbox.read(&path, format).await
    }

    /// Prometheus lines: this instance's readings, and the unreadable files of all.
    pub async fn render_metrics(&self) -> String {
        let unreadable = records::unreadable_count(self.db.reader()).await.ok();
        let mut out = format!(
            "# HELP staffroom_file_texts_read_total Files whose text this instance read.\n# TYPE staffroom_file_texts_read_total counter\nstaffroom_file_texts_read_total {}\n\
             # HELP staffroom_file_texts_unreadable_total Files whose text this instance could not read (recorded and skipped).\n# TYPE staffroom_file_texts_unreadable_total counter\nstaffroom_file_texts_unreadable_total {}\n",
            self.counters.read.load(Ordering::Relaxed),
            self.counters.unreadable.load(Ordering::Relaxed),
        );
        if let Some(count) = unreadable {
            out.push_str(&format!(
                "# HELP staffroom_file_texts_unreadable Files whose text could not be read, as recorded (`staffroom files unreadable`).\n# TYPE staffroom_file_texts_unreadable gauge\nstaffroom_file_texts_unreadable {count}\n"
            ));
        }
        out
    }
}
