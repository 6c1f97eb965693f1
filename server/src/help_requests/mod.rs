//! Help requests: a member asks peers for help; members whose expertise matches are told;
//! peers offer help and respond; the asker accepts the response that solved it.
//! `model.rs` holds the lifecycle (`open → answered → resolved`, and `closed`).

pub mod model;
pub mod offers;
pub mod queries;
pub mod responses;
pub mod routes;
pub mod service;
pub mod views;
