//! The files of the browser client: compiled into release builds (see `build.rs`), read
//! from `web/` on each request in debug builds so the client can be edited without a
//! rebuild. Either way they are addressed as `/assets/<version>/<path>`, where the version
//! is a hash of every file: a page always loads one consistent set of modules (relative
//! imports stay inside the version), and a browser may cache them for a year.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// Where debug builds read the client from. Named here rather than by `build.rs`: rustc
/// tracks `env!` and rebuilds when the checkout moves, while a build script's output
/// survives a move (a shared target directory would keep naming the old checkout's `web/`).
const WEB_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../web");

/// One file, ready to serve.
pub struct Asset {
    pub bytes: Arc<[u8]>,
    pub content_type: &'static str,
    /// Quoted, for `ETag`.
    pub etag: String,
}

impl Asset {
    fn new(path: &str, bytes: Arc<[u8]>) -> Asset {
        Asset {
            etag: format!("\"{}\"", short_hash(&[&bytes])),
            content_type: content_type(path),
            bytes,
        }
    }
}

/// The client as one versioned set of files.
pub struct Bundle {
    pub version: String,
    files: HashMap<String, Arc<Asset>>,
}

impl Bundle {
    fn new(files: Vec<(String, Arc<[u8]>)>) -> Bundle {
        let mut sorted: Vec<&(String, Arc<[u8]>)> = files.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut parts: Vec<&[u8]> = Vec::with_capacity(sorted.len() * 2);
        for (path, bytes) in &sorted {
            parts.push(path.as_bytes());
            parts.push(bytes);
        }
        let version = short_hash(&parts);
        let files = files
            .into_iter()
            .map(|(path, bytes)| {
                let asset = Arc::new(Asset::new(&path, bytes));
                (path, asset)
            })
            .collect();
        Bundle { version, files }
    }

    /// A file by its path under `web/`: only files found there can be named, so no path
    /// reaches outside it.
    pub fn get(&self, path: &str) -> Option<Arc<Asset>> {
        self.files.get(path).cloned()
    }
}

/// Where the files come from.
#[derive(Clone)]
pub enum Source {
    Embedded(Arc<Bundle>),
    Disk(PathBuf),
}

impl Source {
    /// Embedded when the build embedded anything (release), else `web/` on disk.
    pub fn from_build() -> Source {
        if EMBEDDED.is_empty() {
            return Source::Disk(PathBuf::from(WEB_DIR));
        }
        let files = EMBEDDED
            .iter()
            .map(|(path, bytes)| ((*path).to_owned(), Arc::from(*bytes)))
            .collect();
        Source::Embedded(Arc::new(Bundle::new(files)))
    }

    /// The current set of files (re-read from disk in debug builds: a few dozen small
    /// files, so that a debug build behaves exactly as a release build does).
    pub fn bundle(&self) -> std::io::Result<Arc<Bundle>> {
        match self {
            Source::Embedded(bundle) => Ok(bundle.clone()),
            Source::Disk(dir) => {
                let mut files = Vec::new();
                read_dir(dir, dir, &mut files)?;
                Ok(Arc::new(Bundle::new(files)))
            }
        }
    }
}

fn read_dir(root: &Path, dir: &Path, files: &mut Vec<(String, Arc<[u8]>)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            read_dir(root, &path, files)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let relative = relative.to_string_lossy().replace('\\', "/");
            files.push((relative, std::fs::read(&path)?.into()));
        }
    }
    Ok(())
}

fn short_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_changes_with_any_file() {
        let one = Bundle::new(vec![("a.js".into(), Arc::from(&b"1"[..]))]);
        let two = Bundle::new(vec![("a.js".into(), Arc::from(&b"2"[..]))]);
        let renamed = Bundle::new(vec![("b.js".into(), Arc::from(&b"1"[..]))]);
        assert_ne!(one.version, two.version);
        assert_ne!(one.version, renamed.version);
    }
}
