//! The sets of networks a member may read, and the members who may read a network: what
//! live updates, notifications, search and digests filter by, decided by the same rule as
//! `access`.

use super::access::MAX_DEPTH;
use super::model::Visibility;
use crate::db::placeholders;
use crate::entities::{network_members, networks};
use crate::ids::{MemberId, NetworkId};
use crate::role::Role;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Statement, Value,
};
use std::collections::{HashMap, HashSet};

/// Which of `candidates` may see network `network_id` right now, in one query. Every
/// notification is checked against this when it is created.
pub async fn members_who_can_see(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    candidates: &[i64],
) -> Result<HashSet<i64>, DbErr> {
    members_standing(
        db,
        network_id,
        candidates,
        "EXISTS (SELECT 1 FROM network_members d WHERE d.member_id = m.id AND d.network_id = n.id) \
         OR EXISTS (SELECT 1 FROM network_members f WHERE f.member_id = m.id AND f.role = 'facilitator' \
                    AND f.network_id IN (n.parent_id, a1.parent_id, a2.parent_id, a3.parent_id))",
    )
    .await
}

/// Which of `candidates` facilitate network `network_id` right now (directly, through an
/// ancestor, or as instance admins), in one query.
pub async fn facilitators_among(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    candidates: &[i64],
) -> Result<HashSet<i64>, DbErr> {
    members_standing(
        db,
        network_id,
        candidates,
        "EXISTS (SELECT 1 FROM network_members f WHERE f.member_id = m.id AND f.role = 'facilitator' \
                 AND f.network_id IN (n.id, n.parent_id, a1.parent_id, a2.parent_id, a3.parent_id))",
    )
    .await
}

/// Which of `candidates` are instance admins or meet `standing` (SQL over `m`, the member,
/// `n`, the network, and `a1`…`a3`, its ancestors).
async fn members_standing(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    candidates: &[i64],
    standing: &str,
) -> Result<HashSet<i64>, DbErr> {
    if candidates.is_empty() {
        return Ok(HashSet::new());
    }
    let backend = db.get_database_backend();
    let slots = vec!["?"; candidates.len()].join(", ");
    let sql = placeholders(
        backend,
        &format!(
            "SELECT m.id FROM members m \
             JOIN networks n ON n.id = ? \
             LEFT JOIN networks a1 ON a1.id = n.parent_id \
             LEFT JOIN networks a2 ON a2.id = a1.parent_id \
             LEFT JOIN networks a3 ON a3.id = a2.parent_id \
             WHERE m.id IN ({slots}) AND (m.is_admin OR {standing})"
        ),
    );
    let mut values: Vec<Value> = vec![network_id.into()];
    values.extend(candidates.iter().map(|id| Value::from(*id)));
    let rows = db
        .query_all(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<i64>("", "id"))
        .collect()
}

/// Whether `member_id` may see network `network_id` right now.
pub async fn can_see(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    network_id: NetworkId,
) -> Result<bool, DbErr> {
    Ok(members_who_can_see(db, network_id, &[member_id.get()])
        .await?
        .contains(&member_id.get()))
}

/// The networks whose content a member may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisibleNetworks {
    /// Instance admins see every network, including those created later.
    All,
    /// Sorted ids.
    Only(Vec<i64>),
}

impl VisibleNetworks {
    pub fn contains(&self, network_id: i64) -> bool {
        match self {
            VisibleNetworks::All => true,
            VisibleNetworks::Only(ids) => ids.binary_search(&network_id).is_ok(),
        }
    }
}

/// What a member may read: direct memberships, their sub-networks where they facilitate an
/// ancestor, or everything for admins. Live updates, notifications, search and digests
/// filter by this.
pub async fn visible_networks(
    db: &impl ConnectionTrait,
    member_id: MemberId,
) -> Result<VisibleNetworks, DbErr> {
    networks_of(db, member_id, true).await
}

/// The networks a member takes part in: direct memberships and the sub-networks of those
/// they facilitate, whether or not they are an admin (digests follow what a member joined,
/// not everything an admin may read).
pub async fn member_networks(
    db: &impl ConnectionTrait,
    member_id: MemberId,
) -> Result<Vec<i64>, DbErr> {
    match networks_of(db, member_id, false).await? {
        VisibleNetworks::Only(ids) => Ok(ids),
        VisibleNetworks::All => Ok(Vec::new()),
    }
}

/// `member_networks` for many members at once (the digest composes a hundred at a time):
/// their memberships in one query, and, for facilitators, the sub-networks below the
/// networks they facilitate, found in memory from the network tree. Instance admins get
/// their memberships only, as from `member_networks`.
pub async fn members_networks(
    db: &impl ConnectionTrait,
    member_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, DbErr> {
    let rows: Vec<(i64, i64, String)> = network_members::Entity::find()
        .select_only()
        .column(network_members::Column::MemberId)
        .column(network_members::Column::NetworkId)
        .column(network_members::Column::Role)
        .filter(network_members::Column::MemberId.is_in(member_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let facilitates = rows
        .iter()
        .any(|(_, _, role)| Role::from_stored(role) == Role::Facilitator);
    // The tree is read only when someone facilitates: most batches need none of it.
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    if facilitates {
        let tree: Vec<(i64, Option<i64>)> = networks::Entity::find()
            .select_only()
            .column(networks::Column::Id)
            .column(networks::Column::ParentId)
            .filter(networks::Column::ParentId.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
        for (id, parent) in tree {
            if let Some(parent) = parent {
                children.entry(parent).or_default().push(id);
            }
        }
    }
    let mut visible: HashMap<i64, Vec<i64>> = HashMap::new();
    for (member, network, role) in &rows {
        let networks = visible.entry(*member).or_default();
        networks.push(*network);
        if Role::from_stored(role) != Role::Facilitator {
            continue;
        }
        let mut frontier = vec![*network];
        for _ in 0..MAX_DEPTH {
            frontier = frontier
                .iter()
                .flat_map(|n| children.get(n).into_iter().flatten().copied())
                .collect();
            if frontier.is_empty() {
                break;
            }
            networks.extend(&frontier);
        }
    }
    for networks in visible.values_mut() {
        networks.sort_unstable();
        networks.dedup();
    }
    Ok(visible)
}

async fn networks_of(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    admins_see_all: bool,
) -> Result<VisibleNetworks, DbErr> {
    // Admin flag and memberships in one query: this runs on every search and socket.
    let backend = db.get_database_backend();
    let sql = placeholders(
        backend,
        "SELECT m.is_admin AS is_admin, nm.network_id AS network_id, nm.role AS role \
         FROM members m LEFT JOIN network_members nm ON nm.member_id = m.id WHERE m.id = ?",
    );
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            sql,
            [member_id.into()],
        ))
        .await?;
    let mut memberships = Vec::with_capacity(rows.len());
    for row in &rows {
        if admins_see_all && row.try_get::<bool>("", "is_admin")? {
            return Ok(VisibleNetworks::All);
        }
        if let (Some(network_id), Some(role)) = (
            row.try_get::<Option<i64>>("", "network_id")?,
            row.try_get::<Option<String>>("", "role")?,
        ) {
            memberships.push((network_id, Role::from_stored(&role)));
        }
    }
    let mut visible: Vec<i64> = memberships.iter().map(|(network, _)| *network).collect();
    let mut frontier: Vec<i64> = memberships
        .iter()
        .filter(|(_, role)| *role == Role::Facilitator)
        .map(|(network, _)| *network)
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
    visible.sort_unstable();
    visible.dedup();
    Ok(VisibleNetworks::Only(visible))
}

/// Ids of the networks whose content the member may read (every network, for admins).
pub async fn visible_network_ids(
    db: &impl ConnectionTrait,
    member_id: MemberId,
) -> Result<Vec<i64>, DbErr> {
    match visible_networks(db, member_id).await? {
        VisibleNetworks::Only(ids) => Ok(ids),
        VisibleNetworks::All => {
            networks::Entity::find()
                .select_only()
                .column(networks::Column::Id)
                .into_tuple()
                .all(db)
                .await
        }
    }
}

/// Whether a parent network may be named to someone who sees `visible`.
pub fn parent_visible_to(parent: &networks::Model, visible: &VisibleNetworks) -> bool {
    Visibility::from_stored(&parent.visibility) == Visibility::Listed || visible.contains(parent.id)
}
