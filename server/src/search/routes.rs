//! `GET /search`.

use super::document::DocType;
use super::engine::{EngineError, EngineHit, Scope};
use super::query::{SearchParams, SearchQuery};
use super::rebuild::{self, RebuildStatus};
use crate::auth::AuthMember;
use crate::entities::{network_members, threads};
use crate::error::{ApiError, ApiResult, Problem};
use crate::ids::ApiId;
use crate::networks::visibility::{visible_networks, VisibleNetworks};
use crate::AppState;
use actix_web::web;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/search").get(search)).service(
        web::resource("/admin/search/reindex")
            .get(reindex_status)
            .post(reindex),
    );
}

async fn require_admin(state: &AppState, auth: &AuthMember) -> ApiResult<()> {
    if crate::networks::access::is_admin(state.db.reader(), auth.member_id()).await? {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Only instance admins manage the search index.",
        ))
    }
}

/// Rebuilds the search index from the database beside the one being served, then swaps it
/// in: searches answer throughout. Instance admins only. `staffroom search reindex` does the
/// same from the command line.
#[utoipa::path(post, path = "/api/v1/admin/search/reindex", tag = "search",
    responses((status = 202, body = RebuildStatus), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn reindex(
    state: web::Data<AppState>,
    auth: AuthMember,
) -> ApiResult<actix_web::HttpResponse> {
    require_admin(&state, &auth).await?;
    let status = rebuild::request(state.db.writer(), &super::row_key(&state.config)).await?;
    state.search.wake();
    Ok(actix_web::HttpResponse::Accepted().json(status))
}

/// Where the last rebuild stands: `idle`, `requested`, `running` (with documents done of
/// total), `done` or `failed` (with the error). Instance admins only.
#[utoipa::path(get, path = "/api/v1/admin/search/reindex", tag = "search",
    responses((status = 200, body = RebuildStatus), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn reindex_status(
    state: web::Data<AppState>,
    auth: AuthMember,
) -> ApiResult<web::Json<RebuildStatus>> {
    require_admin(&state, &auth).await?;
    Ok(web::Json(
        rebuild::status(state.db.reader(), &super::row_key(&state.config)).await?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// `thread`, `post`, `resource`, `help_request`, `convening`, `member`, `initiative` or
    /// `test_of_change`.
    #[serde(rename = "type")]
    pub doc_type: DocType,
    pub id: ApiId,
    /// The network it belongs to; `null` for members.
    pub network_id: Option<ApiId>,
    /// For a post: its thread's title.
    pub title: String,
    /// A short piece of the text around what matched, HTML-escaped, matches in `<mark>`.
    pub snippet_html: String,
    /// Its page (see "Web addresses"), with the instance's `public_url`.
    pub url: String,
    pub score: f32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchFacets {
    #[serde(rename = "type")]
    pub doc_type: BTreeMap<String, u64>,
    pub tags: BTreeMap<String, u64>,
    /// Only networks you can see.
    pub network_id: BTreeMap<String, u64>,
    pub status: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Every hit of the query you may see (capped at 1000 reachable by paging).
    pub total: u64,
    pub facets: SearchFacets,
    pub took_ms: u64,
    pub limit: usize,
    pub offset: usize,
}

/// Full-text search across every network you can see now: threads, posts, resources, help
/// requests, convenings and members. Tolerates typos, matches the last word as a prefix,
/// knows the field's synonyms.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 401, body = Problem), (status = 422, body = Problem),
        (status = 503, description = "The search engine is unreachable; see Retry-After", body = Problem)),
    security(("bearer" = [])))]
pub async fn search(
    state: web::Data<AppState>,
    auth: AuthMember,
    params: web::Query<SearchParams>,
) -> ApiResult<web::Json<SearchResults>> {
    let started = Instant::now();
    let query = SearchQuery::parse(params.into_inner(), &state.search.settings)?;
    let engine = state.search.engine().ok_or(ApiError::Unavailable {
        service: "Search",
        retry_after_secs: 5,
    })?;
    let db = state.db.reader();
    // Decided now, for this caller, never from the request.
    let visible = visible_networks(db, auth.member_id()).await?;
    // Asking for one network narrows the scope to it, if it is visible at all: a filter
    // must never reach members' documents through networks the caller cannot see.
    let scope = match (query.network_id, &visible) {
        (Some(network), visible) if visible.contains(network) => Scope::Only(vec![network]),
        (Some(_), _) => Scope::Only(Vec::new()),
        (None, VisibleNetworks::All) => Scope::All,
        (None, VisibleNetworks::Only(ids)) => Scope::Only(ids.clone()),
    };
    let (limit, offset) = (query.limit, query.offset);
    let results = engine.search(query, scope).await.map_err(|err| match err {
        EngineError::Unavailable(_) => ApiError::Unavailable {
            service: "Search",
            retry_after_secs: 5,
        },
        EngineError::Internal(err) => ApiError::Internal(err),
    })?;
    let titles = thread_titles(db, &results.hits).await?;
    let members_seen = members_still_shared(db, &visible, &results.hits).await?;
    let public_url = state.config.public_url();
    let hits = results
        .hits
        .into_iter()
        .filter_map(|hit| {
            let doc = super::document::DocRef::parse_key(&hit.key)?;
            if doc.doc_type == DocType::Member && !members_seen.contains(&doc.id) {
                return None;
            }
            let title = match (doc.doc_type, hit.thread_id) {
                (DocType::Post, Some(thread)) => titles.get(&thread).cloned()?,
                _ => hit.title,
            };
            Some(SearchHit {
                doc_type: doc.doc_type,
                id: ApiId(doc.id),
                // A member's networks are theirs to tell, not the search's.
                network_id: hit.network_id.map(ApiId),
                title,
                snippet_html: hit.snippet_html,
                url: format!("{public_url}{}", hit.url),
                score: hit.score,
            })
        })
        .collect();
    let facets = results.facets;
    Ok(web::Json(SearchResults {
        hits,
        total: results.total,
        facets: SearchFacets {
            doc_type: facets.doc_type,
            tags: facets.tags,
            // Member documents count in every network of theirs: keep only those the
            // caller can see.
            network_id: facets
                .network_id
                .into_iter()
                .filter(|(network, _)| visible.contains(*network))
                .map(|(network, count)| (network.to_string(), count))
                .collect(),
            status: facets.status,
        },
        took_ms: started.elapsed().as_millis() as u64,
        limit,
        offset,
    }))
}

/// Current titles of the threads of post hits (a rename shows at once; a deleted thread's
/// posts drop out even before the index catches up).
async fn thread_titles(
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
async fn members_still_shared(
    db: &impl ConnectionTrait,
    visible: &VisibleNetworks,
    hits: &[EngineHit],
) -> ApiResult<HashSet<i64>> {
    let ids: Vec<i64> = hits
        .iter()
        .filter(|h| h.doc_type == DocType::Member)
        .filter_map(|h| super::document::DocRef::parse_key(&h.key).map(|d| d.id))
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
