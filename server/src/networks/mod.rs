//! Networks and sub-networks, who belongs to them in which role, invitations and joining.
//! `access` is the one place that decides who may see and manage a network; `visibility`
//! holds the sets of networks a member may read, decided by the same rule.

pub mod access;
pub mod invitation_rows;
pub mod invitations;
pub mod invite_links;
pub mod model;
pub mod queries;
pub mod routes;
pub mod service;
pub mod standing;
pub mod views;
pub mod visibility;

pub use access::{network_access, NetworkAccess};
