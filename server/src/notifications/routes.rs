//! `/notifications`: a member's own notifications, and marking them read.

use super::queries::{self, NotificationView};
use crate::auth::AuthMember;
use crate::entities::notifications;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{split_page, ApiJson, PageQuery};
use crate::ids::ApiId;
use crate::networks::visibility::visible_network_ids;
use crate::AppState;
use actix_web::web;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/notifications").get(list_notifications))
        .service(web::resource("/notifications/read").post(mark_read));
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// `{items, next_cursor, unread_count}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub next_cursor: Option<String>,
    pub unread_count: u64,
}

/// `{ids: [...]}` or `{all: true}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    #[serde(default)]
    pub ids: Vec<ApiId>,
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnreadCount {
    pub unread_count: u64,
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
    let db = state.db.reader();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let limit = page.limit()?;
    let before: Option<ApiId> = page.cursor()?;
    let networks = visible_network_ids(db, auth.member_id()).await?;
    let condition = || queries::visible(auth.id, &networks);
    let rows = queries::page(
        db,
        condition(),
        query.unread.unwrap_or(false),
        before.map(|b| b.0),
        limit,
    )
    .await?;
    let (rows, next_cursor) = split_page(rows, limit, |n| ApiId(n.id));
    Ok(web::Json(NotificationPage {
        items: queries::views(db, rows).await?,
        next_cursor,
        unread_count: queries::unread_count(db, condition()).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", request_body = MarkRead,
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: AuthMember,
    ApiJson(body): ApiJson<MarkRead>,
) -> ApiResult<web::Json<UnreadCount>> {
    if !body.all && body.ids.is_empty() {
        return Err(ApiError::invalid(
            "ids",
            "give the ids to mark read, or `all: true`",
        ));
    }
    if body.ids.len() > 500 {
        return Err(ApiError::invalid("ids", "at most 500 at a time"));
    }
    let mut update = notifications::Entity::update_many()
        .col_expr(
            notifications::Column::ReadAt,
            Expr::value(crate::clock::now()),
        )
        .filter(notifications::Column::RecipientId.eq(auth.id))
        .filter(notifications::Column::ReadAt.is_null());
    if !body.all {
        update = update.filter(notifications::Column::Id.is_in(body.ids.iter().map(|id| id.0)));
    }
    update.exec(state.db.writer()).await?;
    let networks = visible_network_ids(state.db.writer(), auth.member_id()).await?;
    let unread_count =
        queries::unread_count(state.db.writer(), queries::visible(auth.id, &networks)).await?;
    Ok(web::Json(UnreadCount { unread_count }))
}
