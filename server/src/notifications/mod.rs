//! Notifications: how much a member wants to hear (follow levels) and the records of what
//! they should hear about. Records are created in the transaction of the write that causes
//! them, each with a `notification.created` event on the recipient's own topic; listing and
//! live delivery arrive with the live-updates issue.

pub mod level;
pub mod records;

pub use level::NotificationLevel;
