//! `/me`, `/me/export`, `/me/getting-started` and `/members/{id}`.

use super::getting_started::{self, GettingStarted};
use super::queries;
use super::service::{self, ProfileUpdate};
use super::views::{MemberView, PublicProfile};
use crate::auth::AuthMember;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::ids::{ApiId, MemberId};
use crate::AppState;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/me").get(get_me).patch(update_me))
        .service(web::resource("/me/export").get(export_me))
        .service(web::resource("/me/getting-started").get(getting_started))
        .service(web::resource("/members/{id}").get(get_member));
}

#[utoipa::path(get, path = "/api/v1/me", tag = "members",
    responses((status = 200, body = MemberView), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_me(
    state: web::Data<AppState>,
    auth: AuthMember,
) -> ApiResult<web::Json<MemberView>> {
    let db = state.db.reader();
    let member = queries::find(db, auth.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(MemberView::load(db, &member).await?))
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "members", request_body = ProfileUpdate,
    responses((status = 200, body = MemberView), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: AuthMember,
    ApiJson(update): ApiJson<ProfileUpdate>,
) -> ApiResult<web::Json<MemberView>> {
    let member = service::update_profile(state.db.writer(), auth.id, update).await?;
    Ok(web::Json(
        MemberView::load(state.db.writer(), &member).await?,
    ))
}

/// A member's profile, visible to members who share a network with them, to themselves and
/// to instance admins.
#[utoipa::path(get, path = "/api/v1/members/{id}", tag = "members",
    params(("id" = String, Path, description = "Member id")),
    responses((status = 200, body = PublicProfile), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_member(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<PublicProfile>> {
    let profile = service::public_profile(
        state.db.reader(),
        auth.member_id(),
        MemberId(id.into_inner().0),
    )
    .await?;
    Ok(web::Json(profile))
}

/// Everything the member wrote and their settings, as one JSON document.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "members",
    responses((status = 200, description = "A JSON document of the member's data", content_type = "application/json"),
        (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn export_me(state: web::Data<AppState>, auth: AuthMember) -> ApiResult<HttpResponse> {
    let export = super::export::export_member(state.db.reader(), auth.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"staffroom-export.json\"",
        ))
        .json(export))
}

/// A new instance's first-run checklist, for its admins (empty and done for anyone else).
#[utoipa::path(get, path = "/api/v1/me/getting-started", tag = "members",
    responses((status = 200, body = GettingStarted), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn getting_started(
    state: web::Data<AppState>,
    auth: AuthMember,
) -> ApiResult<web::Json<GettingStarted>> {
    Ok(web::Json(
        getting_started::checklist(state.db.reader(), auth.member_id()).await?,
    ))
}
