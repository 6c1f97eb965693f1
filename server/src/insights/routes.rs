//! `/networks/{id}/insights` and its CSV form.

use super::service::{self, InsightsQuery};
use super::spreadsheet::{self, Table};
use super::views::InsightsView;
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::ids::{ApiId, NetworkId};
use crate::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/networks/{id}/insights").get(get_insights))
        .service(web::resource("/networks/{id}/insights.csv").get(get_insights_csv));
}

/// Facilitators only (404 for everyone else): activity, connections, help, resources and
/// check-ins over a period (default: since the last convening).
#[utoipa::path(get, path = "/api/v1/networks/{id}/insights", tag = "insights", params(("id" = String, Path), InsightsQuery),
    responses((status = 200, body = InsightsView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn get_insights(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<InsightsQuery>,
) -> ApiResult<HttpResponse> {
    let view =
        service::insights(state.db.reader(), auth.member_id(), NetworkId(id.0), &query).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(view))
}

/// The same as CSV: `?table=summary` (default), `connections` or `unanswered`.
#[utoipa::path(get, path = "/api/v1/networks/{id}/insights.csv", tag = "insights", params(("id" = String, Path), InsightsQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_insights_csv(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<InsightsQuery>,
) -> ApiResult<HttpResponse> {
    let table = Table::parse(query.table.as_deref())?;
    let view =
        service::insights(state.db.reader(), auth.member_id(), NetworkId(id.0), &query).await?;
    let body = spreadsheet::render(&view, table)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", table.file_name()),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}
