//! The one way an account comes to exist from outside: `POST /auth/register` (open
//! registration, or with an invitation) and accepting an invitation without an account both
//! end here. (`staffroom admin create` and the demo seed make accounts for operators.)

use super::passwords::Password;
use super::service::{issue_session, Session};
use crate::config::Registration;
use crate::display_name::DisplayName;
use crate::email_address::Email;
use crate::entities::members;
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::members::service::{create_member, NewMember};
use crate::role::Role;
use crate::timezone::Timezone;
use crate::tx::Tx;
use crate::AppState;
use sea_orm::DatabaseConnection;

/// What account creation needs of an invitation, without knowing what it grants: the
/// address it was sent to, and its redemption by the new member in the account's own
/// transaction. Networks provide it (`AppState::invitations`), so auth knows no network.
#[async_trait::async_trait]
pub trait Invitations: Send + Sync {
    /// The address of the unused, unexpired invitation of `token`: `NotFound` unknown,
    /// `Conflict` used or expired.
    async fn invited_email(&self, db: &DatabaseConnection, token: &str) -> ApiResult<String>;

    /// Marks the invitation used by `member` and grants what it grants, in `txn`: the
    /// network joined and the role held there. `Forbidden` when it was sent to another
    /// address.
    async fn redeem(
        &self,
        txn: &Tx,
        token: &str,
        member: &members::Model,
    ) -> ApiResult<(i64, Role)>;

    /// Whether the invitation link of `token` lets someone join now: `NotFound` unknown,
    /// `Gone` expired, used up or revoked.
    async fn link_usable(&self, db: &DatabaseConnection, token: &str) -> ApiResult<()>;

    /// Joins `member` to the link's network, counting a use, in `txn`.
    async fn join_by_link(
        &self,
        txn: &Tx,
        token: &str,
        member: &members::Model,
    ) -> ApiResult<(i64, Role)>;
}

/// What a new account is made of.
pub struct NewAccount {
    /// `None`: the invitation's address (accepting an invitation by its link).
    pub email: Option<String>,
    pub display_name: String,
    pub password: String,
    pub invite_token: Option<String>,
    /// An invitation link's token: the new account joins its network (and, on an
    /// invite-only instance, may register at all).
    pub invite_link: Option<String>,
    /// An IANA zone name (the browser's); checked like every other field.
    pub timezone: Option<String>,
}

/// A new account, signed in, and the network its invitation joined.
pub struct CreatedAccount {
    pub session: Session,
    pub joined: Option<(i64, Role)>,
}

/// In invite-only mode every way a token can be wrong (missing, unknown, used, expired)
/// gets this one answer, decided before the email is looked at or a password hashed: nobody
/// without a valid invitation learns whether an address has an account.
const INVITATION_REQUIRED: ApiError =
    ApiError::Forbidden("Registration on this instance needs a valid invitation.");

pub async fn create_account(state: &AppState, request: NewAccount) -> ApiResult<CreatedAccount> {
    let link = request.invite_link.as_deref().filter(|t| !t.is_empty());
    let invitation = match request.invite_token.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => Some(usable_invitation(state, token).await?),
        None => None,
    };
    // An invitation link names nobody, and nothing here confirms that an address belongs
    // to whoever types it: on an invite-only instance it lets nobody register (it would let
    // a stranger take a colleague's address before they are invited), only join.
    if invitation.is_none() && state.config.registration == Registration::Invite {
        return Err(INVITATION_REQUIRED);
    }
    if let Some(token) = link.filter(|_| invitation.is_none()) {
        state
            .invitations
            .link_usable(state.db.reader(), token)
            .await
            .map_err(link_problem)?;
    }
    let email = match (&request.email, &invitation) {
        (Some(email), _) => email.clone(),
        (None, Some((invited_email, _))) => invited_email.clone(),
        (None, None) => return Err(ApiError::invalid("email", "is required")),
    };
    let mut fields = FieldCollector::default();
    let email = fields.take(Email::parse(&email));
    let display_name = fields.take(DisplayName::parse(&request.display_name));
    let password = fields.take(Password::parse(request.password));
    let timezone = fields.take(request.timezone.as_deref().map(Timezone::parse).transpose());
    fields.finish()?;
    let (Some(email), Some(display_name), Some(password), Some(timezone)) =
        (email, display_name, password, timezone)
    else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a field without its error"
        )));
    };
    let password_hash = state.hashing.hash(password).await?;

    let txn = Tx::begin(state.db.writer()).await?;
    let member = create_member(
        &txn,
        NewMember {
            email,
            display_name,
            password_hash: Some(password_hash),
            is_admin: false,
            timezone,
        },
    )
    .await?;
    let joined = match &invitation {
        Some((_, token)) => Some(
            state
                .invitations
                .redeem(&txn, token, &member)
                .await
                .map_err(|err| invitation_problem(state, err))?,
        ),
        // An invitation, being personal, is what joins when both are given.
        None => match link {
            Some(token) => Some(
                state
                    .invitations
                    .join_by_link(&txn, token, &member)
                    .await
                    .map_err(link_problem)?,
            ),
            None => None,
        },
    };
    let session = issue_session(state, &txn, &member, None).await?;
    txn.commit().await?;
    Ok(CreatedAccount { session, joined })
}

/// The address of the invitation of `token`, and the token.
async fn usable_invitation(state: &AppState, token: &str) -> ApiResult<(String, String)> {
    state
        .invitations
        .invited_email(state.db.reader(), token)
        .await
        .map(|email| (email, token.to_owned()))
        .map_err(|err| invitation_problem(state, err))
}

/// How an invitation link that cannot be used is reported (open registration only): a
/// field error saying why.
fn link_problem(err: ApiError) -> ApiError {
    match err {
        ApiError::NotFound => ApiError::invalid("invite_link", "is not an invitation link"),
        ApiError::Gone(detail) => ApiError::invalid("invite_link", detail),
        other => other,
    }
}

/// How a token that cannot be used is reported: one answer in invite-only mode (see
/// `INVITATION_REQUIRED`); in open mode, a field error.
fn invitation_problem(state: &AppState, err: ApiError) -> ApiError {
    match err {
        ApiError::NotFound | ApiError::Conflict(_) => {
            if state.config.registration == Registration::Invite {
                INVITATION_REQUIRED
            } else {
                ApiError::invalid("invite_token", "is not a valid invitation")
            }
        }
        // The token is valid but addressed to someone else: its holder may know that.
        ApiError::Forbidden(detail) => ApiError::invalid("invite_token", detail),
        other => other,
    }
}
