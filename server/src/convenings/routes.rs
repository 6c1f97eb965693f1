//! `/networks/{id}/convenings`, `/convenings/*` and `/action-items/*`.

use super::action_items::{self, CreateActionItem, UpdateActionItem};
use super::service::{self, ConveningListQuery, CreateConvening, UpdateConvening};
use super::views::{ActionItemView, ConveningView};
use crate::auth::links::{fetcher, Linked, SignedLinks};
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::notifications::service::UnreadCount;
use crate::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/networks/{id}/convenings")
            .get(list_convenings)
            .post(create_convening),
    )
    .service(
        web::resource("/convenings/{id}")
            .get(get_convening)
            .patch(update_convening),
    )
    .service(web::resource("/convenings/{id}/calendar.ics").get(convening_calendar))
    .service(
        web::resource("/convenings/{id}/action-items")
            .get(list_action_items)
            .post(create_action_item),
    )
    .service(web::resource("/action-items/{id}").patch(update_action_item))
    .service(web::resource("/convenings/{id}/read").post(read_convening));
}

#[utoipa::path(get, path = "/api/v1/networks/{id}/convenings", tag = "convenings", params(("id" = String, Path), ConveningListQuery),
    responses((status = 200, body = Page<ConveningView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_convenings(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<ConveningListQuery>,
) -> ApiResult<web::Json<Page<ConveningView>>> {
    let page = service::list(
        state.db.reader(),
        auth.member_id(),
        NetworkId(id.0),
        query.into_inner(),
    )
    .await?;
    Ok(web::Json(page.with_signed_links(&state.links, auth.id)))
}

/// Schedule a convening; facilitators only.
#[utoipa::path(post, path = "/api/v1/networks/{id}/convenings", tag = "convenings", params(("id" = String, Path)), request_body = CreateConvening,
    responses((status = 201, body = ConveningView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_convening(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreateConvening>,
) -> ApiResult<HttpResponse> {
    let view = service::create(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        NetworkId(id.0),
        input,
    )
    .await?;
    Ok(HttpResponse::Created().json(view.with_signed_links(&state.links, auth.id)))
}

#[utoipa::path(get, path = "/api/v1/convenings/{id}", tag = "convenings", params(("id" = String, Path)),
    responses((status = 200, body = ConveningView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_convening(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<ConveningView>> {
    let view = service::get(state.db.reader(), auth.member_id(), id.0).await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

/// Reschedule, edit the agenda, record notes, cancel; facilitators only.
#[utoipa::path(patch, path = "/api/v1/convenings/{id}", tag = "convenings", params(("id" = String, Path)), request_body = UpdateConvening,
    responses((status = 200, body = ConveningView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_convening(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdateConvening>,
) -> ApiResult<web::Json<ConveningView>> {
    let view = service::update(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        id.0,
        input,
    )
    .await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// The link token of a signed `calendar_url` (instead of a Bearer header).
    pub token: Option<String>,
}

/// The convening as an iCalendar (RFC 5545) event: with a Bearer token, or through the
/// signed `calendar_url` (no header needed), which works for its member while they may
/// still see the convening.
#[utoipa::path(get, path = "/api/v1/convenings/{id}/calendar.ics", tag = "convenings", params(("id" = String, Path), CalendarQuery),
    responses((status = 200, description = "text/calendar", content_type = "text/calendar"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn convening_calendar(
    state: web::Data<AppState>,
    auth: Option<AuthMember>,
    id: web::Path<ApiId>,
    query: web::Query<CalendarQuery>,
) -> ApiResult<HttpResponse> {
    let member = fetcher(
        auth,
        &state.links,
        query.token.as_deref(),
        Linked::Calendar { convening_id: id.0 },
    )?;
    let (convening, access) = crate::networks::access::load::<crate::entities::convenings::Entity>(
        state.db.reader(),
        MemberId(member),
        id.0,
    )
    .await?;
    let body =
        super::calendar::render(&convening, &access.network.name, &state.config.public_url());
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"convening-{}.ics\"", convening.id),
        ))
        .body(body))
}

#[utoipa::path(get, path = "/api/v1/convenings/{id}/action-items", tag = "convenings", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<ActionItemView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_action_items(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ActionItemView>>> {
    Ok(web::Json(
        action_items::list(state.db.reader(), auth.member_id(), id.0, &page).await?,
    ))
}

/// Record an action item; its owner (a member of the network) is notified.
#[utoipa::path(post, path = "/api/v1/convenings/{id}/action-items", tag = "convenings", params(("id" = String, Path)), request_body = CreateActionItem,
    responses((status = 201, body = ActionItemView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_action_item(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreateActionItem>,
) -> ApiResult<HttpResponse> {
    let view = action_items::create(state.db.writer(), auth.member_id(), id.0, input).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Mark done or open, rename, reassign, change the due date: the owner, whoever recorded
/// it, or a facilitator.
#[utoipa::path(patch, path = "/api/v1/action-items/{id}", tag = "convenings", params(("id" = String, Path)), request_body = UpdateActionItem,
    responses((status = 200, body = ActionItemView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_action_item(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdateActionItem>,
) -> ApiResult<web::Json<ActionItemView>> {
    Ok(web::Json(
        action_items::update(state.db.writer(), auth.member_id(), id.0, input).await?,
    ))
}

/// Say you opened a convening (the web client does when it shows one): recorded as read, and
/// your notifications about it and the action items of it assigned to you marked read on every tab
/// (`notification.read`). 404 for what you may not see.
#[utoipa::path(post, path = "/api/v1/convenings/{id}/read", tag = "convenings", params(("id" = String, Path)),
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn read_convening(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<UnreadCount>> {
    Ok(web::Json(
        service::mark_read(state.db.writer(), auth.member_id(), id.0).await?,
    ))
}
