//! Improvement initiatives: aims, measures, teams, data check-ins, run charts, tests of
//! change and bright spots. The rules are plain functions: `charts/` reads, draws and
//! serves run charts, `bright_spots.rs` says which teams are bright spots, `permissions.rs`
//! says who may change what, and `model.rs` holds the vocabulary (cadence-aligned periods,
//! values, stages) and the test-of-change lifecycle. The rest stores and serves them.

pub mod bright_spots;
pub mod charts;
pub mod check_ins;
pub mod model;
pub mod permissions;
pub mod queries;
pub mod reminders;
pub mod routes;
pub mod service;
pub mod spreadsheet;
pub mod teams;
pub mod tests_of_change;
pub mod views;
