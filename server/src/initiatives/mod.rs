//! Improvement initiatives: aims, measures, teams, data check-ins, run charts, tests of
//! change and bright spots. The rules are plain functions: `run_chart.rs` reads a run chart
//! (baseline, shift, trend, Anhøj's runs and crossings), `chart.rs` applies them to a
//! series with its re-baseline, `bright_spots.rs` says which teams are bright spots, and
//! `model.rs` holds the vocabulary (cadence-aligned periods, values, stages) and the
//! test-of-change lifecycle. The rest stores and serves them.

pub mod bright_spots;
pub mod chart;
pub mod chart_svg;
pub mod charts;
pub mod check_ins;
pub mod model;
pub mod queries;
pub mod reminders;
pub mod routes;
pub mod run_chart;
pub mod service;
pub mod spreadsheet;
pub mod teams;
pub mod tests_of_change;
pub mod views;
