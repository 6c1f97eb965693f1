//! Run charts: the rules that read one (`run_chart.rs`: baseline, shift, trend, Anhøj's runs
//! and crossings), a team's or the network's series read with its re-baseline
//! (`chart.rs`), the accessible SVG (`svg.rs`), and the charts and bright spots as the API
//! serves them, read from the check-ins when asked (`service.rs`).

pub mod chart;
pub mod run_chart;
pub mod service;
pub mod svg;

pub use service::{assemble, bright_spots, Assembled};
