//! Uploaded files: streamed to disk while hashed, stored once per content (SHA-256) under
//! `<data_dir>/files/`, typed by their content rather than by what the client claims, and
//! served with HTTP ranges.

pub mod media_type;
pub mod range;
pub mod store;

pub use store::{FileStore, Upload, UploadError};
