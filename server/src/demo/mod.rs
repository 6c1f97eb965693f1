//! Commands that fill an instance: the first admin, and a realistic demo network.

pub mod admin;
pub mod connections;
pub mod initiative;
pub mod seed;
