//! `/networks/{id}/help-requests` and `/help-requests/*`.

use super::offers;
use super::responses::{self, AcceptResponse, CreateResponse};
use super::service::{self, CreateHelpRequest, HelpRequestListQuery, UpdateHelpRequest};
use super::views::{HelpRequestView, ResponseView};
use crate::auth::links::SignedLinks;
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Page, PageQuery};
use crate::ids::{ApiId, NetworkId};
use crate::notifications::service::UnreadCount;
use crate::AppState;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/networks/{id}/help-requests")
            .get(list_help_requests)
            .post(create_help_request),
    )
    .service(
        web::resource("/help-requests/{id}")
            .get(get_help_request)
            .patch(update_help_request)
            .delete(delete_help_request),
    )
    .service(
        web::resource("/help-requests/{id}/responses")
            .get(list_responses)
            .post(respond),
    )
    .service(web::resource("/help-requests/{id}/accept").post(accept_response))
    .service(
        web::resource("/help-requests/{id}/offer")
            .put(offer_help)
            .delete(withdraw_offer),
    )
    .service(web::resource("/help-requests/{id}/read").post(read_help_request));
}

/// Newest first; filters `status`, `tag`, `urgency`; facilitators can ask for requests still
/// unanswered after `unanswered_for_days`.
#[utoipa::path(get, path = "/api/v1/networks/{id}/help-requests", tag = "help requests", params(("id" = String, Path), HelpRequestListQuery),
    responses((status = 200, body = Page<HelpRequestView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_help_requests(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<HelpRequestListQuery>,
) -> ApiResult<web::Json<Page<HelpRequestView>>> {
    Ok(web::Json(
        service::list(
            state.db.reader(),
            auth.member_id(),
            NetworkId(id.0),
            query.into_inner(),
        )
        .await?
        .with_signed_links(&state.links, auth.id),
    ))
}

/// Ask the network for help; members whose expertise matches a tag are notified.
#[utoipa::path(post, path = "/api/v1/networks/{id}/help-requests", tag = "help requests", params(("id" = String, Path)), request_body = CreateHelpRequest,
    responses((status = 201, body = HelpRequestView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_help_request(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreateHelpRequest>,
) -> ApiResult<HttpResponse> {
    let view = service::create(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        NetworkId(id.0),
        input,
    )
    .await?
    .with_signed_links(&state.links, auth.id);
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/help-requests/{id}", tag = "help requests", params(("id" = String, Path)),
    responses((status = 200, body = HelpRequestView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_help_request(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<HelpRequestView>> {
    Ok(web::Json(
        service::get(state.db.reader(), auth.member_id(), id.0)
            .await?
            .with_signed_links(&state.links, auth.id),
    ))
}

/// Edit, close (`status: closed`) or reopen (`status: open`); the asker or a facilitator.
#[utoipa::path(patch, path = "/api/v1/help-requests/{id}", tag = "help requests", params(("id" = String, Path)), request_body = UpdateHelpRequest,
    responses((status = 200, body = HelpRequestView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not allowed from the current status", body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_help_request(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdateHelpRequest>,
) -> ApiResult<web::Json<HelpRequestView>> {
    Ok(web::Json(
        service::update(
            state.db.writer(),
            &state.markdown,
            auth.member_id(),
            id.0,
            input,
        )
        .await?
        .with_signed_links(&state.links, auth.id),
    ))
}

/// Removes the request: its asker withdraws it, or a facilitator hides it (anonymous ones
/// too). Gone for every reader afterwards.
#[utoipa::path(delete, path = "/api/v1/help-requests/{id}", tag = "help requests", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn delete_help_request(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    service::delete(state.db.writer(), auth.member_id(), id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Responses, oldest first.
#[utoipa::path(get, path = "/api/v1/help-requests/{id}/responses", tag = "help requests", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<ResponseView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_responses(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ResponseView>>> {
    Ok(web::Json(
        responses::list_responses(state.db.reader(), auth.member_id(), id.0, &page)
            .await?
            .with_signed_links(&state.links, auth.id),
    ))
}

/// Respond; the first response moves the request from `open` to `answered`.
#[utoipa::path(post, path = "/api/v1/help-requests/{id}/responses", tag = "help requests", params(("id" = String, Path)), request_body = CreateResponse,
    responses((status = 201, body = ResponseView), (status = 403, description = "Your own request", body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Closed", body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn respond(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreateResponse>,
) -> ApiResult<HttpResponse> {
    let view = responses::respond(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        id.0,
        input,
    )
    .await?
    .with_signed_links(&state.links, auth.id);
    Ok(HttpResponse::Created().json(view))
}

/// Accept the response that solved it: `resolved`, and the responder is credited.
#[utoipa::path(post, path = "/api/v1/help-requests/{id}/accept", tag = "help requests", params(("id" = String, Path)), request_body = AcceptResponse,
    responses((status = 200, body = HelpRequestView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn accept_response(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<AcceptResponse>,
) -> ApiResult<web::Json<HelpRequestView>> {
    Ok(web::Json(
        responses::accept(state.db.writer(), auth.member_id(), id.0, input)
            .await?
            .with_signed_links(&state.links, auth.id),
    ))
}

/// "I can help", before writing a response.
#[utoipa::path(put, path = "/api/v1/help-requests/{id}/offer", tag = "help requests", params(("id" = String, Path)),
    responses((status = 200, body = HelpRequestView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn offer_help(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<HelpRequestView>> {
    Ok(web::Json(
        offers::set_offer(state.db.writer(), auth.member_id(), id.0, true)
            .await?
            .with_signed_links(&state.links, auth.id),
    ))
}

#[utoipa::path(delete, path = "/api/v1/help-requests/{id}/offer", tag = "help requests", params(("id" = String, Path)),
    responses((status = 200, body = HelpRequestView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn withdraw_offer(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<HelpRequestView>> {
    Ok(web::Json(
        offers::set_offer(state.db.writer(), auth.member_id(), id.0, false)
            .await?
            .with_signed_links(&state.links, auth.id),
    ))
}

/// Say you opened a help request (the web client does when it shows one): recorded as read, and
/// your notifications about its responses, offers, accepted answer and call for expertise marked
/// read on every tab (`notification.read`). 404 for what you may not see.
#[utoipa::path(post, path = "/api/v1/help-requests/{id}/read", tag = "help requests", params(("id" = String, Path)),
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn read_help_request(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<UnreadCount>> {
    Ok(web::Json(
        service::mark_read(state.db.writer(), auth.member_id(), id.0).await?,
    ))
}
