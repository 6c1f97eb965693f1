//! `GET /api/v1/me/digest/preview`. (Unsubscribing, from digests as from every other email,
//! is mail's: `mail/routes.rs`.)

use super::schedule::Cadence;
use super::send;
use crate::auth::AuthMember;
use crate::entities::members;
use crate::error::{ApiError, ApiResult, Problem};
use crate::members::profile::DigestFrequency;
use crate::AppState;
use actix_web::web;
use sea_orm::EntityTrait;
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
    let db = state.db.reader();
    let member = members::Entity::find_by_id(auth.id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let cadence = match params.frequency.as_deref() {
        Some(frequency) => Cadence::parse(frequency)
            .ok_or_else(|| ApiError::invalid("frequency", "must be daily or weekly"))?,
        None => Cadence::of(DigestFrequency::from_stored(&member.digest_frequency))
            .unwrap_or(Cadence::Weekly),
    };
    let (digest, email) = send::preview(&state, &member, cadence, crate::clock::now()).await?;
    Ok(web::Json(DigestPreview {
        subject: email.subject,
        text: email.text,
        html: email.html,
        items: digest.items(),
    }))
}
