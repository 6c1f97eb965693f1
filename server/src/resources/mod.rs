//! The resource library: members share files, links, lesson plans, tools and templates;
//! others find them by kind, tag, subject or grade, download them (every version stays
//! available), say they were helpful, and discuss each in its own thread.

pub mod download;
pub mod form;
pub mod model;
pub mod queries;
pub mod routes;
pub mod service;
pub mod versions;
pub mod views;
pub mod votes;
