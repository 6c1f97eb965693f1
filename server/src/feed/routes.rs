//! `/me/feed`.

use super::service::{self, FeedQuery};
use super::views::FeedPage;
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::AppState;
use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/me/feed").get(feed));
}

/// What's new across every network I read: threads, help requests, resources, polls,
/// convenings, initiatives and tests of change, newest activity first (watched first within
/// a day).
#[utoipa::path(get, path = "/api/v1/me/feed", tag = "feed", params(FeedQuery),
    responses((status = 200, body = FeedPage), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn feed(
    state: web::Data<AppState>,
    auth: AuthMember,
    query: web::Query<FeedQuery>,
) -> ApiResult<web::Json<FeedPage>> {
    Ok(web::Json(
        service::feed(state.db.reader(), auth.member_id(), query.into_inner()).await?,
    ))
}
