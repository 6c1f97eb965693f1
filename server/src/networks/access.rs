//! Who may see and manage a network. Every read and write path that touches a network's
//! content goes through here, so the visibility rule lives in one place: not allowed to see
//! it → 404, never 403, so private networks do not leak their existence. Live
//! subscriptions, notifications and (later) search hits and digest lines are decided here
//! too, at the moment they happen.
//!
//! Effective role, strongest first:
//! 1. instance admins act as facilitators everywhere;
//! 2. a direct membership gives its role;
//! 3. facilitators of an ancestor network facilitate its sub-networks too.
//!
//! One query decides it: the row asked for, its network, the caller's membership, whether
//! they are an admin, and whether they facilitate one of the (at most four) ancestors,
//! reached by joins since nesting is bounded by `MAX_DEPTH`.

use super::model::Visibility;
use crate::db::placeholders;
use crate::entities::{
    convenings, help_requests, initiative_teams, initiatives, members, network_members, networks,
    polls, resources, tests_of_change, threads,
};
use crate::error::{ApiError, ApiResult};
use crate::role::Role;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic,
    Iterable, QueryFilter, QueryResult, QuerySelect, Statement, Value,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

/// Sub-networks nest at most this deep (checked when creating one).
pub const MAX_DEPTH: usize = 5;

#[derive(Debug, Clone)]
pub struct NetworkAccess {
    pub network: networks::Model,
    /// The caller's effective role.
    pub role: Role,
    /// Whether the caller holds a membership row (admins and ancestor facilitators may not).
    pub is_direct_member: bool,
    /// Whether the caller is an instance admin (who facilitates every network).
    pub is_instance_admin: bool,
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

    /// Authors change their own content; facilitators change anyone's.
    pub fn require_author_or_facilitator(&self, author_id: i64, member_id: i64) -> ApiResult<()> {
        if author_id == member_id || self.is_facilitator() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "Only its author or a facilitator can do that.",
            ))
        }
    }
}

/// A row that lives in a network (a thread, a resource, a help request, a convening).
pub trait InNetwork {
    fn network_id(&self) -> i64;

    /// Soft-deleted rows are gone for every reader: 404.
    fn is_deleted(&self) -> bool {
        false
    }
}

/// What the one access query says about the caller and a network.
struct Standing {
    direct_role: Option<Role>,
    is_admin: bool,
    facilitates_ancestor: bool,
}

impl Standing {
    fn from_row(row: &QueryResult) -> Result<Standing, DbErr> {
        let direct_role: Option<String> = row.try_get("", "direct_role")?;
        Ok(Standing {
            direct_role: direct_role.as_deref().map(Role::from_stored),
            is_admin: row
                .try_get::<Option<bool>>("", "is_admin")?
                .unwrap_or(false),
            facilitates_ancestor: row.try_get("", "facilitates_ancestor")?,
        })
    }

    fn effective_role(&self) -> Option<Role> {
        if self.direct_role == Some(Role::Facilitator) || self.is_admin || self.facilitates_ancestor
        {
            Some(Role::Facilitator)
        } else {
            self.direct_role
        }
    }

    fn into_access(self, network: networks::Model) -> Option<NetworkAccess> {
        let role = self.effective_role()?;
        Some(NetworkAccess {
            network,
            role,
            is_direct_member: self.direct_role.is_some(),
            is_instance_admin: self.is_admin,
        })
    }
}

/// The caller's standing in network `n` (whose ancestors are `a1`…`a3`): three columns,
/// read back with `role_from_columns`. Placeholders: member ×3. Public for the few reads
/// that fold the access check into their own single query (the thread page).
pub const STANDING_COLUMNS: &str = "\
    (SELECT nm.role FROM network_members nm WHERE nm.network_id = n.id AND nm.member_id = ?) AS direct_role, \
    (SELECT m.is_admin FROM members m WHERE m.id = ?) AS is_admin, \
    EXISTS (SELECT 1 FROM network_members f WHERE f.member_id = ? AND f.role = 'facilitator' \
            AND f.network_id IN (n.parent_id, a1.parent_id, a2.parent_id, a3.parent_id)) AS facilitates_ancestor";

/// Joins network `n`'s ancestors (nesting is bounded by `MAX_DEPTH`).
pub const ANCESTOR_JOINS: &str = "\
    LEFT JOIN networks a1 ON a1.id = n.parent_id \
    LEFT JOIN networks a2 ON a2.id = a1.parent_id \
    LEFT JOIN networks a3 ON a3.id = a2.parent_id";

/// What a built statement depends on: its purpose, the table, whether the table is
/// soft-deleted or joined, and whether the backend is PostgreSQL.
type SqlShape = (&'static str, String, bool, bool);

/// Built SQL, by shape: the statements are the same for every request.
fn cached_sql(key: (&'static str, &str, bool, bool), build: impl FnOnce() -> String) -> Arc<str> {
    static CACHE: LazyLock<Mutex<HashMap<SqlShape, Arc<str>>>> = LazyLock::new(Mutex::default);
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .entry((key.0, key.1.to_owned(), key.2, key.3))
        .or_insert_with(|| Arc::from(build()))
        .clone()
}

/// The caller's effective role for row `id` of `E` (in one query, reading nothing else):
/// 404 when the row does not exist, is deleted, or sits in a network the caller may not see.
pub async fn role_for<E>(db: &impl ConnectionTrait, member_id: i64, id: i64) -> ApiResult<Role>
where
    E: EntityTrait + Default,
{
    let backend = db.get_database_backend();
    let entity = E::default();
    let soft_deleted = <E::Column as std::str::FromStr>::from_str("deleted_at").is_ok();
    let sql = cached_sql(
        (
            "role",
            entity.table_name(),
            soft_deleted,
            backend == DbBackend::Postgres,
        ),
        || {
            placeholders(
                backend,
                &format!(
                    "SELECT {STANDING_COLUMNS}, {deleted} \
                 FROM \"{table}\" r JOIN networks n ON n.id = r.network_id {ANCESTOR_JOINS} \
                 WHERE r.id = ?",
                    table = entity.table_name(),
                    deleted = if soft_deleted {
                        "r.deleted_at IS NOT NULL"
                    } else {
                        "FALSE"
                    },
                ),
            )
        },
    );
    let values: [Value; 4] = [
        member_id.into(),
        member_id.into(),
        member_id.into(),
        id.into(),
    ];
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            sql.as_ref(),
            values,
        ))
        .await?
        .ok_or(ApiError::NotFound)?;
    let is_deleted: bool = row.try_get_by(3)?;
    match role_from_columns(&row, 0)? {
        Some(role) if !is_deleted => Ok(role),
        _ => Err(ApiError::NotFound),
    }
}

/// A condition true when the caller may read row `id` of `table` (which has `network_id`
/// and `deleted_at`): the access rule as a scalar subquery, for a read that guards itself
/// with it in the same query (the thread page). Placeholders: member ×3, row id.
pub fn readable_condition(table: &str) -> String {
    format!(
        "COALESCE((SELECT t.deleted_at IS NULL AND ( \
            EXISTS (SELECT 1 FROM network_members nm WHERE nm.network_id = n.id AND nm.member_id = ?) \
            OR COALESCE((SELECT m.is_admin FROM members m WHERE m.id = ?), FALSE) \
            OR EXISTS (SELECT 1 FROM network_members f WHERE f.member_id = ? AND f.role = 'facilitator' \
                       AND f.network_id IN (n.parent_id, a1.parent_id, a2.parent_id, a3.parent_id))) \
          FROM \"{table}\" t JOIN networks n ON n.id = t.network_id {ANCESTOR_JOINS} WHERE t.id = ?), FALSE)"
    )
}

/// The effective role in the `STANDING_COLUMNS` of `row` starting at column `first`.
pub fn role_from_columns(row: &QueryResult, first: usize) -> Result<Option<Role>, DbErr> {
    let direct_role: Option<String> = row.try_get_by(first)?;
    let standing = Standing {
        direct_role: direct_role.as_deref().map(Role::from_stored),
        is_admin: row
            .try_get_by::<Option<bool>, _>(first + 1)?
            .unwrap_or(false),
        facilitates_ancestor: row.try_get_by(first + 2)?,
    };
    Ok(standing.effective_role())
}

/// `SELECT <row columns>, <network columns>, <standing> FROM …`: the one access query. With
/// `row_table`, the row is that table's (joined to its network by `network_id`); without,
/// the row is the network itself. Placeholders, in order: member ×3, row id.
fn access_sql<E: EntityTrait>(
    backend: DbBackend,
    row_table: Option<&E>,
    for_update: bool,
) -> Arc<str> {
    let table = row_table.map(|e| e.table_name()).unwrap_or("networks");
    let postgres = backend == DbBackend::Postgres;
    let key = if for_update {
        "load-for-update"
    } else {
        "load"
    };
    cached_sql((key, table, row_table.is_some(), postgres), || {
        access_sql_text(backend, row_table, for_update)
    })
}

fn access_sql_text<E: EntityTrait>(
    backend: DbBackend,
    row_table: Option<&E>,
    for_update: bool,
) -> String {
    let mut columns: Vec<String> = networks::Column::iter()
        .map(|c| format!("n.\"{0}\" AS \"n_{0}\"", c.as_str()))
        .collect();
    if row_table.is_some() {
        columns.extend(E::Column::iter().map(|c| format!("r.\"{0}\" AS \"r_{0}\"", c.as_str())));
    }
    let from = match row_table {
        Some(entity) => format!(
            "\"{}\" r JOIN networks n ON n.id = r.network_id",
            entity.table_name()
        ),
        None => "networks n".to_owned(),
    };
    let row_id = if row_table.is_some() { "r.id" } else { "n.id" };
    // Row locks for writers that read what they change; only the row itself, never its
    // network (PostgreSQL; SQLite's single writer needs none).
    let lock = match (for_update, backend, row_table.is_some()) {
        (true, DbBackend::Postgres, true) => " FOR UPDATE OF r",
        (true, DbBackend::Postgres, false) => " FOR UPDATE OF n",
        _ => "",
    };
    placeholders(
        backend,
        &format!(
            "SELECT {columns}, {STANDING_COLUMNS} FROM {from} {ANCESTOR_JOINS} WHERE {row_id} = ?{lock}",
            columns = columns.join(", "),
        ),
    )
}

async fn query_standing<E: EntityTrait>(
    db: &impl ConnectionTrait,
    member_id: i64,
    row_table: Option<&E>,
    id: i64,
    for_update: bool,
) -> Result<Option<QueryResult>, DbErr> {
    let backend = db.get_database_backend();
    let sql = access_sql(backend, row_table, for_update);
    let values: [Value; 4] = [
        member_id.into(),
        member_id.into(),
        member_id.into(),
        id.into(),
    ];
    db.query_one(Statement::from_sql_and_values(
        backend,
        sql.as_ref(),
        values,
    ))
    .await
}

/// Loads row `id` of `E` with the caller's access to its network, in one query: 404 when
/// the row does not exist, is deleted, or sits in a network the caller may not see.
pub async fn load<E>(
    db: &impl ConnectionTrait,
    member_id: i64,
    id: i64,
) -> ApiResult<(E::Model, NetworkAccess)>
where
    E: EntityTrait + Default,
    E::Model: InNetwork,
{
    load_with::<E>(db, member_id, id, false).await
}

/// Like `load`, locking the row until the transaction ends (PostgreSQL `FOR UPDATE`): for
/// writes that decide on what they read (a help request's status), so that concurrent ones
/// take turns.
pub async fn load_for_update<E>(
    db: &impl ConnectionTrait,
    member_id: i64,
    id: i64,
) -> ApiResult<(E::Model, NetworkAccess)>
where
    E: EntityTrait + Default,
    E::Model: InNetwork,
{
    load_with::<E>(db, member_id, id, true).await
}

async fn load_with<E>(
    db: &impl ConnectionTrait,
    member_id: i64,
    id: i64,
    for_update: bool,
) -> ApiResult<(E::Model, NetworkAccess)>
where
    E: EntityTrait + Default,
    E::Model: InNetwork,
{
    let row = query_standing(db, member_id, Some(&E::default()), id, for_update)
        .await?
        .ok_or(ApiError::NotFound)?;
    let model = E::Model::from_query_result(&row, "r_")?;
    if model.is_deleted() {
        return Err(ApiError::NotFound);
    }
    let network = networks::Model::from_query_result(&row, "n_")?;
    let access = Standing::from_row(&row)?
        .into_access(network)
        .ok_or(ApiError::NotFound)?;
    Ok((model, access))
}

/// The network and the caller's standing in it, whatever it is (`None` role: no access).
async fn standing_in(
    db: &impl ConnectionTrait,
    member_id: i64,
    network_id: i64,
) -> Result<Option<(networks::Model, Standing)>, DbErr> {
    let Some(row) =
        query_standing::<networks::Entity>(db, member_id, None, network_id, false).await?
    else {
        return Ok(None);
    };
    Ok(Some((
        networks::Model::from_query_result(&row, "n_")?,
        Standing::from_row(&row)?,
    )))
}

/// The caller's access to a network whose content they want: 404 unless they have a role.
pub async fn network_access(
    db: &impl ConnectionTrait,
    member_id: i64,
    network_id: i64,
) -> ApiResult<NetworkAccess> {
    let (network, standing) = standing_in(db, member_id, network_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    standing.into_access(network).ok_or(ApiError::NotFound)
}

/// A network's description as the caller may see it: members see everything; anyone may see
/// a listed network's summary; a private network is 404 to outsiders.
pub async fn network_summary_access(
    db: &impl ConnectionTrait,
    member_id: i64,
    network_id: i64,
) -> ApiResult<(networks::Model, Option<Role>, bool)> {
    let (network, standing) = standing_in(db, member_id, network_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let role = standing.effective_role();
    if role.is_none() && Visibility::from_stored(&network.visibility) == Visibility::Private {
        return Err(ApiError::NotFound);
    }
    Ok((network, role, standing.direct_role.is_some()))
}

/// `(effective role, has a membership row)`.
pub async fn effective_role(
    db: &impl ConnectionTrait,
    member_id: i64,
    network: &networks::Model,
) -> Result<(Option<Role>, bool), DbErr> {
    Ok(match standing_in(db, member_id, network.id).await? {
        Some((_, standing)) => (standing.effective_role(), standing.direct_role.is_some()),
        None => (None, false),
    })
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

/// Which of `candidates` may see network `network_id` right now, in one query. Every
/// notification is checked against this when it is created.
pub async fn members_who_can_see(
    db: &impl ConnectionTrait,
    network_id: i64,
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
    network_id: i64,
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
    network_id: i64,
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
    member_id: i64,
    network_id: i64,
) -> Result<bool, DbErr> {
    Ok(members_who_can_see(db, network_id, &[member_id])
        .await?
        .contains(&member_id))
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
    member_id: i64,
) -> Result<VisibleNetworks, DbErr> {
    networks_of(db, member_id, true).await
}

/// The networks a member takes part in: direct memberships and the sub-networks of those
/// they facilitate, whether or not they are an admin (digests follow what a member joined,
/// not everything an admin may read).
pub async fn member_networks(db: &impl ConnectionTrait, member_id: i64) -> Result<Vec<i64>, DbErr> {
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
    member_id: i64,
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
    member_id: i64,
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
    let Some((parent, standing)) = standing_in(db, member_id, parent_id).await? else {
        return Ok(None);
    };
    let is_listed = Visibility::from_stored(&parent.visibility) == Visibility::Listed;
    Ok((is_listed || standing.effective_role().is_some()).then_some(parent_id))
}

/// Whether a parent network may be named to someone who sees `visible`.
pub fn parent_visible_to(parent: &networks::Model, visible: &VisibleNetworks) -> bool {
    Visibility::from_stored(&parent.visibility) == Visibility::Listed || visible.contains(parent.id)
}

impl InNetwork for threads::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

impl InNetwork for resources::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

impl InNetwork for help_requests::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

impl InNetwork for polls::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

impl InNetwork for convenings::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }
}

impl InNetwork for initiatives::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }
}

impl InNetwork for initiative_teams::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

impl InNetwork for tests_of_change::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }
}
