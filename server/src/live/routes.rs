//! `GET /api/v1/live`: the WebSocket endpoint.

use crate::error::ApiError;
use crate::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/live", web::get().to(live));
}

#[derive(Deserialize)]
struct LiveQuery {
    access_token: Option<String>,
}

/// Upgrades to a WebSocket. With `?access_token=` the token is checked before the upgrade
/// (401 if bad); without it the first message must be `{"type":"auth",…}`.
async fn live(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<LiveQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    let authenticated = match &query.access_token {
        Some(token) => Some(state.tokens.verify_access_until(token).ok_or(
            ApiError::Unauthorized("The access token is invalid or expired."),
        )?),
        None => None,
    };
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream.max_frame_size(64 * 1024);
    actix_web::rt::spawn(super::session::run(state, session, stream, authenticated));
    Ok(response)
}
