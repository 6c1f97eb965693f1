//! Black-box tests: each test starts a real Staffroom server on a random port, on a fresh
//! database (SQLite, and PostgreSQL too when `STAFFROOM_TEST_POSTGRES_URL` is set), and
//! drives it over HTTP with a real client.

mod browser;
mod helpers;
mod live_client;
mod made_files;
mod process;
mod proxy;
mod skips;
mod smtp;

mod anonymous_help;
mod auth;
mod authorization;
mod convenings;
mod conversations;
mod deleted_text;
mod digest_rules;
mod digest_sending;
mod digests;
mod event_log;
mod feed;
mod file_texts;
mod getting_started;
mod help_requests;
mod images;
pub mod initiatives;
mod insights;
mod live;
mod losing_access;
mod mail;
mod mentions;
mod networks;
mod notification_emails;
mod notifications;
mod operations;
mod polls;
mod resources;
mod search;
mod search_relevance;
mod settling;
mod signed_links;
mod threads;
mod web_client;
