//! Direct messages between convenings: private conversations among members who share a
//! network (every pair of them), with read markers, blocking, live delivery on each
//! participant's `me` topic and notification emails. Participants only, on every path:
//! everyone else, instance admins included, gets 404.

pub mod blocks;
pub mod model;
pub mod queries;
pub mod routes;
pub mod service;
pub mod views;
