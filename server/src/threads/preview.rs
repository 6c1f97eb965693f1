//! `POST /api/v1/markdown/preview`: a draft rendered exactly as it would be stored, for the
//! composer's preview, with the `@words` that would mention nobody.

use super::mentions;
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::ids::{ApiId, NetworkId};
use crate::networks::network_access;
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
    /// The network the draft is for (a post's): mentions are resolved against its members
    /// and rendered as links. Without it nothing is resolved: mentions stay text and
    /// `unresolved_mentions` is empty.
    pub network_id: Option<ApiId>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewOutput {
    /// Rendered and sanitized, as `body_html` of what is saved with this body.
    pub body_html: String,
    /// Each `@word` (lowercased, without the `@`) that names no member of `network_id`.
    pub unresolved_mentions: Vec<String>,
}

/// Renders a draft. Nothing is stored; signed in only, so it is no free rendering service.
/// A `network_id` the caller cannot see is 404.
#[utoipa::path(post, path = "/api/v1/markdown/preview", tag = "threads", request_body = PreviewInput,
    responses((status = 200, body = PreviewOutput), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn preview(
    state: web::Data<AppState>,
    auth: AuthMember,
    ApiJson(input): ApiJson<PreviewInput>,
) -> ApiResult<web::Json<PreviewOutput>> {
    let body = MarkdownBody::optional("body", &input.body)?;
    let Some(ApiId(network_id)) = input.network_id else {
        return Ok(web::Json(PreviewOutput {
            body_html: signed(&state, auth.id, body.render(&state.markdown)),
            unresolved_mentions: Vec::new(),
        }));
    };
    let db = state.db.reader();
    network_access(db, auth.member_id(), NetworkId(network_id)).await?;
    let mentions =
        mentions::resolve(db, NetworkId(network_id), auth.member_id(), body.as_str()).await?;
    Ok(web::Json(PreviewOutput {
        body_html: signed(
            &state,
            auth.id,
            body.render_with_mentions(&state.markdown, &mentions.links),
        ),
        unresolved_mentions: mentions.unresolved,
    }))
}

/// The preview's images load for its writer, as the saved post's will.
fn signed(state: &AppState, member: i64, mut html: String) -> String {
    crate::images::sign::sign_in_place(&mut html, &state.links, member);
    html
}
