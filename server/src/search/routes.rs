//! `GET /search`.

use super::query::SearchParams;
use super::rebuild::{self, RebuildStatus};
use super::service;
use super::views::SearchResults;
use crate::auth::AuthMember;
use crate::error::{ApiError, ApiResult, Problem};
use crate::AppState;
use actix_web::web;

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
    let public_url = state.config.public_url();
    let results = service::search(
        state.db.reader(),
        &state.search,
        &public_url,
        auth.member_id(),
        params.into_inner(),
    )
    .await?;
    Ok(web::Json(results))
}
