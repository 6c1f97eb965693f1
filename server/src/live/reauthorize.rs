//! Re-deciding live access when it may have narrowed. Runs in the hub's task, between
//! reading an event and fanning it out, so that no later event reaches someone who can no
//! longer see its network.
//!
//! - `member.removed`, `member.updated` (a removal, leaving, a demotion): the member the
//!   event is about. Their whole view is recomputed, so losing a parent network (or its
//!   facilitation) also ends the sub-networks seen only through it.
//! - `network.updated` (e.g. made private): everyone subscribed in that network or below it.

use super::hub::Hub;
use crate::db::Db;
use crate::entities::{events, networks};
use crate::events::EventKind;
use crate::ids::MemberId;
use crate::networks::access::MAX_DEPTH;
use crate::networks::visibility::{self, VisibleNetworks};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

pub(super) async fn after(hub: &Hub, db: &Db, event: &events::Model, kind: Option<EventKind>) {
    let subtree = match (kind, event.network_id) {
        (Some(EventKind::NetworkUpdated), Some(network)) => {
            match network_and_descendants(db.reader(), network).await {
                Ok(ids) => Some(ids),
                Err(err) => {
                    tracing::warn!(error = %err, "could not read sub-networks; re-authorizing every subscriber of the network");
                    Some(vec![network])
                }
            }
        }
        _ => None,
    };
    // From here on, authorizations decided earlier are retried (see `Hub::subscribe`).
    let members: Vec<i64> = {
        let mut registry = hub.registry();
        hub.bump_generation(&mut registry);
        match (&subtree, event.subject_id) {
            (Some(subtree), _) => registry.members_subscribed_in(subtree),
            (None, Some(member)) if registry.by_member.contains_key(&member) => vec![member],
            _ => Vec::new(),
        }
    };
    for member in members {
        let visible = match visibility::visible_networks(db.reader(), MemberId(member)).await {
            Ok(visible) => visible,
            Err(err) => {
                // Fail closed: the member can subscribe again, which decides afresh.
                tracing::warn!(error = %err, member, "could not re-authorize live subscriptions; revoking them");
                VisibleNetworks::Only(Vec::new())
            }
        };
        hub.registry().apply_visibility(member, &visible);
    }
}

/// `network` and every network below it.
async fn network_and_descendants(
    db: &impl ConnectionTrait,
    network: i64,
) -> Result<Vec<i64>, DbErr> {
    let mut all = vec![network];
    let mut frontier = vec![network];
    for _ in 0..MAX_DEPTH {
        if frontier.is_empty() {
            break;
        }
        frontier = networks::Entity::find()
            .select_only()
            .column(networks::Column::Id)
            .filter(networks::Column::ParentId.is_in(frontier))
            .into_tuple()
            .all(db)
            .await?;
        all.extend(&frontier);
    }
    Ok(all)
}
