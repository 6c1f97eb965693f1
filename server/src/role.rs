//! A member's role in a network: what invitations grant, accounts start with and access
//! checks compare.

use serde::{Deserialize, Serialize};

/// Ordered: a facilitator can do whatever a member can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Facilitator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Facilitator => "facilitator",
        }
    }

    pub fn from_stored(stored: &str) -> Role {
        if stored == "facilitator" {
            Role::Facilitator
        } else {
            Role::Member
        }
    }
}
