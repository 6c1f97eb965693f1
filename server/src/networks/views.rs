//! How networks and memberships appear in responses.

use super::model::{JoinPolicy, Visibility};
use crate::entities::networks;
use crate::ids::ApiId;
use crate::members::views::PublicProfile;
use crate::notification_level::NotificationLevel;
use crate::role::Role;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NetworkView {
    pub id: ApiId,
    pub parent_id: Option<ApiId>,
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    /// Whether the caller holds a membership.
    pub is_member: bool,
    /// The caller's effective role, if any (admins and facilitators of a parent network
    /// facilitate without a membership).
    pub role: Option<Role>,
    /// Members of the network (membership rows, facilitators included). Below 5, the web
    /// client warns that asking anonymously may not hide who asked.
    pub member_count: u64,
    /// The caller's follow level for the whole network (members only).
    pub notification_level: Option<NotificationLevel>,
    /// Threads with something the caller has not read, muted threads (and a muted
    /// network) left out; 0 where the caller cannot read the network.
    pub unread_count: u64,
    /// Per tab, things with something unread (muted left out): `GET /networks/{id}` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<UnreadTabs>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `unread` of a network: how many things on each of its tabs have something unread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnreadTabs {
    pub threads: u64,
    pub help_requests: u64,
    pub resources: u64,
    pub polls: u64,
}

impl NetworkView {
    /// Replaces the parent with what the caller may know of it.
    pub fn with_parent(mut self, parent_id: Option<i64>) -> NetworkView {
        self.parent_id = parent_id.map(ApiId);
        self
    }

    /// Adds the caller's unread counts; `tabs` also shows them per tab.
    pub fn with_unread(mut self, unread: UnreadTabs, tabs: bool) -> NetworkView {
        self.unread_count = unread.threads;
        self.unread = tabs.then_some(unread);
        self
    }
}

/// What the caller knows of a network, beyond the row itself.
pub struct Viewer {
    pub role: Option<Role>,
    pub is_member: bool,
    pub notification_level: Option<NotificationLevel>,
}

impl NetworkView {
    pub fn new(network: &networks::Model, viewer: Viewer, member_count: u64) -> NetworkView {
        NetworkView {
            id: ApiId(network.id),
            parent_id: network.parent_id.map(ApiId),
            name: network.name.clone(),
            description: network.description.clone(),
            visibility: Visibility::from_stored(&network.visibility),
            join_policy: JoinPolicy::from_stored(&network.join_policy),
            is_member: viewer.is_member,
            role: viewer.role,
            member_count,
            notification_level: viewer.notification_level,
            unread_count: 0,
            unread: None,
            created_at: network.created_at,
            updated_at: network.updated_at,
        }
    }
}

/// One row of `/networks/{id}/members`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MembershipView {
    pub member: PublicProfile,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    /// Shown to facilitators only, who need it to manage the network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}
