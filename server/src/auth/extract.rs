//! The signed-in member, taken from `Authorization: Bearer <access token>`.

use crate::error::ApiError;
use crate::ids::MemberId;
use crate::AppState;
use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};
use std::future::{ready, Ready};

#[derive(Debug, Clone, Copy)]
pub struct AuthMember {
    pub id: i64,
}

impl AuthMember {
    /// The signed-in member's id, typed for services.
    pub fn member_id(&self) -> MemberId {
        MemberId(self.id)
    }
}

impl FromRequest for AuthMember {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

/// The signed-in member, if the request carries a token at all; a bad token is still an
/// error (clients should learn their token expired rather than silently act anonymously).
pub struct MaybeAuthMember(pub Option<AuthMember>);

impl FromRequest for MaybeAuthMember {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if req.headers().contains_key(header::AUTHORIZATION) {
            ready(authenticate(req).map(|member| MaybeAuthMember(Some(member))))
        } else {
            ready(Ok(MaybeAuthMember(None)))
        }
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthMember, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?;
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized(
            "Send an access token as `Authorization: Bearer <token>`.",
        ))?;
    let member = state
        .tokens
        .verify_access(token.trim())
        .map(|id| AuthMember { id })
        .ok_or(ApiError::Unauthorized(
            "The access token is invalid or expired.",
        ))?;
    // Every authenticated request is part of a visit; this only consults an in-memory
    // throttle, the write happens off the request path.
    state.visits.seen(member.member_id());
    Ok(member)
}
