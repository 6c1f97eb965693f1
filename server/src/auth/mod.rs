//! Accounts signing in: passwords, access and refresh tokens, magic links, rate limits, and
//! the `AuthMember` extractor every protected handler takes.

pub mod accounts;
pub mod client_addr;
pub mod extract;
pub mod links;
pub mod passwords;
pub mod rate_limit;
pub mod routes;
pub mod secret;
pub mod service;
pub mod tokens;

pub use extract::AuthMember;
