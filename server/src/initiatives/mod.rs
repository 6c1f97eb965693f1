//! Improvement initiatives: aims, measures, teams, data check-ins, run charts, tests of
//! change and bright spots. So far the domain rules, as plain functions: `run_chart.rs` reads
//! a run chart (baseline, shift, trend, Anhøj's runs and crossings); `model.rs` holds the
//! vocabulary (cadence-aligned periods, values, stages) and the test-of-change lifecycle.

pub mod bright_spots;
pub mod chart_svg;
pub mod model;
pub mod run_chart;
