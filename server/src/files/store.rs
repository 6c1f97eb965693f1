//! The content-addressed file store.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// How much of a file's beginning is kept for media-type detection.
const HEAD_BYTES: usize = 8192;

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file exceeds the upload limit")]
    TooLarge,
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A file received into a temporary place. Dropping it without `FileStore::keep` deletes
/// it, so no failed, oversized or abandoned upload leaves anything behind.
#[derive(Debug)]
pub struct Upload {
    temp: TempFile,
    pub sha256: String,
    pub size: u64,
    /// The first bytes, for media-type detection.
    pub head: Vec<u8>,
}

#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl FileStore {
    pub fn new(root: PathBuf) -> FileStore {
        FileStore { root }
    }

    /// Where the content with this hash lives: `<root>/ab/cd/abcd…`.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let (a, b) = (
            &sha256[..2.min(sha256.len())],
            &sha256[2.min(sha256.len())..4.min(sha256.len())],
        );
        self.root.join(a).join(b).join(sha256)
    }

    /// Streams `body` into a temporary file, hashing as it goes; refuses past `limit` bytes.
    pub async fn receive<E: std::fmt::Display>(
        &self,
        mut body: impl Stream<Item = Result<Bytes, E>> + Unpin,
        limit: u64,
    ) -> Result<Upload, UploadError> {
        let temp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&temp_dir).await?;
        let temp = TempFile {
            path: temp_dir.join(format!("{}.part", crate::random::random_token())),
            armed: true,
        };
        let mut file = tokio::fs::File::create(&temp.path).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head = Vec::with_capacity(HEAD_BYTES);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|err| UploadError::Interrupted(err.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(UploadError::TooLarge);
            }
            if head.len() < HEAD_BYTES {
                let take = (HEAD_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        file.sync_all().await?;
        let mut sha256 = String::with_capacity(64);
        for byte in hasher.finalize() {
            let _ = write!(sha256, "{byte:02x}");
        }
        Ok(Upload {
            temp,
            sha256,
            size,
            head,
        })
    }

    /// Moves an upload to its content address (a no-op for content already stored).
    pub async fn keep(&self, mut upload: Upload) -> Result<(), UploadError> {
        let target = self.path_of(&upload.sha256);
        if tokio::fs::try_exists(&target).await? {
            return Ok(()); // the temporary copy is dropped, and so deleted
        }
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        tokio::fs::rename(&upload.temp.path, &target).await?;
        upload.temp.armed = false;
        // The rename is durable only once the directory entry is on disk.
        if let Some(parent) = target.parent() {
            tokio::fs::File::open(parent).await?.sync_all().await?;
        }
        Ok(())
    }

    /// Removes temporary files a crash left behind: those untouched for `older_than`. An
    /// upload in progress (of this process or of another instance sharing the directory)
    /// writes to its file all the time, so it is never old enough to go.
    pub fn clean_temporary(&self, older_than: std::time::Duration) -> std::io::Result<usize> {
        let Ok(entries) = std::fs::read_dir(self.root.join("tmp")) else {
            return Ok(0);
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let is_part = entry.path().extension().is_some_and(|e| e == "part");
            let idle = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok());
            if is_part && idle.is_some_and(|idle| idle >= older_than) {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    pub async fn open(&self, sha256: &str) -> std::io::Result<tokio::fs::File> {
        tokio::fs::File::open(self.path_of(sha256)).await
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(
        parts: &[&'static [u8]],
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        futures_util::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
    }

    fn scratch() -> PathBuf {
        std::env::temp_dir().join(format!("staffroom-store-{}", crate::random::random_token()))
    }

    #[tokio::test]
    async fn stores_by_content_and_cleans_up_what_it_refuses() {
        let root = scratch();
        let store = FileStore::new(root.clone());
        let upload = store
            .receive(chunks(&[b"hello ", b"world"]), 100)
            .await
            .unwrap();
        assert_eq!(
            upload.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(upload.size, 11);
        let sha = upload.sha256.clone();
        store.keep(upload).await.unwrap();
        assert_eq!(std::fs::read(store.path_of(&sha)).unwrap(), b"hello world");

        let refused = store
            .receive(chunks(&[b"0123456789", b"0123456789"]), 15)
            .await;
        assert!(matches!(refused, Err(UploadError::TooLarge)));
        let leftovers = std::fs::read_dir(root.join("tmp")).unwrap().count();
        assert_eq!(leftovers, 0, "no partial file left behind");
        let _ = std::fs::remove_dir_all(root);
    }
}
