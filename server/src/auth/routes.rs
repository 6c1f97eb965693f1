//! `/auth/*`: register, login, refresh, logout, magic links.

use super::service::{
    self, LoginRequest, MagicLinkConsume, MagicLinkRequest, RefreshRequest, RegisterRequest,
    Session,
};
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::AppState;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(register))
        .route("/auth/login", web::post().to(login))
        .route("/auth/refresh", web::post().to(refresh))
        .route("/auth/logout", web::post().to(logout))
        .route("/auth/magic-link", web::post().to(request_magic_link))
        .route(
            "/auth/magic-link/consume",
            web::post().to(consume_magic_link),
        );
}

/// Creates an account. The first account of an instance becomes its admin.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = Session),
        (status = 403, description = "Invite-only registration without a valid invitation", body = Problem),
        (status = 409, description = "Email already registered", body = Problem), (status = 422, body = Problem),
        (status = 429, description = "Too many registrations from this address; see Retry-After", body = Problem),
        (status = 503, description = "Too many passwords being hashed; see Retry-After", body = Problem)))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let client = state.limiter.client_key(&req);
    let session = service::register(&state, &client, request).await?;
    Ok(HttpResponse::Created().json(session))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Session), (status = 401, body = Problem),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem),
        (status = 503, description = "Too many passwords being hashed; see Retry-After", body = Problem)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<web::Json<Session>> {
    let client = state.limiter.client_key(&req);
    Ok(web::Json(service::login(&state, &client, request).await?))
}

/// Exchanges a refresh token for a new pair. Reusing a rotated token revokes its family.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = Session), (status = 401, body = Problem)))]
pub async fn refresh(
    state: web::Data<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> ApiResult<web::Json<Session>> {
    Ok(web::Json(service::refresh(&state, request).await?))
}

/// Revokes the refresh token's whole family (this device's session).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    state: web::Data<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    service::logout(&state, request).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Emails a one-time sign-in link. Always 202, whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/magic-link", tag = "auth", request_body = MagicLinkRequest,
    responses((status = 202, description = "If the account exists, a link is on its way"),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn request_magic_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(request): ApiJson<MagicLinkRequest>,
) -> ApiResult<HttpResponse> {
    let client = state.limiter.client_key(&req);
    service::request_magic_link(&state, &client, request).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "detail": "If an account exists for that address, a sign-in link is on its way."
    })))
}

#[utoipa::path(post, path = "/api/v1/auth/magic-link/consume", tag = "auth", request_body = MagicLinkConsume,
    responses((status = 200, body = Session), (status = 401, body = Problem)))]
pub async fn consume_magic_link(
    state: web::Data<AppState>,
    ApiJson(request): ApiJson<MagicLinkConsume>,
) -> ApiResult<web::Json<Session>> {
    Ok(web::Json(
        service::consume_magic_link(&state, request).await?,
    ))
}
