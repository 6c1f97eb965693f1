//! Images in posts, replies, help requests and messages: uploaded into a network, re-encoded
//! on the server (`process.rs`), kept in the file store, and served only to those who can
//! see that network now, with a Bearer header or through a signed link that `sign.rs` puts
//! into each reader's `body_html`.

pub mod process;
pub mod routes;
pub mod service;
pub mod sign;
