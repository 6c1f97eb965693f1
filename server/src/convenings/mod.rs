//! Convenings: a network's meetings (time range, place or link, agenda, notes afterwards),
//! the action items that carry their work forward, and an iCalendar feed per convening.

pub mod action_items;
pub mod calendar;
pub mod model;
pub mod queries;
pub mod routes;
pub mod service;
pub mod views;
