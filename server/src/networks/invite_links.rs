//! Invitation links: a facilitator makes a link to share in a meeting or a message, and
//! anyone signed in who opens it joins the network as a member, until it expires, reaches
//! its use limit or is revoked. Unlike an invitation it names nobody, so it never grants
//! more than membership, and it speaks for its maker only while they still facilitate the
//! network. Only the token's hash is stored: the link is shown once, when it is made.

use super::access::{effective_role, network_access, network_summary_access};
use super::service::{announce_join, insert_membership, view};
use super::views::NetworkView;
use crate::auth::tokens::hash_token;
use crate::entities::{invite_links, networks};
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::extract::{Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::paging::IdPage;
use crate::random::random_token;
use crate::role::Role;
use crate::tx::Tx;
use crate::AppState;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

/// The most uses a link may be given: a network, not the public.
pub const MAX_USES: i32 = 10_000;

/// Body of `POST /networks/{id}/invite-links`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInviteLink {
    /// When it stops working; none: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
    /// How many people may join with it (1 to 10,000); none: no limit.
    pub max_uses: Option<i32>,
    /// Always `member`: a link names nobody, so it never makes a facilitator.
    pub role: Option<Role>,
}

/// An invitation link as its network's facilitators see it. `token` and `url` are present
/// only in the answer that made it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InviteLinkView {
    pub id: ApiId,
    pub network_id: ApiId,
    pub role: Role,
    pub created_by: ApiId,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether someone could join with it now.
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What the holder of a link sees before joining.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InviteLinkPreview {
    pub network_id: ApiId,
    pub network_name: String,
    pub network_description: String,
    pub invited_by: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a link that reached its use limit answers.
const USED_UP: &str =
    "This invitation link has been used as many times as it allows; ask a facilitator for a new one.";

/// Why a link no longer lets anyone in, if it does not.
fn unusable(link: &invite_links::Model, now: DateTime<Utc>) -> Option<&'static str> {
    if link.revoked_at.is_some() {
        Some("This invitation link was revoked; ask a facilitator for a new one.")
    } else if link.expires_at.is_some_and(|at| at <= now) {
        Some("This invitation link has expired; ask a facilitator for a new one.")
    } else if link.max_uses.is_some_and(|max| link.uses >= max) {
        Some(USED_UP)
    } else {
        None
    }
}

fn view_of(link: invite_links::Model, now: DateTime<Utc>) -> InviteLinkView {
    InviteLinkView {
        active: unusable(&link, now).is_none(),
        id: ApiId(link.id),
        network_id: ApiId(link.network_id),
        role: Role::from_stored(&link.role),
        created_by: ApiId(link.created_by),
        created_at: link.created_at,
        expires_at: link.expires_at,
        max_uses: link.max_uses,
        uses: link.uses,
        revoked_at: link.revoked_at,
        token: None,
        url: None,
    }
}

/// A link's settings, checked together.
struct LinkSettings {
    expires_at: Option<DateTime<Utc>>,
    max_uses: Option<i32>,
}

impl LinkSettings {
    fn parse(input: CreateInviteLink, now: DateTime<Utc>) -> ApiResult<LinkSettings> {
        let mut fields = FieldCollector::default();
        if input.expires_at.is_some_and(|at| at <= now) {
            fields.reject("expires_at", "must be in the future");
        }
        if input
            .max_uses
            .is_some_and(|max| !(1..=MAX_USES).contains(&max))
        {
            fields.reject("max_uses", "must be between 1 and 10000");
        }
        if input.role.is_some_and(|role| role != Role::Member) {
            fields.reject(
                "role",
                "must be member: a link names nobody, so invite facilitators by email",
            );
        }
        fields.finish()?;
        Ok(LinkSettings {
            expires_at: input.expires_at,
            max_uses: input.max_uses,
        })
    }
}

/// Makes a link; facilitators only. The answer is the only time its token is shown.
pub async fn create(
    state: &AppState,
    actor: MemberId,
    network_id: NetworkId,
    input: CreateInviteLink,
) -> ApiResult<InviteLinkView> {
    let now = crate::clock::now();
    let txn = Tx::begin(state.db.writer()).await?;
    network_access(&txn, actor, network_id)
        .await?
        .require_facilitator()?;
    let settings = LinkSettings::parse(input, now)?;
    let token = random_token();
    let link = invite_links::ActiveModel {
        network_id: Set(network_id.get()),
        token_hash: Set(hash_token(&token)),
        role: Set(Role::Member.as_str().to_owned()),
        created_by: Set(actor.get()),
        created_at: Set(now),
        expires_at: Set(settings.expires_at),
        max_uses: Set(settings.max_uses),
        uses: Set(0),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    let url = format!("{}/join/{token}", state.config.public_url());
    Ok(InviteLinkView {
        token: Some(token),
        url: Some(url),
        ..view_of(link, now)
    })
}

/// A network's links, newest first, revoked and expired ones included (they say so);
/// facilitators only.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: MemberId,
    network_id: NetworkId,
    page: &PageQuery,
) -> ApiResult<Page<InviteLinkView>> {
    network_access(db, actor, network_id)
        .await?
        .require_facilitator()?;
    let page = IdPage::of(page)?;
    let query =
        invite_links::Entity::find().filter(invite_links::Column::NetworkId.eq(network_id.get()));
    let rows = page
        .descending(query, invite_links::Column::Id)
        .all(db)
        .await?;
    let now = crate::clock::now();
    Ok(page.page_of(rows, |row| row.id, |row| view_of(row, now)))
}

/// Revokes link `id` of whichever network it belongs to, if the caller facilitates that
/// network (404 otherwise, as for anything they cannot manage). Revoking twice is fine.
pub async fn revoke(state: &AppState, actor: MemberId, id: i64) -> ApiResult<()> {
    let txn = Tx::begin(state.db.writer()).await?;
    let link = invite_links::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let access = network_access(&txn, actor, NetworkId(link.network_id)).await?;
    if !access.is_facilitator() {
        return Err(ApiError::NotFound);
    }
    if link.revoked_at.is_none() {
        let mut active: invite_links::ActiveModel = link.into();
        active.revoked_at = Set(Some(crate::clock::now()));
        active.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The link of `token` and its network: 404 unknown; 410 when it no longer works, its
/// maker included no longer facilitating the network.
pub async fn usable(
    db: &impl ConnectionTrait,
    token: &str,
) -> ApiResult<(invite_links::Model, networks::Model)> {
    usable_link(db, find(db, token).await?).await
}

/// The link of `token`, working or not: 404 unknown.
async fn find(db: &impl ConnectionTrait, token: &str) -> ApiResult<invite_links::Model> {
    invite_links::Entity::find()
        .filter(invite_links::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `link` and its network, if it still lets people in (410 otherwise).
async fn usable_link(
    db: &impl ConnectionTrait,
    link: invite_links::Model,
) -> ApiResult<(invite_links::Model, networks::Model)> {
    if let Some(why) = unusable(&link, crate::clock::now()) {
        return Err(ApiError::Gone(why));
    }
    let network = networks::Entity::find_by_id(link.network_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (maker_role, _) = effective_role(db, MemberId(link.created_by), &network).await?;
    if maker_role != Some(Role::Facilitator) {
        return Err(ApiError::Gone(
            "This invitation link is no longer valid; ask a facilitator for a new one.",
        ));
    }
    Ok((link, network))
}

pub async fn preview(db: &impl ConnectionTrait, token: &str) -> ApiResult<InviteLinkPreview> {
    let (link, network) = usable(db, token).await?;
    let maker = crate::members::queries::find(db, link.created_by).await?;
    Ok(InviteLinkPreview {
        network_id: ApiId(network.id),
        network_name: network.name,
        network_description: network.description,
        invited_by: maker.map(|m| m.display_name).unwrap_or_default(),
        expires_at: link.expires_at,
    })
}

/// How joining by a link ended.
pub enum Joined {
    /// A member now, by this link (it counted one use).
    Now(NetworkView),
    /// A member already: nothing changed, no use counted.
    Already(NetworkView),
}

/// Joins the link's network as `actor`, counting one use. A member already (of its
/// network, directly) is told so whether or not the link still works, and nothing is
/// counted.
pub async fn join(state: &AppState, actor: MemberId, token: &str) -> ApiResult<Joined> {
    let txn = Tx::begin(state.db.writer()).await?;
    let link = find(&txn, token).await?;
    let network_id = NetworkId(link.network_id);
    if let Some(already) = member_already(&txn, actor, network_id).await? {
        return Ok(Joined::Already(already));
    }
    let (link, _) = usable_link(&txn, link).await?;
    if !count_and_join(&txn, &link, actor).await? {
        // Joined a moment ago by a request that raced this one.
        let already = member_already(&txn, actor, network_id).await?;
        return already.map(Joined::Already).ok_or(ApiError::NotFound);
    }
    let (network, role, _) = network_summary_access(&txn, actor, network_id).await?;
    let joined = view(&txn, actor, &network, role).await?;
    txn.commit().await?;
    Ok(Joined::Now(joined))
}

/// The network as `actor` sees it, if they are a direct member of it.
async fn member_already(
    txn: &Tx,
    actor: MemberId,
    network_id: NetworkId,
) -> ApiResult<Option<NetworkView>> {
    match network_summary_access(txn, actor, network_id).await {
        Ok((network, role, true)) => Ok(Some(view(txn, actor, &network, role).await?)),
        Ok(_) | Err(ApiError::NotFound) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Joins the network of the link of `token` as `actor` in `txn` (an account made with the
/// link): its network.
pub async fn join_in(txn: &Tx, actor: MemberId, token: &str) -> ApiResult<NetworkId> {
    let (link, _) = usable(txn, token).await?;
    count_and_join(txn, &link, actor).await?;
    Ok(NetworkId(link.network_id))
}

/// Makes `actor` a member of `link`'s network and counts one use, or does neither: false
/// when they already were a member (nothing counted). The membership goes in first, so two
/// joins of one person at once count once; each use is counted once even when the last
/// ones are taken at the same moment, as the count only moves while under the limit (a
/// refusal rolls the membership back with the transaction).
async fn count_and_join(txn: &Tx, link: &invite_links::Model, actor: MemberId) -> ApiResult<bool> {
    let network_id = NetworkId(link.network_id);
    if !insert_membership(txn, network_id, actor, Role::Member).await? {
        return Ok(false);
    }
    let mut counted = invite_links::Entity::update_many()
        .col_expr(
            invite_links::Column::Uses,
            Expr::col(invite_links::Column::Uses).add(1),
        )
        .filter(invite_links::Column::Id.eq(link.id))
        .filter(invite_links::Column::RevokedAt.is_null());
    if let Some(max) = link.max_uses {
        counted = counted.filter(invite_links::Column::Uses.lt(max));
    }
    if counted.exec(txn).await?.rows_affected != 1 {
        return Err(ApiError::Gone(USED_UP));
    }
    announce_join(txn, network_id, actor, Role::Member).await?;
    Ok(true)
}
