//! `POST /api/v1/markdown/preview`: a draft rendered exactly as it would be stored, for the
//! composer's preview.

use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::text::MarkdownBody;
use crate::AppState;
use actix_web::web;
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/markdown/preview", web::post().to(preview));
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    /// Markdown source, as a post, description, agenda or notes would take it.
    pub body: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewOutput {
    /// Rendered and sanitized, as `body_html` of what is saved with this body.
    pub body_html: String,
}

/// Renders a draft. Nothing is stored; signed in only, so it is no free rendering service.
#[utoipa::path(post, path = "/api/v1/markdown/preview", tag = "threads", request_body = PreviewInput,
    responses((status = 200, body = PreviewOutput), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn preview(
    state: web::Data<AppState>,
    _auth: AuthMember,
    ApiJson(input): ApiJson<PreviewInput>,
) -> ApiResult<web::Json<PreviewOutput>> {
    let body = MarkdownBody::optional("body", &input.body)?;
    Ok(web::Json(PreviewOutput {
        body_html: body.render(&state.markdown),
    }))
}
