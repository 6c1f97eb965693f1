//! Who may see and manage a network: the one-row access decision. Every read and write path
//! that touches a network's content goes through here, so the visibility rule lives in one
//! place: not allowed to see it → 404, never 403, so private networks do not leak their
//! existence. The sets of networks a member may read (for live, search and digests) are in
//! `visibility`; the SQL that decides a caller's standing is in `standing`.
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
use super::standing::{
    cached_sql, query_standing, role_from_columns, standing_in, Standing, ANCESTOR_JOINS,
    STANDING_COLUMNS,
};
use crate::db::placeholders;
use crate::entities::{members, network_members, networks};
use crate::error::{ApiError, ApiResult};
use crate::ids::{MemberId, NetworkId};
use crate::role::Role;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QuerySelect, Statement, Value,
};

/// Sub-networks nest at most this deep (checked when creating one).
pub const MAX_DEPTH: usize = 5;

#[derive(Debug, Clone)]
pub struct NetworkAccess {
    /// The caller this access was decided for.
    pub member_id: MemberId,
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

    /// Authors change their own content; facilitators change anyone's. The caller is the
    /// one this access was decided for, so only the author is passed.
    pub fn require_author_or_facilitator(&self, author_id: MemberId) -> ApiResult<()> {
        if author_id == self.member_id || self.is_facilitator() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "Only its author or a facilitator can do that.",
            ))
        }
    }
}

/// A row that lives in a network (a thread, a resource, a help request, a convening): each
/// capability implements it for its own rows, beside them.
pub trait InNetwork {
    fn network_id(&self) -> i64;

    /// Soft-deleted rows are gone for every reader: 404.
    fn is_deleted(&self) -> bool {
        false
    }
}

/// The caller's effective role for row `id` of `E` (in one query, reading nothing else):
/// 404 when the row does not exist, is deleted, or sits in a network the caller may not see.
pub async fn role_for<E>(db: &impl ConnectionTrait, member_id: MemberId, id: i64) -> ApiResult<Role>
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

/// Loads row `id` of `E` with the caller's access to its network, in one query: 404 when
/// the row does not exist, is deleted, or sits in a network the caller may not see.
pub async fn load<E>(
    db: &impl ConnectionTrait,
    member_id: MemberId,
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
    member_id: MemberId,
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
    member_id: MemberId,
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
        .into_access(member_id, network)
        .ok_or(ApiError::NotFound)?;
    Ok((model, access))
}

/// The caller's access to a network whose content they want: 404 unless they have a role.
pub async fn network_access(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    network_id: NetworkId,
) -> ApiResult<NetworkAccess> {
    let (network, standing) = standing_in(db, member_id, network_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    standing
        .into_access(member_id, network)
        .ok_or(ApiError::NotFound)
}

/// A network's description as the caller may see it: members see everything; anyone may see
/// a listed network's summary; a private network is 404 to outsiders.
pub async fn network_summary_access(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    network_id: NetworkId,
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
    member_id: MemberId,
    network: &networks::Model,
) -> Result<(Option<Role>, bool), DbErr> {
    Ok(
        match standing_in(db, member_id, NetworkId(network.id)).await? {
            Some((_, standing)) => (standing.effective_role(), standing.direct_role.is_some()),
            None => (None, false),
        },
    )
}

pub async fn direct_role(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    network_id: NetworkId,
) -> Result<Option<Role>, DbErr> {
    Ok(
        network_members::Entity::find_by_id((network_id.get(), member_id.get()))
            .one(db)
            .await?
            .map(|membership| Role::from_stored(&membership.role)),
    )
}

pub async fn is_admin(db: &impl ConnectionTrait, member_id: MemberId) -> Result<bool, DbErr> {
    Ok(members::Entity::find_by_id(member_id.get())
        .select_only()
        .column(members::Column::IsAdmin)
        .into_tuple::<bool>()
        .one(db)
        .await?
        .unwrap_or(false))
}

/// How deep `network_id` sits (a top-level network is at depth 1).
pub async fn depth_of(db: &impl ConnectionTrait, network_id: NetworkId) -> Result<usize, DbErr> {
    let mut depth = 0;
    let mut current = Some(network_id.get());
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
    member_id: MemberId,
    network: &networks::Model,
) -> Result<Option<i64>, DbErr> {
    let Some(parent_id) = network.parent_id else {
        return Ok(None);
    };
    let Some((parent, standing)) = standing_in(db, member_id, NetworkId(parent_id)).await? else {
        return Ok(None);
    };
    let is_listed = Visibility::from_stored(&parent.visibility) == Visibility::Listed;
    Ok((is_listed || standing.effective_role().is_some()).then_some(parent_id))
}
