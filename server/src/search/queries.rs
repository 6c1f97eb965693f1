//! Reads that check search hits against the database as it is now, since the index may
//! lag behind a rename, a deletion or someone leaving a network.

use super::document::{DocRef, DocType};
use super::engine::EngineHit;
use crate::entities::network_members;
use crate::error::ApiResult;
use crate::help_requests::views::{AnonymousAsker, Asker};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use crate::networks::visibility::VisibleNetworks;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Statement, Value,
};
use std::collections::{HashMap, HashSet};

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

/// What a page of hits shows from the things themselves as they are now, read in one
/// statement: who wrote each, and the current title of each post's thread.
#[derive(Default)]
pub struct HitOwners {
    /// By `(type, id)`: the member, or for a help request asked anonymously by someone
    /// else than the viewer, only its network (the index keeps no asker of one).
    pub authors: HashMap<(DocType, i64), Asker>,
    /// By post id: its thread's title (a rename shows at once). A post whose thread is
    /// gone has none, and drops out even before the index catches up.
    pub thread_titles: HashMap<i64, String>,
}

/// Who wrote each hit of a page and, for posts, their thread's title, as `viewer` may know
/// them. A renamed author or thread shows at once.
pub async fn hit_owners(
    db: &impl ConnectionTrait,
    hits: &[EngineHit],
    viewer: i64,
) -> ApiResult<HitOwners> {
    let mut branches: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    for doc_type in DocType::ALL {
        let ids: Vec<i64> = hits
            .iter()
            .filter(|h| h.doc_type == doc_type)
            .filter_map(|h| DocRef::parse_key(&h.key).map(|d| d.id))
            .collect();
        let Some(branch) = owner_branch(doc_type) else {
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
        return Ok(HitOwners::default());
    }
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT a.kind, a.id, a.author, a.anonymous, a.label, m.handle, m.display_name \
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
    let mut owners = HitOwners {
        authors: HashMap::with_capacity(rows.len()),
        thread_titles: HashMap::new(),
    };
    for row in rows {
        let kind: String = row.try_get("", "kind")?;
        let Some(doc_type) = DocType::parse(&kind) else {
            continue;
        };
        let id: i64 = row.try_get("", "id")?;
        let author: i64 = row.try_get("", "author")?;
        let anonymous: i32 = row.try_get("", "anonymous")?;
        let label: String = row.try_get("", "label")?;
        let shown = if anonymous != 0 && author != viewer {
            Asker::Anonymous(AnonymousAsker::of_network(&label))
        } else {
            Asker::Member(MemberRef {
                id: ApiId(author),
                handle: row.try_get("", "handle")?,
                display_name: row.try_get("", "display_name")?,
            })
        };
        if doc_type == DocType::Post {
            owners.thread_titles.insert(id, label);
        }
        owners.authors.insert((doc_type, id), shown);
    }
    Ok(owners)
}

/// `<columns> FROM <table> WHERE x.id` for the owner of a thing of `doc_type`: its id,
/// author, whether they asked anonymously, and a label: its network's name for a help
/// request, its thread's title for a post (whose thread must still stand).
fn owner_branch(doc_type: DocType) -> Option<&'static str> {
    Some(match doc_type {
        DocType::Thread => {
            "x.id, x.author_id AS author, 0 AS anonymous, '' AS label FROM threads x WHERE x.id"
        }
        DocType::Post => {
            "x.id, x.author_id AS author, 0 AS anonymous, t.title AS label FROM posts x \
             JOIN threads t ON t.id = x.thread_id AND t.deleted_at IS NULL WHERE x.id"
        }
        DocType::Resource => {
            "x.id, x.author_id AS author, 0 AS anonymous, '' AS label FROM resources x WHERE x.id"
        }
        DocType::HelpRequest => {
            "x.id, x.author_id AS author, CASE WHEN x.is_anonymous THEN 1 ELSE 0 END AS anonymous, \
             n.name AS label FROM help_requests x JOIN networks n ON n.id = x.network_id WHERE x.id"
        }
        DocType::Convening => {
            "x.id, x.created_by AS author, 0 AS anonymous, '' AS label FROM convenings x WHERE x.id"
        }
        DocType::Initiative => {
            "x.id, x.created_by AS author, 0 AS anonymous, '' AS label FROM initiatives x WHERE x.id"
        }
        DocType::TestOfChange => {
            "x.id, x.created_by AS author, 0 AS anonymous, '' AS label FROM tests_of_change x WHERE x.id"
        }
        DocType::Poll => {
            "x.id, x.author_id AS author, 0 AS anonymous, '' AS label FROM polls x WHERE x.id"
        }
        DocType::Member => return None,
    })
}
