//! Improvement initiatives: aims, measures, teams, data check-ins, run charts, tests of
//! change and bright spots. `run_chart.rs` holds the rules that read a run chart (baseline,
//! shift, trend, Anhøj's runs and crossings) as plain functions.

pub mod run_chart;
