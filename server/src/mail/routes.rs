//! One-click unsubscribe from every kind of email: `/unsubscribe?token=` (the page a link
//! in an email opens: GET shows a confirm button and changes nothing, because mail scanners
//! open links; POST unsubscribes, with no sign-in, and is what RFC 8058 one-click clients
//! send) and its JSON twin under `/api/v1`. What unsubscribing turns off is kept by another
//! capability, which hands its `TurnOff` to `configure_api` and `configure_pages` when the
//! routes are assembled (`lib.rs`).

use super::unsubscribe::{TurnOff, Unsubscribe};
use crate::error::{ApiError, ApiResult, Problem};
use crate::page_security::{self, Referrer};
use crate::text::escape_html as escape;
use crate::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// `/api/v1/unsubscribe`.
pub fn configure_api(turn_off: Arc<dyn TurnOff>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.service(
            web::resource("/unsubscribe")
                .app_data(web::Data::from(turn_off))
                .get(describe_unsubscribe)
                .post(unsubscribe_api),
        );
    }
}

/// The page behind the links in emails (outside `/api`, beside the web client).
pub fn configure_pages(turn_off: Arc<dyn TurnOff>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.service(
            web::resource("/unsubscribe")
                .app_data(web::Data::from(turn_off))
                .get(unsubscribe_page)
                .post(unsubscribe_now),
        );
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TokenParams {
    /// From the link in the email.
    pub token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnsubscribeView {
    /// `digest`, or the kind of notification email (`mentioned`, `help_responded`, …).
    pub scope: String,
    /// In words, for a confirmation page.
    pub description: String,
}

fn view(what: Unsubscribe) -> UnsubscribeView {
    UnsubscribeView {
        scope: match what {
            Unsubscribe::Digest => "digest".to_owned(),
            Unsubscribe::Notification(kind) => kind.as_str().to_owned(),
        },
        description: what.describe().to_owned(),
    }
}

fn bad_token() -> ApiError {
    ApiError::invalid(
        "token",
        "is not a valid unsubscribe link, or it has expired; change your email preferences in settings",
    )
}

/// What an unsubscribe link would turn off. Changes nothing.
#[utoipa::path(get, path = "/api/v1/unsubscribe", tag = "digests", params(TokenParams),
    responses((status = 200, body = UnsubscribeView), (status = 422, body = Problem)))]
pub async fn describe_unsubscribe(
    state: web::Data<AppState>,
    params: web::Query<TokenParams>,
) -> ApiResult<web::Json<UnsubscribeView>> {
    let (_, what) = state
        .unsubscribe
        .verify(&params.token)
        .ok_or_else(bad_token)?;
    Ok(web::Json(view(what)))
}

/// Turns off what the link names (the digest, or one kind of notification email), with
/// no sign-in. Doing it twice is harmless.
#[utoipa::path(post, path = "/api/v1/unsubscribe", tag = "digests", params(TokenParams),
    responses((status = 200, body = UnsubscribeView), (status = 422, body = Problem)))]
pub async fn unsubscribe_api(
    state: web::Data<AppState>,
    turn_off: web::Data<dyn TurnOff>,
    params: web::Query<TokenParams>,
) -> ApiResult<web::Json<UnsubscribeView>> {
    let (member, what) = state
        .unsubscribe
        .verify(&params.token)
        .ok_or_else(bad_token)?;
    turn_off.turn_off(state.db.writer(), member, what).await?;
    Ok(web::Json(view(what)))
}

async fn unsubscribe_page(
    state: web::Data<AppState>,
    params: web::Query<TokenParams>,
) -> HttpResponse {
    let Some((_, what)) = state.unsubscribe.verify(&params.token) else {
        return page(StatusCode::BAD_REQUEST, &invalid_link(&state));
    };
    let action = format!("/unsubscribe?token={}", url_escape(&params.token));
    page(
        StatusCode::OK,
        &format!(
            "<h1>Unsubscribe?</h1><p>This stops {}. You can turn it back on in your settings at any time.</p>\
             <form method=\"post\" action=\"{}\"><button type=\"submit\" class=\"button\">Unsubscribe</button></form>",
            escape(what.describe()),
            escape(&action),
        ),
    )
}

async fn unsubscribe_now(
    state: web::Data<AppState>,
    turn_off: web::Data<dyn TurnOff>,
    params: web::Query<TokenParams>,
) -> Result<HttpResponse, ApiError> {
    let Some((member, what)) = state.unsubscribe.verify(&params.token) else {
        return Ok(page(StatusCode::BAD_REQUEST, &invalid_link(&state)));
    };
    turn_off.turn_off(state.db.writer(), member, what).await?;
    Ok(page(
        StatusCode::OK,
        &format!(
            "<h1>You are unsubscribed</h1><p>You will no longer get {}. <a href=\"{}/settings\">Change your email preferences</a>.</p>",
            escape(what.describe()),
            escape(&state.config.public_url()),
        ),
    ))
}

fn invalid_link(state: &AppState) -> String {
    format!(
        "<h1>This link does not work</h1><p>It is not a valid unsubscribe link, or it has expired. <a href=\"{}/settings\">Change your email preferences</a> after signing in.</p>",
        escape(&state.config.public_url())
    )
}

/// A small page without script, in the web client's look (its stylesheet, its header, a
/// card with a full-size button, phone width included), whose address carries the token
/// (so it is neither stored nor sent on as a referrer).
fn page(status: StatusCode, body: &str) -> HttpResponse {
    let stylesheet = crate::web_client::stylesheet_href()
        .map(|href| format!("<link rel=\"stylesheet\" href=\"{}\">", escape(&href)))
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\"><title>Staffroom · Unsubscribe</title>{stylesheet}</head>\
         <body><header class=\"topbar\"><a class=\"brand\" href=\"/\">Staffroom</a></header>\
         <main class=\"narrow standalone\"><div class=\"card stack\">{body}</div></main></body></html>"
    );
    page_security::secure(
        &mut HttpResponse::build(status),
        page_security::STYLED_FORM_PAGE_POLICY,
        Referrer::NoReferrer,
    )
    .content_type("text/html; charset=utf-8")
    .insert_header(("Cache-Control", "no-store"))
    .body(html)
}

/// Tokens are URL-safe base64 with dots; anything else is percent-encoded.
fn url_escape(token: &str) -> String {
    token
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
