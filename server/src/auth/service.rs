//! Signing in and staying signed in: registration, password login, refresh-token rotation
//! with reuse detection, logout, and magic links.

use super::tokens::hash_token;
use crate::email_address::Email;
use crate::entities::{magic_links, members, refresh_tokens};
use crate::error::{ApiError, ApiResult};
use crate::mail::{templates, MailKind};
use crate::members::queries as member_queries;
use crate::members::views::MemberView;
use crate::random::random_token;
use crate::tx::Tx;
use crate::AppState;
use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

/// What every successful sign-in returns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub member: MemberView,
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque; exchange at `/auth/refresh`. Each one works once.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub display_name: String,
    /// Required when registration is invite-only (or `invite_link`); joins the
    /// invitation's network.
    pub invite_token: Option<String>,
    /// An invitation link's token (`/join/{token}`): joins its network as a member, and on
    /// an invite-only instance lets the holder register.
    pub invite_link: Option<String>,
    /// The member's IANA timezone (the web client sends the browser's); UTC without one.
    pub timezone: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MagicLinkRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MagicLinkConsume {
    pub token: String,
}

/// Starts a session (a new refresh-token family unless `family` continues one).
pub async fn issue_session(
    state: &AppState,
    txn: &impl ConnectionTrait,
    member: &members::Model,
    family: Option<String>,
) -> ApiResult<Session> {
    let refresh_token = random_token();
    let now = crate::clock::now();
    refresh_tokens::ActiveModel {
        member_id: Set(member.id),
        family_id: Set(family.unwrap_or_else(random_token)),
        token_hash: Set(hash_token(&refresh_token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(state.config.auth.refresh_token_ttl_days as i64)),
        rotated_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(Session {
        member: MemberView::load(txn, member).await?,
        access_token: state.tokens.issue_access(member.id),
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl_secs(),
    })
}

pub async fn register(
    state: &AppState,
    client: &str,
    request: RegisterRequest,
) -> ApiResult<Session> {
    let window = std::time::Duration::from_secs(state.config.rate_limit.window_secs);
    state
        .limiter
        .check(
            &format!("register:ip:{client}"),
            state.config.rate_limit.register_per_ip,
            window,
        )
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    let created = super::accounts::create_account(
        state,
        super::accounts::NewAccount {
            email: Some(request.email),
            display_name: request.display_name,
            password: request.password,
            invite_token: request.invite_token,
            invite_link: request.invite_link,
            timezone: request.timezone,
        },
    )
    .await?;
    Ok(created.session)
}

/// Signs in with a password. The per-address limit counts every attempt; the per-account
/// limit counts failures only and never stands in the way of the right password, so trying
/// a colleague's address cannot lock them out.
pub async fn login(state: &AppState, client: &str, request: LoginRequest) -> ApiResult<Session> {
    const INCORRECT: ApiError = ApiError::Unauthorized("The email or password is incorrect.");
    let limits = &state.config.rate_limit;
    let window = std::time::Duration::from_secs(limits.window_secs);
    // The key is bounded whatever the client sends; real addresses are at most 254 bytes.
    let account: String = request
        .email
        .trim()
        .to_lowercase()
        .chars()
        .take(254)
        .collect();
    let rate_limited = |retry_after_secs| ApiError::RateLimited { retry_after_secs };
    state
        .limiter
        .check(&format!("login:ip:{client}"), limits.login_per_ip, window)
        .map_err(rate_limited)?;
    let member = member_queries::find_by_email(state.db.reader(), &account).await?;
    let stored = member.as_ref().and_then(|m| m.password_hash.clone());
    let matched = state.hashing.verify(request.password, stored).await?;
    let (Some(member), true) = (member, matched) else {
        let failures = format!("login:account:{account}");
        state.limiter.record(&failures, window);
        state
            .limiter
            .peek(&failures, limits.login_per_account, window)
            .map_err(rate_limited)?;
        return Err(INCORRECT);
    };
    let txn = Tx::begin(state.db.writer()).await?;
    let session = issue_session(state, &txn, &member, None).await?;
    txn.commit().await?;
    Ok(session)
}

const INVALID_REFRESH: ApiError =
    ApiError::Unauthorized("The refresh token is invalid, expired or revoked.");

/// Rotates a refresh token. Presenting one that was already rotated means it leaked (or a
/// client raced itself): the whole family is revoked, signing out every holder.
pub async fn refresh(state: &AppState, request: RefreshRequest) -> ApiResult<Session> {
    let txn = Tx::begin(state.db.writer()).await?;
    let token = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash_token(&request.refresh_token)))
        .one(&txn)
        .await?
        .ok_or(INVALID_REFRESH)?;
    let now = crate::clock::now();
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(INVALID_REFRESH);
    }
    // Only one caller can flip `rotated_at` from NULL: the loser of a race is a reuse.
    let rotated = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RotatedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(token.id))
        .filter(refresh_tokens::Column::RotatedAt.is_null())
        .exec(&txn)
        .await?;
    if rotated.rows_affected != 1 {
        // Rotated a moment ago (or by a racing request just now): the caller most likely
        // never stored the answer (a tab closed mid-refresh), so it gets a new pair in the
        // same family. Later, presenting it again means it was copied: end the family.
        let rotated_at = token.rotated_at.unwrap_or(now);
        let grace = chrono::Duration::seconds(state.config.auth.refresh_reuse_grace_secs as i64);
        if now - rotated_at <= grace && state.config.auth.refresh_reuse_grace_secs > 0 {
            let member = member_queries::find(&txn, token.member_id)
                .await?
                .ok_or(INVALID_REFRESH)?;
            let session = issue_session(state, &txn, &member, Some(token.family_id)).await?;
            txn.commit().await?;
            tracing::info!(
                member_id = token.member_id,
                "refresh token presented again within the grace period: new pair issued"
            );
            return Ok(session);
        }
        revoke_family(&txn, &token.family_id).await?;
        txn.commit().await?;
        tracing::warn!(
            member_id = token.member_id,
            "refresh token reuse: family revoked"
        );
        return Err(INVALID_REFRESH);
    }
    let member = member_queries::find(&txn, token.member_id)
        .await?
        .ok_or(INVALID_REFRESH)?;
    let session = issue_session(state, &txn, &member, Some(token.family_id)).await?;
    txn.commit().await?;
    Ok(session)
}

pub async fn logout(state: &AppState, request: RefreshRequest) -> ApiResult<()> {
    let txn = Tx::begin(state.db.writer()).await?;
    if let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash_token(&request.refresh_token)))
        .one(&txn)
        .await?
    {
        revoke_family(&txn, &token.family_id).await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn revoke_family(txn: &impl ConnectionTrait, family_id: &str) -> ApiResult<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(
            refresh_tokens::Column::RevokedAt,
            Expr::value(crate::clock::now()),
        )
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Emails a one-time sign-in link if the account exists. The caller answers 202 either way,
/// so the response never tells whether an address has an account.
pub async fn request_magic_link(
    state: &AppState,
    client_ip: &str,
    request: MagicLinkRequest,
) -> ApiResult<()> {
    let email = Email::parse(&request.email)?;
    let limits = &state.config.rate_limit;
    let window = std::time::Duration::from_secs(limits.window_secs);
    for (key, limit) in [
        (format!("magic:ip:{client_ip}"), limits.magic_link_per_ip),
        (
            format!("magic:account:{}", email.as_str()),
            limits.magic_link_per_account,
        ),
    ] {
        state
            .limiter
            .check(&key, limit, window)
            .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    }
    let Some(member) = member_queries::find_by_email(state.db.reader(), email.as_str()).await?
    else {
        return Ok(());
    };
    let token = random_token();
    let now = crate::clock::now();
    let ttl_minutes = state.config.auth.magic_link_ttl_minutes;
    let link = format!("{}/sign-in/link?token={token}", state.config.public_url());
    let message = templates::magic_link(&member.display_name, &link, &token, ttl_minutes);
    // The link and its email commit together: an acknowledged request is never lost.
    let txn = Tx::begin(state.db.writer()).await?;
    magic_links::ActiveModel {
        member_id: Set(member.id),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(ttl_minutes as i64)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    state
        .mailer
        .queue(&txn, MailKind::MagicLink, &member.email, message)
        .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn consume_magic_link(state: &AppState, request: MagicLinkConsume) -> ApiResult<Session> {
    const INVALID: ApiError =
        ApiError::Unauthorized("The sign-in link is invalid, used or expired.");
    let txn = Tx::begin(state.db.writer()).await?;
    let now = crate::clock::now();
    let link = magic_links::Entity::find()
        .filter(magic_links::Column::TokenHash.eq(hash_token(&request.token)))
        .one(&txn)
        .await?
        .ok_or(INVALID)?;
    if link.expires_at <= now {
        return Err(INVALID);
    }
    let used = magic_links::Entity::update_many()
        .col_expr(magic_links::Column::UsedAt, Expr::value(now))
        .filter(magic_links::Column::Id.eq(link.id))
        .filter(magic_links::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(INVALID);
    }
    let member = member_queries::find(&txn, link.member_id)
        .await?
        .ok_or(INVALID)?;
    let session = issue_session(state, &txn, &member, None).await?;
    txn.commit().await?;
    Ok(session)
}
