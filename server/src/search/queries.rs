//! Reads that check search hits against the database as it is now, since the index may
//! lag behind a rename, a deletion or someone leaving a network.

use super::document::{DocRef, DocType};
use super::engine::EngineHit;
use crate::entities::{network_members, threads};
use crate::error::ApiResult;
use crate::networks::visibility::VisibleNetworks;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};

/// Current titles of the threads of post hits (a rename shows at once; a deleted thread's
/// posts drop out even before the index catches up).
pub async fn thread_titles(
    db: &impl ConnectionTrait,
    hits: &[EngineHit],
) -> ApiResult<HashMap<i64, String>> {
    let ids: Vec<i64> = hits
        .iter()
        .filter(|h| h.doc_type == DocType::Post)
        .filter_map(|h| h.thread_id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = threads::Entity::find()
        .select_only()
        .columns([threads::Column::Id, threads::Column::Title])
        .filter(threads::Column::Id.is_in(ids))
        .filter(threads::Column::DeletedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Member hits whose person still shares a network with the caller right now (the index
/// may not have seen them leave yet).
pub async fn members_still_shared(
    db: &impl ConnectionTrait,
    visible: &VisibleNetworks,
    hits: &[EngineHit],
) -> ApiResult<HashSet<i64>> {
    let ids: Vec<i64> = hits
        .iter()
        .filter(|h| h.doc_type == DocType::Member)
        .filter_map(|h| DocRef::parse_key(&h.key).map(|d| d.id))
        .collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let memberships: Vec<(i64, i64)> = network_members::Entity::find()
        .select_only()
        .columns([
            network_members::Column::MemberId,
            network_members::Column::NetworkId,
        ])
        .filter(network_members::Column::MemberId.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(memberships
        .into_iter()
        .filter(|(_, network)| visible.contains(*network))
        .map(|(member, _)| member)
        .collect())
}

/// The member whose handle is `handle` (lower-cased, as `@handle` in a query gives it), if
/// any. Whoever it is, hits still come only from networks the caller can see.
pub async fn member_by_handle(db: &impl ConnectionTrait, handle: &str) -> ApiResult<Option<i64>> {
    use crate::entities::members;
    use sea_orm::sea_query::{Expr, Func};
    Ok(members::Entity::find()
        .select_only()
        .column(members::Column::Id)
        .filter(Expr::expr(Func::lower(Expr::col(members::Column::Handle))).eq(handle))
        .into_tuple()
        .one(db)
        .await?)
}
