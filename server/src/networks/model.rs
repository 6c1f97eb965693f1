//! The vocabulary of networks: visibility, joining policy, and parsed names (roles are
//! in `crate::role`, since auth and invitations need them too).

use crate::error::ApiError;
use crate::text::{BoundedText, Title};
use serde::{Deserialize, Serialize};

/// `private`: invisible to non-members (404 everywhere). `listed`: name and description
/// appear in every member's network list and can be joined if joining is open; the content
/// stays members-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Private,
    Listed,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Listed => "listed",
        }
    }

    pub fn from_stored(stored: &str) -> Visibility {
        if stored == "listed" {
            Visibility::Listed
        } else {
            Visibility::Private
        }
    }
}

/// `open`: any member of the instance may join a listed network. `invite`: by invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JoinPolicy {
    Open,
    Invite,
}

impl JoinPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            JoinPolicy::Open => "open",
            JoinPolicy::Invite => "invite",
        }
    }

    pub fn from_stored(stored: &str) -> JoinPolicy {
        if stored == "open" {
            JoinPolicy::Open
        } else {
            JoinPolicy::Invite
        }
    }
}

pub fn parse_network_name(raw: &str) -> Result<String, ApiError> {
    Ok(Title::parse_as("name", raw, 120)?.into_string())
}

pub fn parse_network_description(raw: &str) -> Result<String, ApiError> {
    Ok(BoundedText::parse("description", raw, 5000)?.into_string())
}
