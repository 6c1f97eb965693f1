//! Facilitator insights: how a network's members kept in touch between convenings. Who was
//! active, how many connected with a peer, who helped whom, how help requests were
//! answered, resources shared and downloaded, check-ins completed. The figures are
//! computed in-process by plain functions (`compute.rs`) from the period's rows
//! (`queries.rs`), for facilitators only, over whole days (`period.rs`). Nobody is counted
//! for an act that does not name them anyway: asking anonymously, voting in an anonymous
//! poll and direct messages are only counts, held back below five.

pub mod compute;
pub mod period;
pub mod queries;
pub mod routes;
pub mod service;
pub mod spreadsheet;
pub mod views;
