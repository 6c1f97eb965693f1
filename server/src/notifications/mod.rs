//! Notifications: the records of what a member should hear about (how much they want to
//! hear is their follow level, `crate::notification_level`). Records are created in the
//! transaction of the write that causes them, each with a `notification.created` event on
//! the recipient's own topic; listing and delivered live on the `me` topic. `email.rs`
//! emails the ones a member has not seen, in batches, by the kinds they chose. Records
//! about posts and help requests keep ids only: their words are read from the live rows
//! when shown (`subjects.rs`).

pub mod describe;
pub mod email;
pub mod email_render;
pub mod fanout;
pub mod groups;
pub mod queries;
pub mod records;
pub mod routes;
pub mod service;
pub mod settle;
pub mod subjects;
