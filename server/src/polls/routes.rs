//! `/networks/{id}/polls` and `/polls/*`.

use super::service::{self, CreatePoll, PollListQuery, UpdatePoll, Vote};
use super::views::PollView;
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Page};
use crate::ids::{ApiId, NetworkId};
use crate::notifications::service::UnreadCount;
use crate::AppState;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/networks/{id}/polls")
            .get(list_polls)
            .post(create_poll),
    )
    .service(
        web::resource("/polls/{id}")
            .get(get_poll)
            .patch(update_poll)
            .delete(delete_poll),
    )
    .service(
        web::resource("/polls/{id}/vote")
            .put(vote)
            .delete(retract_vote),
    )
    .service(web::resource("/polls/{id}/read").post(read_poll));
}

/// Newest first; `?status=open|closed`, `?thread_id=`. Each poll as the caller may see it:
/// results only where its rule allows.
#[utoipa::path(get, path = "/api/v1/networks/{id}/polls", tag = "polls", params(("id" = String, Path), PollListQuery),
    responses((status = 200, body = Page<PollView>), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn list_polls(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<PollListQuery>,
) -> ApiResult<web::Json<Page<PollView>>> {
    Ok(web::Json(
        service::list(
            state.db.reader(),
            auth.member_id(),
            NetworkId(id.0),
            query.into_inner(),
        )
        .await?,
    ))
}

/// Ask a poll in the network (or one of its threads); any member may.
#[utoipa::path(post, path = "/api/v1/networks/{id}/polls", tag = "polls", params(("id" = String, Path)), request_body = CreatePoll,
    responses((status = 201, body = PollView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_poll(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreatePoll>,
) -> ApiResult<HttpResponse> {
    let view = service::create(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        NetworkId(id.0),
        input,
    )
    .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/polls/{id}", tag = "polls", params(("id" = String, Path)),
    responses((status = 200, body = PollView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_poll(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<PollView>> {
    Ok(web::Json(
        service::get(state.db.reader(), auth.member_id(), id.0).await?,
    ))
}

/// The author or a facilitator edits the question or description, moves the closing time,
/// or closes it now (`closed: true`, for good).
#[utoipa::path(patch, path = "/api/v1/polls/{id}", tag = "polls", params(("id" = String, Path)), request_body = UpdatePoll,
    responses((status = 200, body = PollView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_poll(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdatePoll>,
) -> ApiResult<web::Json<PollView>> {
    Ok(web::Json(
        service::update(
            state.db.writer(),
            &state.markdown,
            auth.member_id(),
            id.0,
            input,
        )
        .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/polls/{id}", tag = "polls", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn delete_poll(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    service::delete(state.db.writer(), auth.member_id(), id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Vote, or change your vote: `{option_ids}` or `{value}`. 409 once closed; 422 for an
/// option of another poll or a value out of range.
#[utoipa::path(put, path = "/api/v1/polls/{id}/vote", tag = "polls", params(("id" = String, Path)), request_body = Vote,
    responses((status = 200, body = PollView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn vote(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<Vote>,
) -> ApiResult<web::Json<PollView>> {
    Ok(web::Json(
        service::vote(state.db.writer(), auth.member_id(), id.0, Some(input)).await?,
    ))
}

/// Take your vote back while the poll is open.
#[utoipa::path(delete, path = "/api/v1/polls/{id}/vote", tag = "polls", params(("id" = String, Path)),
    responses((status = 200, body = PollView), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn retract_vote(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<PollView>> {
    Ok(web::Json(
        service::vote(state.db.writer(), auth.member_id(), id.0, None).await?,
    ))
}

/// Say you opened a poll (the web client does when it shows one): recorded as read, and
/// your notifications about it marked read on every tab
/// (`notification.read`). 404 for what you may not see.
#[utoipa::path(post, path = "/api/v1/polls/{id}/read", tag = "polls", params(("id" = String, Path)),
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn read_poll(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<UnreadCount>> {
    Ok(web::Json(
        service::mark_read(state.db.writer(), auth.member_id(), id.0).await?,
    ))
}
