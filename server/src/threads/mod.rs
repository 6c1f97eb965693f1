//! Threads (problems of practice, questions) and their posts, with what each member does
//! around them: reactions, follow levels, read markers and @mentions.

pub mod access;
pub mod following;
pub mod mentions;
pub mod model;
pub mod page;
pub mod posts;
pub mod preview;
pub mod queries;
pub mod reactions;
pub mod routes;
pub mod service;
pub mod views;
