//! `/notifications`: a member's own notifications, and marking them read.

use super::service::{self, MarkRead, NotificationPage, NotificationQuery, UnreadCount};
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::AppState;
use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/notifications").get(list_notifications))
        .service(web::resource("/notifications/read").post(mark_read));
}

/// Newest first, with the unread count; notifications from networks you left are hidden.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    responses((status = 200, body = NotificationPage), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_notifications(
    state: web::Data<AppState>,
    auth: AuthMember,
    query: web::Query<NotificationQuery>,
) -> ApiResult<web::Json<NotificationPage>> {
    let page = service::list(state.db.reader(), auth.member_id(), &query).await?;
    Ok(web::Json(page))
}

#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", request_body = MarkRead,
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: AuthMember,
    ApiJson(body): ApiJson<MarkRead>,
) -> ApiResult<web::Json<UnreadCount>> {
    let unread = service::mark_read(state.db.writer(), auth.member_id(), &body).await?;
    Ok(web::Json(unread))
}
