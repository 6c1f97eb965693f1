//! What's new: `GET /me/feed`, everything in a member's networks by newest activity, as
//! `latest`, `unread` and `new`.

pub mod activity;
pub mod model;
pub mod queries;
pub mod routes;
pub mod service;
pub mod views;
