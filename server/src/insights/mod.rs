//! Facilitator insights: how a network's members kept in touch between convenings. Who was
//! active, how many connected with a peer, who helped whom, how help requests were
//! answered, resources shared and downloaded, check-ins completed. The figures are
//! computed in-process by plain functions (`compute.rs`) from the period's rows
//! (`queries.rs`), for facilitators only.

pub mod compute;
pub mod period;
pub mod queries;
pub mod routes;
pub mod service;
pub mod spreadsheet;
pub mod views;
