//! Notifications: how much a member wants to hear (follow levels) and the records of what
//! they should hear about. Records are created in the transaction of the write that causes
//! them, each with a `notification.created` event on the recipient's own topic; listing and
//! delivered live on the `me` topic. `email.rs` emails the ones a member
//! has not seen, in batches, by the kinds they chose. Records about posts and help requests
//! keep ids only: their words are read from the live rows when shown (`subjects.rs`).

pub mod describe;
pub mod email;
pub mod email_render;
pub mod fanout;
pub mod queries;
pub mod records;
pub mod routes;
pub mod service;
pub mod subjects;
