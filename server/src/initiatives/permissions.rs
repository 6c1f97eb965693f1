//! Who may change what in an initiative, decided here for every write: steering (the
//! initiative, its teams, its check-ins in bulk) is for the network's facilitators, a
//! team's own work (check-ins, tests of change) for its members and facilitators, a team
//! only holds people who can see the network, and nothing changes in an initiative that is
//! not under way.

use super::model::InitiativeStatus;
use super::queries;
use crate::entities::initiatives;
use crate::error::{ApiError, ApiResult};
use crate::ids::NetworkId;
use crate::networks::access::NetworkAccess;
use crate::networks::visibility;
use crate::tx::Tx;
use sea_orm::ConnectionTrait;

/// Starting, steering and re-baselining an initiative, forming and changing its teams,
/// importing and exporting its check-ins: facilitators only.
pub fn require_steering(access: &NetworkAccess) -> ApiResult<()> {
    access.require_facilitator()
}

/// Team members check in and test changes for their team; facilitators for any. The member
/// is the one `access` was decided for.
pub async fn require_on_team(
    db: &impl ConnectionTrait,
    access: &NetworkAccess,
    team_id: i64,
) -> ApiResult<()> {
    if access.is_facilitator() || queries::is_team_member(db, team_id, access.member_id).await? {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Only members of this team or facilitators can do that.",
        ))
    }
}

/// Writes to an initiative's work (teams, check-ins, tests) need it under way.
pub fn require_active(initiative: &initiatives::Model) -> ApiResult<()> {
    if initiative.status == InitiativeStatus::Active.as_str() {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "This initiative is {}: reopen it (status active) to change its work.",
            initiative.status
        )))
    }
}

/// Checks that everyone named can see the network: a team of outsiders would show them
/// nothing and tell them nothing.
pub async fn require_network_members(
    txn: &Tx,
    network_id: i64,
    member_ids: &[i64],
) -> ApiResult<()> {
    let can_see = visibility::members_who_can_see(txn, NetworkId(network_id), member_ids).await?;
    let strangers: Vec<String> = member_ids
        .iter()
        .filter(|id| !can_see.contains(id))
        .map(|id| id.to_string())
        .collect();
    if strangers.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "member_ids",
            format!("not members of this network: {}", strangers.join(", ")),
        ))
    }
}
