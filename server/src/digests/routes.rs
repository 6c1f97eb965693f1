//! `GET /api/v1/me/digest/preview`. (Unsubscribing, from digests as from every other email,
//! is mail's: `mail/routes.rs`.)

use super::send;
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::AppState;
use actix_web::web;
use serde::{Deserialize, Serialize};

pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/me/digest/preview").get(preview));
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PreviewParams {
    /// `daily` or `weekly`; default: your digest frequency (weekly when digests are off).
    pub frequency: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DigestPreview {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Items in it; 0 means it would not be sent.
    pub items: usize,
}

/// The digest that would be sent to you now: what you can see, since your last digest of
/// that frequency. Nothing is recorded or sent.
#[utoipa::path(get, path = "/api/v1/me/digest/preview", tag = "digests", params(PreviewParams),
    responses((status = 200, body = DigestPreview), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn preview(
    state: web::Data<AppState>,
    auth: AuthMember,
    params: web::Query<PreviewParams>,
) -> ApiResult<web::Json<DigestPreview>> {
    let (digest, email) = send::preview_for(
        &state,
        auth.id,
        params.frequency.as_deref(),
        crate::clock::now(),
    )
    .await?;
    Ok(web::Json(DigestPreview {
        subject: email.subject,
        text: email.text,
        html: email.html,
        items: digest.items(),
    }))
}
