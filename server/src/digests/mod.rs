//! Digests: a daily or weekly email per member of what happened in their networks, sent at
//! their chosen weekday and hour in their timezone, once per period whatever happens.
//!
//! - `schedule.rs`: when a digest is due and the key of its period (pure, DST-safe);
//! - `compose.rs`: what goes in it, read at sending time under the member's access, a
//!   batch of members at once: `network_news.rs` (from `candidates.rs`) and `personal.rs`;
//! - `render.rs`: the email (subject, text, inline-styled HTML);
//! - `scheduler.rs`: which digests are due, and sending them (the scheduler, `digest send`);
//! - `send.rs`: one member, one period: the delivery record and the mail outbox row in one
//!   transaction;
//! - `routes.rs`: the preview (one-click unsubscribe is mail's: `mail/routes.rs`).

mod candidates;
pub mod command;
pub mod compose;
mod curate;
mod dates;
mod network_news;
mod personal;
pub mod recheck;
pub mod render;
pub mod routes;
pub mod schedule;
pub mod scheduler;
pub mod send;
