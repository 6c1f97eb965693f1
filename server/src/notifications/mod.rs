//! How much a member wants to hear about a thread or a network. Notification records and
//! their delivery arrive with the live-updates issue; the levels are set here already.

pub mod level;

pub use level::NotificationLevel;
