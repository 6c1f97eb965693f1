//! Who may see and manage a network. Every read and write path that touches a network's
//! content goes through `network_access`, so the visibility rule lives in one place:
//! not allowed to see it → 404, never 403, so private networks do not leak their existence.
//!
//! Effective role, strongest first:
//! 1. instance admins act as facilitators everywhere;
//! 2. a direct membership gives its role;
//! 3. facilitators of an ancestor network facilitate its sub-networks too.

use super::model::{Role, Visibility};
use crate::entities::{members, network_members, networks};
use crate::error::{ApiError, ApiResult};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// Sub-networks nest at most this deep (checked when creating one).
pub const MAX_DEPTH: usize = 5;

#[derive(Debug, Clone)]
pub struct NetworkAccess {
    pub network: networks::Model,
    /// The caller's effective role.
    pub role: Role,
    /// Whether the caller holds a membership row (admins and ancestor facilitators may not).
    pub is_direct_member: bool,
}

impl NetworkAccess {
    pub fn require_facilitator(&self) -> ApiResult<()> {
        if self.role == Role::Facilitator {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "Only facilitators of this network can do that.",
            ))
        }
    }

    pub fn is_facilitator(&self) -> bool {
        self.role == Role::Facilitator
    }
}

/// The caller's access to a network whose content they want: 404 unless they have a role.
pub async fn network_access(
    db: &impl ConnectionTrait,
    member_id: i64,
    network_id: i64,
) -> ApiResult<NetworkAccess> {
    let network = networks::Entity::find_by_id(network_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (role, is_direct_member) = effective_role(db, member_id, &network).await?;
    match role {
        Some(role) => Ok(NetworkAccess {
            network,
            role,
            is_direct_member,
        }),
        None => Err(ApiError::NotFound),
    }
}

/// A network's description as the caller may see it: members see everything; anyone may see
/// a listed network's summary; a private network is 404 to outsiders.
pub async fn network_summary_access(
    db: &impl ConnectionTrait,
    member_id: i64,
    network_id: i64,
) -> ApiResult<(networks::Model, Option<Role>, bool)> {
    let network = networks::Entity::find_by_id(network_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (role, is_direct_member) = effective_role(db, member_id, &network).await?;
    if role.is_none() && Visibility::from_stored(&network.visibility) == Visibility::Private {
        return Err(ApiError::NotFound);
    }
    Ok((network, role, is_direct_member))
}

/// `(effective role, has a membership row)`.
pub async fn effective_role(
    db: &impl ConnectionTrait,
    member_id: i64,
    network: &networks::Model,
) -> Result<(Option<Role>, bool), DbErr> {
    let direct = direct_role(db, member_id, network.id).await?;
    if direct == Some(Role::Facilitator) {
        return Ok((direct, true));
    }
    if is_admin(db, member_id).await? {
        return Ok((Some(Role::Facilitator), direct.is_some()));
    }
    let mut parent_id = network.parent_id;
    for _ in 0..MAX_DEPTH {
        let Some(ancestor_id) = parent_id else { break };
        if direct_role(db, member_id, ancestor_id).await? == Some(Role::Facilitator) {
            return Ok((Some(Role::Facilitator), direct.is_some()));
        }
        parent_id = networks::Entity::find_by_id(ancestor_id)
            .one(db)
            .await?
            .and_then(|ancestor| ancestor.parent_id);
    }
    Ok((direct, direct.is_some()))
}

pub async fn direct_role(
    db: &impl ConnectionTrait,
    member_id: i64,
    network_id: i64,
) -> Result<Option<Role>, DbErr> {
    Ok(network_members::Entity::find_by_id((network_id, member_id))
        .one(db)
        .await?
        .map(|membership| Role::from_stored(&membership.role)))
}

pub async fn is_admin(db: &impl ConnectionTrait, member_id: i64) -> Result<bool, DbErr> {
    Ok(members::Entity::find_by_id(member_id)
        .select_only()
        .column(members::Column::IsAdmin)
        .into_tuple::<bool>()
        .one(db)
        .await?
        .unwrap_or(false))
}

/// Ids of the networks whose content the member may read: direct memberships, their
/// sub-networks where they facilitate an ancestor, or everything for admins. Later consumers
/// (search, live updates, digests) filter by this.
pub async fn visible_network_ids(
    db: &impl ConnectionTrait,
    member_id: i64,
) -> Result<Vec<i64>, DbErr> {
    if is_admin(db, member_id).await? {
        return networks::Entity::find()
            .select_only()
            .column(networks::Column::Id)
            .into_tuple()
            .all(db)
            .await;
    }
    let memberships = network_members::Entity::find()
        .filter(network_members::Column::MemberId.eq(member_id))
        .all(db)
        .await?;
    let mut visible: Vec<i64> = memberships.iter().map(|m| m.network_id).collect();
    let mut frontier: Vec<i64> = memberships
        .iter()
        .filter(|m| Role::from_stored(&m.role) == Role::Facilitator)
        .map(|m| m.network_id)
        .collect();
    for _ in 0..MAX_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let children: Vec<i64> = networks::Entity::find()
            .select_only()
            .column(networks::Column::Id)
            .filter(networks::Column::ParentId.is_in(frontier))
            .into_tuple()
            .all(db)
            .await?;
        frontier = children
            .into_iter()
            .filter(|id| !visible.contains(id))
            .collect();
        visible.extend(&frontier);
    }
    Ok(visible)
}

/// How deep `network_id` sits (a top-level network is at depth 1).
pub async fn depth_of(db: &impl ConnectionTrait, network_id: i64) -> Result<usize, DbErr> {
    let mut depth = 0;
    let mut current = Some(network_id);
    while let Some(id) = current {
        depth += 1;
        if depth > MAX_DEPTH {
            break;
        }
        current = networks::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(|n| n.parent_id);
    }
    Ok(depth)
}

/// The parent of `network` if the member may know it exists: a listed sub-network of a
/// private network must not reveal its parent to outsiders.
pub async fn visible_parent_id(
    db: &impl ConnectionTrait,
    member_id: i64,
    network: &networks::Model,
) -> Result<Option<i64>, DbErr> {
    let Some(parent_id) = network.parent_id else {
        return Ok(None);
    };
    let Some(parent) = networks::Entity::find_by_id(parent_id).one(db).await? else {
        return Ok(None);
    };
    if Visibility::from_stored(&parent.visibility) == Visibility::Listed {
        return Ok(Some(parent_id));
    }
    Ok(effective_role(db, member_id, &parent)
        .await?
        .0
        .map(|_| parent_id))
}
