//! Invitations: a facilitator invites an email address into a network with a role; the
//! emailed link (a single-use, expiring token) joins the network, creating the account if
//! needed.

use super::access::network_access;
use super::invitation_rows::{self, Checked, Invitee, RawRow};
use super::service::{add_membership, announce_join};
use crate::auth::accounts::{create_account, NewAccount};
use crate::auth::service::Session;
use crate::auth::tokens::hash_token;
use crate::db::Writer;
use crate::display_name::DisplayName;
use crate::email_address::Email;
use crate::entities::{invitations, members, networks};
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::extract::{Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::mail::{templates, MailKind};
use crate::members::queries as member_queries;
use crate::notifications::records::{notify, NewNotification, NotificationKind};
use crate::paging::IdPage;
use crate::random::random_token;
use crate::role::Role;
use crate::tx::Tx;
use crate::AppState;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitation {
    pub email: String,
    #[serde(default = "default_role")]
    pub role: Role,
    /// The invitee's name, offered as their display name when they accept.
    pub name: Option<String>,
}

/// Body of a bulk `POST /networks/{id}/invitations` (or a `text/csv` file of the same rows).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitations {
    pub invitations: Vec<RawRow>,
}

/// What became of one row of a bulk invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkStatus {
    Invited,
    AlreadyMember,
    Invalid,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkInvitationResult {
    /// The row's place in the list, from 1 (a CSV header is not counted).
    pub row: usize,
    pub email: String,
    pub status: BulkStatus,
    /// Why, for a row not invited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<ApiId>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkInvitationResults {
    pub results: Vec<BulkInvitationResult>,
    pub invited: usize,
    pub already_member: usize,
    pub invalid: usize,
}

fn default_role() -> Role {
    Role::Member
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    pub id: ApiId,
    pub network_id: ApiId,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// The name the inviter gave.
    pub name: Option<String>,
}

/// What the holder of an invitation link sees before accepting.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationPreview {
    pub network_id: ApiId,
    pub network_name: String,
    pub network_description: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: DateTime<Utc>,
    /// Whether an account with the invited email exists (then sign in to accept).
    pub has_account: bool,
    /// The name the inviter gave, to offer as the new account's display name.
    pub name: Option<String>,
}

/// Body of `POST /invitations/{token}/accept` when the invitee has no account yet.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    pub display_name: Option<String>,
    pub password: Option<String>,
    /// The new member's IANA timezone (the web client sends the browser's).
    pub timezone: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AcceptedInvitation {
    pub network_id: ApiId,
    pub role: Role,
    /// Present when accepting created the account: the new member is signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
}

impl From<invitations::Model> for InvitationView {
    fn from(row: invitations::Model) -> Self {
        InvitationView {
            id: ApiId(row.id),
            network_id: ApiId(row.network_id),
            email: row.email,
            role: Role::from_stored(&row.role),
            created_at: row.created_at,
            expires_at: row.expires_at,
            accepted_at: row.accepted_at,
            name: row.name,
        }
    }
}

pub async fn create(
    state: &AppState,
    actor: MemberId,
    network_id: NetworkId,
    input: CreateInvitation,
) -> ApiResult<InvitationView> {
    let mut fields = FieldCollector::default();
    let email = fields.take(Email::parse(&input.email));
    let name = fields.take(input.name.as_deref().map(DisplayName::parse).transpose());
    fields.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a field without its error"
        )));
    };
    let txn = Tx::begin(state.db.writer()).await?;
    let inviting = Inviting::start(&txn, actor, network_id).await?;
    if inviting.is_member(&txn, &email).await? {
        return Err(ApiError::Conflict(format!(
            "{} is already a member of this network.",
            email.as_str()
        )));
    }
    let invitee = Invitee {
        email,
        name,
        role: input.role,
    };
    let invitation = inviting.invite(&txn, state, &invitee).await?;
    crate::failpoint::hit("invitation.before_commit");
    txn.commit().await?;
    Ok(invitation.into())
}

/// Invites every valid row in one transaction, emails included: all of them or, should
/// the database fail, none. Rows that cannot be invited are named with why; someone
/// already a member is told apart.
pub async fn create_many(
    state: &AppState,
    actor: MemberId,
    network_id: NetworkId,
    rows: &[RawRow],
) -> ApiResult<BulkInvitationResults> {
    let checked = invitation_rows::check(rows)?;
    let txn = Tx::begin(state.db.writer()).await?;
    let inviting = Inviting::start(&txn, actor, network_id).await?;
    let mut results = Vec::with_capacity(rows.len());
    for (index, (raw, checked)) in rows.iter().zip(checked).enumerate() {
        let (status, message, invitation_id, email) = match checked {
            Checked::Invalid(message) => (
                BulkStatus::Invalid,
                Some(message),
                None,
                raw.email.trim().to_owned(),
            ),
            Checked::Valid(invitee) if inviting.is_member(&txn, &invitee.email).await? => (
                BulkStatus::AlreadyMember,
                Some("Already a member of this network.".to_owned()),
                None,
                invitee.email.as_str().to_owned(),
            ),
            Checked::Valid(invitee) => {
                let invitation = inviting.invite(&txn, state, &invitee).await?;
                (
                    BulkStatus::Invited,
                    None,
                    Some(ApiId(invitation.id)),
                    invitee.email.as_str().to_owned(),
                )
            }
        };
        results.push(BulkInvitationResult {
            row: index + 1,
            email,
            status,
            message,
            invitation_id,
        });
    }
    crate::failpoint::hit("invitation.before_commit");
    txn.commit().await?;
    let count = |status: BulkStatus| results.iter().filter(|r| r.status == status).count();
    Ok(BulkInvitationResults {
        invited: count(BulkStatus::Invited),
        already_member: count(BulkStatus::AlreadyMember),
        invalid: count(BulkStatus::Invalid),
        results,
    })
}

/// A facilitator inviting people into a network, within one transaction.
struct Inviting {
    actor: MemberId,
    network_id: NetworkId,
    network_name: String,
    inviter_name: String,
}

impl Inviting {
    /// Facilitators only.
    async fn start(txn: &Tx, actor: MemberId, network_id: NetworkId) -> ApiResult<Inviting> {
        let access = network_access(txn, actor, network_id).await?;
        access.require_facilitator()?;
        let inviter = member_queries::find(txn, actor.get())
            .await?
            .ok_or(ApiError::NotFound)?;
        Ok(Inviting {
            actor,
            network_id,
            network_name: access.network.name,
            inviter_name: inviter.display_name,
        })
    }

    /// Whether the account of `email`, if there is one, already belongs to the network.
    async fn is_member(&self, txn: &Tx, email: &Email) -> ApiResult<bool> {
        let Some(existing) = member_queries::find_by_email(txn, email.as_str()).await? else {
            return Ok(false);
        };
        Ok(
            super::access::direct_role(txn, MemberId(existing.id), self.network_id)
                .await?
                .is_some(),
        )
    }

    /// Records the invitation, tells an existing account in the app, and queues its email,
    /// all in `txn` (see `mail/`).
    async fn invite(
        &self,
        txn: &Tx,
        state: &AppState,
        invitee: &Invitee,
    ) -> ApiResult<invitations::Model> {
        let email = invitee.email.as_str();
        let token = random_token();
        let now = crate::clock::now();
        let ttl_days = state.config.auth.invitation_ttl_days;
        let invitation = invitations::ActiveModel {
            network_id: Set(self.network_id.get()),
            email: Set(email.to_owned()),
            role: Set(invitee.role.as_str().to_owned()),
            token_hash: Set(hash_token(&token)),
            invited_by: Set(self.actor.get()),
            created_at: Set(now),
            expires_at: Set(now + Duration::days(ttl_days as i64)),
            accepted_at: Set(None),
            accepted_by: Set(None),
            name: Set(invitee.name.as_ref().map(|n| n.as_str().to_owned())),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        if let Some(existing) = member_queries::find_by_email(txn, email).await? {
            // Not tied to the network: the invitee cannot see it until they accept.
            notify(
                txn,
                NewNotification {
                    recipient_id: existing.id,
                    kind: NotificationKind::Invited,
                    subject_type: "network",
                    subject_id: self.network_id.get(),
                    network_id: None,
                    actor_id: Some(self.actor.get()),
                    data: serde_json::json!({
                        "network_name": self.network_name,
                        "invitation_id": ApiId(invitation.id),
                        "role": invitee.role,
                    }),
                },
            )
            .await?;
        }
        let link = format!("{}/invitations/{token}", state.config.public_url());
        let message = templates::invitation(
            &self.inviter_name,
            &self.network_name,
            &link,
            &token,
            ttl_days,
        );
        state
            .mailer
            .queue(txn, MailKind::Invitation, email, message)
            .await?;
        Ok(invitation)
    }
}

pub async fn list_pending(
    db: &impl ConnectionTrait,
    actor: MemberId,
    network_id: NetworkId,
    page: &PageQuery,
) -> ApiResult<Page<InvitationView>> {
    network_access(db, actor, network_id)
        .await?
        .require_facilitator()?;
    let page = IdPage::of(page)?;
    let query = invitations::Entity::find()
        .filter(invitations::Column::NetworkId.eq(network_id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(crate::clock::now()));
    let rows = page
        .ascending(query, invitations::Column::Id)
        .all(db)
        .await?;
    Ok(page.page_of(rows, |row| row.id, InvitationView::from))
}

/// The unused, unexpired invitation of `token`: 404 unknown, 409 used or expired.
pub async fn find_usable(txn: &impl ConnectionTrait, token: &str) -> ApiResult<invitations::Model> {
    let invitation = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash_token(token)))
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if invitation.accepted_at.is_some() {
        return Err(ApiError::Conflict(
            "This invitation has already been used.".into(),
        ));
    }
    if invitation.expires_at <= crate::clock::now() {
        return Err(ApiError::Conflict(
            "This invitation has expired; ask for a new one.".into(),
        ));
    }
    Ok(invitation)
}

pub async fn preview(db: &impl ConnectionTrait, token: &str) -> ApiResult<InvitationPreview> {
    let invitation = find_usable(db, token).await?;
    let network = networks::Entity::find_by_id(invitation.network_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let inviter = member_queries::find(db, invitation.invited_by).await?;
    let has_account = member_queries::find_by_email(db, &invitation.email)
        .await?
        .is_some();
    Ok(InvitationPreview {
        network_id: ApiId(network.id),
        network_name: network.name,
        network_description: network.description,
        email: invitation.email,
        role: Role::from_stored(&invitation.role),
        invited_by: inviter.map(|m| m.display_name).unwrap_or_default(),
        expires_at: invitation.expires_at,
        has_account,
        name: invitation.name,
    })
}

/// Marks the invitation used by `member` and adds them to its network, in the caller's
/// transaction. Each token works once, even under concurrent use.
pub async fn redeem(txn: &Tx, token: &str, member: &members::Model) -> ApiResult<(i64, Role)> {
    let invitation = find_usable(txn, token).await?;
    // An invitation is addressed to one person: a forwarded link does not let someone else
    // in (least of all as a facilitator).
    if !member.email.eq_ignore_ascii_case(&invitation.email) {
        return Err(ApiError::Forbidden(
            "This invitation was sent to another email address.",
        ));
    }
    // It speaks for the inviter only while they still facilitate the network.
    let network = networks::Entity::find_by_id(invitation.network_id)
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (inviter_role, _) =
        super::access::effective_role(txn, MemberId(invitation.invited_by), &network).await?;
    if inviter_role != Some(Role::Facilitator) {
        return Err(ApiError::Conflict(
            "This invitation is no longer valid: ask a facilitator for a new one.".into(),
        ));
    }
    let used = invitations::Entity::update_many()
        .col_expr(
            invitations::Column::AcceptedAt,
            Expr::value(crate::clock::now()),
        )
        .col_expr(invitations::Column::AcceptedBy, Expr::value(member.id))
        .filter(invitations::Column::Id.eq(invitation.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .exec(txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(ApiError::Conflict(
            "This invitation has already been used.".into(),
        ));
    }
    let role = add_membership(
        txn,
        NetworkId(invitation.network_id),
        MemberId(member.id),
        Role::from_stored(&invitation.role),
    )
    .await?;
    announce_join(
        txn,
        NetworkId(invitation.network_id),
        MemberId(member.id),
        role,
    )
    .await?;
    Ok((invitation.network_id, role))
}

/// Invitations as account creation sees them (`auth::accounts::Invitations`): registering
/// with a token redeems it here, in the new account's transaction.
pub struct NetworkInvitations;

#[async_trait::async_trait]
impl crate::auth::accounts::Invitations for NetworkInvitations {
    async fn invited_email(&self, db: &DatabaseConnection, token: &str) -> ApiResult<String> {
        Ok(find_usable(db, token).await?.email)
    }

    async fn redeem(
        &self,
        txn: &Tx,
        token: &str,
        member: &members::Model,
    ) -> ApiResult<(i64, Role)> {
        redeem(txn, token, member).await
    }

    async fn link_usable(&self, db: &DatabaseConnection, token: &str) -> ApiResult<()> {
        super::invite_links::usable(db, token).await.map(|_| ())
    }

    async fn join_by_link(
        &self,
        txn: &Tx,
        token: &str,
        member: &members::Model,
    ) -> ApiResult<(i64, Role)> {
        let network = super::invite_links::join_in(txn, MemberId(member.id), token).await?;
        Ok((network.get(), Role::Member))
    }
}

/// Signed in: joins as the current member. Not signed in: creates the account for the
/// invited email from `display_name` + `password`, joins, and signs in.
pub async fn accept(
    state: &AppState,
    signed_in: Option<i64>,
    token: &str,
    input: AcceptInvitation,
) -> ApiResult<AcceptedInvitation> {
    let Some(member_id) = signed_in else {
        return accept_with_new_account(state, token, input).await;
    };
    let txn = Tx::begin(state.db.writer()).await?;
    let member = member_queries::find(&txn, member_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (network_id, role) = redeem(&txn, token, &member).await?;
    txn.commit().await?;
    Ok(AcceptedInvitation {
        network_id: ApiId(network_id),
        role,
        session: None,
    })
}

async fn accept_with_new_account(
    state: &AppState,
    token: &str,
    input: AcceptInvitation,
) -> ApiResult<AcceptedInvitation> {
    let (Some(display_name), Some(password)) = (input.display_name, input.password) else {
        return Err(ApiError::Unauthorized(
            "Sign in to accept, or send display_name and password to create your account.",
        ));
    };
    // The link's holder already knows the invitation (its preview says whether the address
    // has an account), so its problems keep their own answers here.
    let invitation = find_usable(state.db.reader(), token).await?;
    if member_queries::find_by_email(state.db.reader(), &invitation.email)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict(
            "An account with this email exists: sign in to accept.".into(),
        ));
    }
    let created = create_account(
        state,
        NewAccount {
            email: None,
            display_name,
            password,
            invite_token: Some(token.to_owned()),
            invite_link: None,
            timezone: input.timezone,
        },
    )
    .await?;
    let (network_id, role) = created
        .joined
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("an invitation joined nothing")))?;
    Ok(AcceptedInvitation {
        network_id: ApiId(network_id),
        role,
        session: Some(created.session),
    })
}

/// Withdraws a pending invitation; facilitators only.
pub async fn revoke(
    db: &Writer,
    actor: MemberId,
    network_id: NetworkId,
    invitation_id: i64,
) -> ApiResult<()> {
    let txn = Tx::begin(db).await?;
    network_access(&txn, actor, network_id)
        .await?
        .require_facilitator()?;
    let deleted = invitations::Entity::delete_many()
        .filter(invitations::Column::Id.eq(invitation_id))
        .filter(invitations::Column::NetworkId.eq(network_id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}
