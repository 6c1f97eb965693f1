//! Member profiles: who someone is, what they know (expertise), and how they want to hear
//! from Staffroom (timezone, digest preferences).

pub mod contributions;
pub mod export;
pub mod getting_started;
pub mod opt_outs;
pub mod profile;
pub mod queries;
pub mod routes;
pub mod service;
pub mod views;
