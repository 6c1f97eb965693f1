//! Polls ("collect information") in a network or a thread: single choice, multiple choice
//! or a number; results shown always, after voting, after closing or to facilitators only;
//! anonymous or named. Results reach each reader as the visibility rule allows them, in
//! responses and in live events alike (see `audience.rs`); a closer settles polls whose
//! closing time has passed.

pub mod audience;
pub mod closer;
pub mod model;
pub mod queries;
pub mod routes;
pub mod service;
pub mod views;
