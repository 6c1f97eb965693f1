//! Reads that check search hits against the database as it is now, since the index may
//! lag behind a rename, a deletion or someone leaving a network.

use super::document::{DocRef, DocType};
use super::engine::EngineHit;
use crate::entities::{network_members, threads};
use crate::error::ApiResult;
use crate::help_requests::views::{AnonymousAsker, Asker};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use crate::networks::visibility::VisibleNetworks;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Statement, Value,
};
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

/// Who wrote each hit of a page, by `(type, id)`, as `viewer` may know them: the member,
/// or for a help request asked anonymously by someone else, only its network. One
/// statement for the page, read from the things themselves (a renamed author shows at
/// once; the index keeps no asker of an anonymous request).
pub async fn hit_authors(
    db: &impl ConnectionTrait,
    hits: &[EngineHit],
    viewer: i64,
) -> ApiResult<HashMap<(DocType, i64), Asker>> {
    let mut branches: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    for doc_type in DocType::ALL {
        let ids: Vec<i64> = hits
            .iter()
            .filter(|h| h.doc_type == doc_type)
            .filter_map(|h| DocRef::parse_key(&h.key).map(|d| d.id))
            .collect();
        let Some(branch) = author_branch(doc_type) else {
            continue;
        };
        if ids.is_empty() {
            continue;
        }
        let slots = vec!["?"; ids.len()].join(", ");
        branches.push(format!(
            "SELECT '{}' AS kind, {branch} IN ({slots})",
            doc_type.as_str()
        ));
        values.extend(ids.into_iter().map(Value::from));
    }
    if branches.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT a.kind, a.id, a.author, a.anonymous, a.network, m.handle, m.display_name \
         FROM ({}) a JOIN members m ON m.id = a.author",
        branches.join(" UNION ALL ")
    );
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            crate::db::placeholders(backend, &sql),
            values,
        ))
        .await?;
    let mut authors = HashMap::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("", "kind")?;
        let Some(doc_type) = DocType::parse(&kind) else {
            continue;
        };
        let id: i64 = row.try_get("", "id")?;
        let author: i64 = row.try_get("", "author")?;
        let anonymous: i32 = row.try_get("", "anonymous")?;
        let shown = if anonymous != 0 && author != viewer {
            let network: String = row.try_get("", "network")?;
            Asker::Anonymous(AnonymousAsker::of_network(&network))
        } else {
            Asker::Member(MemberRef {
                id: ApiId(author),
                handle: row.try_get("", "handle")?,
                display_name: row.try_get("", "display_name")?,
            })
        };
        authors.insert((doc_type, id), shown);
    }
    Ok(authors)
}

/// `<columns> FROM <table> WHERE x.id` for the author of a thing of `doc_type`: its id,
/// author, whether they asked anonymously, and (for that case) its network's name.
fn author_branch(doc_type: DocType) -> Option<&'static str> {
    Some(match doc_type {
        DocType::Thread => {
            "x.id, x.author_id AS author, 0 AS anonymous, '' AS network FROM threads x WHERE x.id"
        }
        DocType::Post => {
            "x.id, x.author_id AS author, 0 AS anonymous, '' AS network FROM posts x WHERE x.id"
        }
        DocType::Resource => {
            "x.id, x.author_id AS author, 0 AS anonymous, '' AS network FROM resources x WHERE x.id"
        }
        DocType::HelpRequest => {
            "x.id, x.author_id AS author, CASE WHEN x.is_anonymous THEN 1 ELSE 0 END AS anonymous, \
             n.name AS network FROM help_requests x JOIN networks n ON n.id = x.network_id WHERE x.id"
        }
        DocType::Convening => {
            "x.id, x.created_by AS author, 0 AS anonymous, '' AS network FROM convenings x WHERE x.id"
        }
        DocType::Initiative => {
            "x.id, x.created_by AS author, 0 AS anonymous, '' AS network FROM initiatives x WHERE x.id"
        }
        DocType::TestOfChange => {
            "x.id, x.created_by AS author, 0 AS anonymous, '' AS network FROM tests_of_change x WHERE x.id"
        }
        DocType::Poll => {
            "x.id, x.author_id AS author, 0 AS anonymous, '' AS network FROM polls x WHERE x.id"
        }
        DocType::Member => return None,
    })
}
