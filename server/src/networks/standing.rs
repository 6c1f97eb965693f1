//! A caller's standing in a network, as SQL: the one access query behind `access`, and the
//! fragments that let a read fold the same rule into its own single query (the thread page).

use super::access::NetworkAccess;
use crate::db::placeholders;
use crate::entities::networks;
use crate::ids::{MemberId, NetworkId};
use crate::role::Role;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    QueryResult, Statement, Value,
};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// What the one access query says about the caller and a network.
pub(super) struct Standing {
    pub(super) direct_role: Option<Role>,
    pub(super) is_admin: bool,
    pub(super) facilitates_ancestor: bool,
}

impl Standing {
    pub(super) fn from_row(row: &QueryResult) -> Result<Standing, DbErr> {
        let direct_role: Option<String> = row.try_get("", "direct_role")?;
        Ok(Standing {
            direct_role: direct_role.as_deref().map(Role::from_stored),
            is_admin: row
                .try_get::<Option<bool>>("", "is_admin")?
                .unwrap_or(false),
            facilitates_ancestor: row.try_get("", "facilitates_ancestor")?,
        })
    }

    pub(super) fn effective_role(&self) -> Option<Role> {
        if self.direct_role == Some(Role::Facilitator) || self.is_admin || self.facilitates_ancestor
        {
            Some(Role::Facilitator)
        } else {
            self.direct_role
        }
    }

    pub(super) fn into_access(
        self,
        member_id: MemberId,
        network: networks::Model,
    ) -> Option<NetworkAccess> {
        let role = self.effective_role()?;
        Some(NetworkAccess {
            member_id,
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
pub(super) fn cached_sql(
    key: (&'static str, &str, bool, bool),
    build: impl FnOnce() -> String,
) -> Arc<str> {
    static CACHE: LazyLock<Mutex<HashMap<SqlShape, Arc<str>>>> = LazyLock::new(Mutex::default);
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .entry((key.0, key.1.to_owned(), key.2, key.3))
        .or_insert_with(|| Arc::from(build()))
        .clone()
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

pub(super) async fn query_standing<E: EntityTrait>(
    db: &impl ConnectionTrait,
    member_id: MemberId,
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

/// The network and the caller's standing in it, whatever it is (`None` role: no access).
pub(super) async fn standing_in(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    network_id: NetworkId,
) -> Result<Option<(networks::Model, Standing)>, DbErr> {
    let Some(row) =
        query_standing::<networks::Entity>(db, member_id, None, network_id.get(), false).await?
    else {
        return Ok(None);
    };
    Ok(Some((
        networks::Model::from_query_result(&row, "n_")?,
        Standing::from_row(&row)?,
    )))
}
