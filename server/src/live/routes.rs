//! `GET /api/v1/live` as the application sees it: WebSocket upgrades are taken over before
//! they reach it (`upgrade.rs`), so what arrives here cannot become a WebSocket and gets the
//! answer such a request always got.

use super::upgrade::{authenticate, LiveQuery};
use crate::AppState;
use actix_http::ws::{handshake, HandshakeError};
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/live", web::get().to(live));
}

/// 401 for a bad `?access_token=`, then why the request is not a WebSocket handshake.
async fn live(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LiveQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    authenticate(&state, query.access_token.as_deref())?;
    let refusal = handshake(req.head())
        .err()
        .unwrap_or(HandshakeError::NoWebsocketUpgrade);
    Err(refusal.into())
}
