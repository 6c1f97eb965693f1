//! The words inside uploaded files, for search: plain text, markdown and CSV as they are,
//! PDF through `pdf-extract`. Each file is bounded in size and time and read on a blocking
//! thread where a panic is contained; a file that cannot be read is skipped and logged, so
//! the indexer never stalls on one.

use crate::files::FileStore;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Bytes read of a text file.
const MAX_TEXT_BYTES: u64 = 1024 * 1024;
/// Largest PDF whose text is extracted.
const MAX_PDF_BYTES: i64 = 10 * 1024 * 1024;
/// Characters kept per file.
const MAX_CHARS: usize = 100_000;
const PDF_DEADLINE: Duration = Duration::from_secs(10);

enum Kind {
    Text,
    Pdf,
}

fn kind(media_type: &str) -> Option<Kind> {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    match essence {
        "application/pdf" => Some(Kind::Pdf),
        "text/plain" | "text/markdown" | "text/csv" | "text/tab-separated-values" => {
            Some(Kind::Text)
        }
        _ => None,
    }
}

/// The text of stored file `sha256`, or `None` when its kind has none or it cannot be read.
pub async fn extract(
    files: &FileStore,
    sha256: &str,
    media_type: &str,
    size: i64,
) -> Option<String> {
    let kind = kind(media_type)?;
    let outcome = match kind {
        Kind::Text => read_text(files, sha256).await,
        Kind::Pdf if size <= MAX_PDF_BYTES => read_pdf(files, sha256).await,
        Kind::Pdf => Err(format!("larger than {MAX_PDF_BYTES} bytes")),
    };
    match outcome {
        Ok(text) => Some(text.chars().take(MAX_CHARS).collect()),
        Err(reason) => {
            tracing::warn!(sha256, media_type, reason = %reason, "skipped the text of a file");
            None
        }
    }
}

async fn read_text(files: &FileStore, sha256: &str) -> Result<String, String> {
    let file = files.open(sha256).await.map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_TEXT_BYTES)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

async fn read_pdf(files: &FileStore, sha256: &str) -> Result<String, String> {
    let bytes = tokio::fs::read(files.path_of(sha256))
        .await
        .map_err(|e| e.to_string())?;
    // A malformed PDF may make the parser panic or spin: it runs apart, and is waited for
    // only so long (a thread still running then finishes on its own).
    let work = tokio::task::spawn_blocking(move || pdf_extract::extract_text_from_mem(&bytes));
    match tokio::time::timeout(PDF_DEADLINE, work).await {
        Ok(Ok(Ok(text))) => Ok(text),
        Ok(Ok(Err(err))) => Err(err.to_string()),
        Ok(Err(join)) => Err(format!("the PDF reader failed: {join}")),
        Err(_) => Err(format!("no text after {} s", PDF_DEADLINE.as_secs())),
    }
}
