//! Creating and changing networks and memberships. Each write commits with its event.

use super::access::{self, network_access, network_summary_access, NetworkAccess, MAX_DEPTH};
use super::model::{parse_network_description, parse_network_name, JoinPolicy, Visibility};
use super::queries;
use super::views::{MembershipView, NetworkView, UnreadTabs, Viewer};
use crate::db::Writer;
use crate::entities::{network_members, networks};
use crate::error::{ApiError, ApiResult};
use crate::events::{EventKind, NewEvent};
use crate::extract::{Page, PageQuery};
use crate::feed::model::FeedKind;
use crate::feed::queries as feed_queries;
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::members::queries as member_queries;
use crate::members::views::{MemberRef, PublicProfile};
use crate::notification_level::NotificationLevel;
use crate::paging::IdPage;
use crate::role::Role;
use crate::tags::Tag;
use crate::tx::Tx;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNetwork {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub visibility: Visibility,
    /// Defaults to `open` for listed networks and `invite` for private ones.
    pub join_policy: Option<JoinPolicy>,
    /// Makes it a sub-network; requires facilitating the parent.
    pub parent_id: Option<ApiId>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateNetwork {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<Visibility>,
    pub join_policy: Option<JoinPolicy>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMembership {
    pub role: Role,
}

/// Builds the caller's view of a network.
pub async fn view(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    network: &networks::Model,
    role: Option<Role>,
) -> ApiResult<NetworkView> {
    let membership = network_members::Entity::find_by_id((network.id, member_id.get()))
        .one(db)
        .await?;
    let count = queries::member_counts(db, &[network.id])
        .await?
        .remove(&network.id)
        .unwrap_or(0);
    let parent_id = access::visible_parent_id(db, member_id, network).await?;
    let unread = unread_tabs(db, member_id, &[network.id])
        .await?
        .remove(&network.id)
        .unwrap_or_default();
    Ok(NetworkView::new(
        network,
        Viewer {
            role,
            is_member: membership.is_some(),
            notification_level: membership
                .map(|m| NotificationLevel::from_stored(&m.notification_level)),
        },
        count,
    )
    .with_parent(parent_id)
    .with_unread(unread, true))
}

/// The caller's unread things per tab of each of `networks` they may read.
async fn unread_tabs(
    db: &impl ConnectionTrait,
    member_id: MemberId,
    networks: &[i64],
) -> Result<HashMap<i64, UnreadTabs>, sea_orm::DbErr> {
    let mut tabs: HashMap<i64, UnreadTabs> = HashMap::new();
    for ((network, kind), count) in feed_queries::unread_counts(db, member_id, networks).await? {
        let tab = tabs.entry(network).or_default();
        match kind {
            FeedKind::Thread => tab.threads = count,
            FeedKind::HelpRequest => tab.help_requests = count,
            FeedKind::Resource => tab.resources = count,
            FeedKind::Poll => tab.polls = count,
            FeedKind::Convening | FeedKind::Initiative | FeedKind::Test => {}
        }
    }
    Ok(tabs)
}

pub async fn create(db: &Writer, actor: MemberId, input: CreateNetwork) -> ApiResult<NetworkView> {
    let name = parse_network_name(&input.name)?;
    let description = parse_network_description(&input.description)?;
    let join_policy = input.join_policy.unwrap_or(match input.visibility {
        Visibility::Listed => JoinPolicy::Open,
        Visibility::Private => JoinPolicy::Invite,
    });
    let txn = Tx::begin(db).await?;
    match input.parent_id {
        Some(ApiId(parent_id)) => {
            network_access(&txn, actor, NetworkId(parent_id))
                .await?
                .require_facilitator()?;
            if access::depth_of(&txn, NetworkId(parent_id)).await? >= MAX_DEPTH {
                return Err(ApiError::invalid(
                    "parent_id",
                    format!("networks nest at most {MAX_DEPTH} deep"),
                ));
            }
        }
        None => {
            if !access::is_admin(&txn, actor).await? {
                return Err(ApiError::Forbidden(
                    "Only instance admins create top-level networks; facilitators create sub-networks.",
                ));
            }
        }
    }
    let now = crate::clock::now();
    let network = networks::ActiveModel {
        parent_id: Set(input.parent_id.map(|id| id.0)),
        name: Set(name),
        description: Set(description),
        visibility: Set(input.visibility.as_str().to_owned()),
        join_policy: Set(join_policy.as_str().to_owned()),
        created_by: Set(actor.get()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    add_membership(&txn, NetworkId(network.id), actor, Role::Facilitator).await?;
    let view = view(&txn, actor, &network, Some(Role::Facilitator)).await?;
    txn.emit(NewEvent::in_network(
        EventKind::NetworkCreated,
        network.id,
        actor.get(),
        &public_view(&view),
    ));
    txn.commit().await?;
    Ok(view)
}

/// The network as anyone would see it, for event payloads (no caller-specific fields).
fn public_view(view: &NetworkView) -> NetworkView {
    NetworkView {
        is_member: false,
        role: None,
        notification_level: None,
        unread_count: 0,
        unread: None,
        ..view.clone()
    }
}

pub async fn update(
    db: &Writer,
    actor: MemberId,
    network_id: NetworkId,
    input: UpdateNetwork,
) -> ApiResult<NetworkView> {
    let name = input.name.as_deref().map(parse_network_name).transpose()?;
    let description = input
        .description
        .as_deref()
        .map(parse_network_description)
        .transpose()?;
    let txn = Tx::begin(db).await?;
    let access = network_access(&txn, actor, network_id).await?;
    access.require_facilitator()?;
    let mut active: networks::ActiveModel = access.network.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(description) = description {
        active.description = Set(description);
    }
    if let Some(visibility) = input.visibility {
        active.visibility = Set(visibility.as_str().to_owned());
    }
    if let Some(join_policy) = input.join_policy {
        active.join_policy = Set(join_policy.as_str().to_owned());
    }
    active.updated_at = Set(crate::clock::now());
    let network = active.update(&txn).await?;
    let view = view(&txn, actor, &network, Some(access.role)).await?;
    txn.emit(NewEvent::in_network(
        EventKind::NetworkUpdated,
        network.id,
        actor.get(),
        &public_view(&view),
    ));
    txn.commit().await?;
    Ok(view)
}

pub async fn get(
    db: &impl ConnectionTrait,
    actor: MemberId,
    network_id: NetworkId,
) -> ApiResult<NetworkView> {
    let (network, role, _) = network_summary_access(db, actor, network_id).await?;
    view(db, actor, &network, role).await
}

pub async fn list(
    db: &impl ConnectionTrait,
    actor: MemberId,
    page: &PageQuery,
) -> ApiResult<Page<NetworkView>> {
    let page = IdPage::of(page)?;
    let is_admin = access::is_admin(db, actor).await?;
    let rows = queries::list_for_member(db, actor, is_admin, page).await?;
    let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
    let counts = queries::member_counts(db, &ids).await?;
    let memberships = queries::memberships_of(db, actor).await?;
    let unread = unread_tabs(db, actor, &ids).await?;
    let mut parents = std::collections::HashMap::new();
    for network in rows.iter().filter(|n| n.parent_id.is_some()) {
        parents.insert(
            network.id,
            access::visible_parent_id(db, actor, network).await?,
        );
    }
    Ok(page.page_of(
        rows,
        |n| n.id,
        |network| {
            let parent_id = parents.get(&network.id).copied().flatten();
            let membership = memberships.get(&network.id);
            let role = membership
                .map(|m| Role::from_stored(&m.role))
                .or(is_admin.then_some(Role::Facilitator));
            NetworkView::new(
                &network,
                Viewer {
                    role,
                    is_member: membership.is_some(),
                    notification_level: membership
                        .map(|m| NotificationLevel::from_stored(&m.notification_level)),
                },
                counts.get(&network.id).copied().unwrap_or(0),
            )
            .with_parent(parent_id)
            .with_unread(unread.get(&network.id).copied().unwrap_or_default(), false)
        },
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Only members with this expertise tag.
    pub expertise: Option<String>,
    /// Only members whose handle, or a word of whose display name, starts with this
    /// (case-insensitive; a leading `@` is ignored): the composer's mention autocomplete.
    /// At most 80 characters. With it, `limit` defaults to 10.
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// With `?q=`, a page is what fits beside the composer, unless the client asks for more.
const SUGGESTIONS_PER_PAGE: u32 = 10;

/// `?q=` as a lowercase prefix, or `None` for every member (absent, blank or just `@`).
fn name_prefix(q: Option<&str>) -> ApiResult<Option<String>> {
    let Some(q) = q else { return Ok(None) };
    let q = q.trim();
    let q = q.strip_prefix('@').unwrap_or(q);
    if q.chars().count() > 80 {
        return Err(ApiError::invalid("q", "must be at most 80 characters"));
    }
    if q.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "q",
            "must not contain control characters",
        ));
    }
    Ok((!q.is_empty()).then(|| q.to_lowercase()))
}

pub async fn list_members(
    db: &impl ConnectionTrait,
    actor: MemberId,
    network_id: NetworkId,
    query: MembersQuery,
) -> ApiResult<Page<MembershipView>> {
    let access = network_access(db, actor, network_id).await?;
    let prefix = name_prefix(query.q.as_deref())?;
    let page = PageQuery {
        limit: query
            .limit
            .or(prefix.as_ref().map(|_| SUGGESTIONS_PER_PAGE)),
        cursor: query.cursor,
    };
    let page = IdPage::of(&page)?;
    let expertise = query
        .expertise
        .as_deref()
        .map(Tag::parse)
        .transpose()
        .map_err(|message| ApiError::invalid("expertise", message))?;
    let rows = queries::members_page(
        db,
        network_id,
        expertise.as_ref().map(Tag::as_str),
        prefix.as_deref(),
        page,
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|m| m.member_id).collect();
    let mut people = member_queries::find_many(db, &ids).await?;
    let mut expertise = member_queries::expertise_of_many(db, &ids).await?;
    let show_email = access.is_facilitator();
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|m| people.contains_key(&m.member_id))
        .collect();
    Ok(page.page_of(
        rows,
        |m| m.member_id,
        |membership| {
            let person = people
                .remove(&membership.member_id)
                .expect("filtered above");
            MembershipView {
                email: show_email.then(|| person.email.clone()),
                member: PublicProfile::new(
                    &person,
                    expertise.remove(&membership.member_id).unwrap_or_default(),
                ),
                role: Role::from_stored(&membership.role),
                joined_at: membership.joined_at,
            }
        },
    ))
}

/// Adds (or, if already a member, upgrades to at least `role`) a membership.
pub async fn add_membership(
    txn: &impl ConnectionTrait,
    network_id: NetworkId,
    member_id: MemberId,
    role: Role,
) -> ApiResult<Role> {
    if insert_membership(txn, network_id, member_id, role).await? {
        return Ok(role);
    }
    let existing = network_members::Entity::find_by_id((network_id.get(), member_id.get()))
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let current = Role::from_stored(&existing.role);
    if role > current {
        let mut active: network_members::ActiveModel = existing.into();
        active.role = Set(role.as_str().to_owned());
        active.update(txn).await?;
        return Ok(role);
    }
    Ok(current)
}

/// Makes `member_id` a member of `network_id` with `role` unless they already are one:
/// whether this made them one. Insert-or-nothing, so a double-clicked join or a join racing
/// an invitation cannot trip the primary key (on PostgreSQL the second waits for the first
/// to commit, then inserts nothing).
pub async fn insert_membership(
    txn: &impl ConnectionTrait,
    network_id: NetworkId,
    member_id: MemberId,
    role: Role,
) -> ApiResult<bool> {
    let inserted = network_members::Entity::insert(network_members::ActiveModel {
        network_id: Set(network_id.get()),
        member_id: Set(member_id.get()),
        role: Set(role.as_str().to_owned()),
        notification_level: Set(NotificationLevel::Normal.as_str().to_owned()),
        joined_at: Set(crate::clock::now()),
    })
    .on_conflict(
        OnConflict::columns([
            network_members::Column::NetworkId,
            network_members::Column::MemberId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(inserted == 1)
}

/// Emits `member.joined` for a new or re-confirmed membership.
pub async fn announce_join(
    txn: &Tx,
    network_id: NetworkId,
    member_id: MemberId,
    role: Role,
) -> ApiResult<()> {
    let member = member_queries::find(txn, member_id.get())
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.emit(NewEvent::in_network(
            EventKind::MemberJoined,
            network_id.get(),
            member_id.get(),
            &serde_json::json!({ "network_id": ApiId(network_id.get()), "member": MemberRef::from(&member), "role": role }),
        ).about(member_id.get()));
    Ok(())
}

/// `POST /networks/{id}/join`: listed networks with open joining only.
pub async fn join(db: &Writer, actor: MemberId, network_id: NetworkId) -> ApiResult<NetworkView> {
    let txn = Tx::begin(db).await?;
    let (network, role, is_direct_member) = network_summary_access(&txn, actor, network_id).await?;
    if is_direct_member {
        return view(&txn, actor, &network, role).await;
    }
    if JoinPolicy::from_stored(&network.join_policy) != JoinPolicy::Open
        || Visibility::from_stored(&network.visibility) != Visibility::Listed
    {
        return Err(ApiError::Forbidden("This network is joined by invitation."));
    }
    let joined = add_membership(&txn, network_id, actor, Role::Member).await?;
    announce_join(&txn, network_id, actor, joined).await?;
    let view = view(&txn, actor, &network, role.max(Some(joined))).await?;
    txn.commit().await?;
    Ok(view)
}

async fn membership_for_change(
    access: &NetworkAccess,
    txn: &impl ConnectionTrait,
    member_id: MemberId,
) -> ApiResult<network_members::Model> {
    network_members::Entity::find_by_id((access.network.id, member_id.get()))
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A network's last facilitator stays one, so that someone runs it: they may not step down
/// or leave, nor be removed or demoted by a parent network's facilitator. Instance admins,
/// who facilitate every network anyway, still may. Callers hold the network's lock
/// (`queries::lock_network`) from before they read anything, so two facilitators demoting
/// each other at once take turns and the second is refused.
async fn ensure_not_last_facilitator(
    txn: &impl ConnectionTrait,
    access: &NetworkAccess,
    actor: MemberId,
    membership: &network_members::Model,
) -> ApiResult<()> {
    if access.is_instance_admin
        || Role::from_stored(&membership.role) != Role::Facilitator
        || queries::facilitator_count(txn, NetworkId(membership.network_id)).await? > 1
    {
        return Ok(());
    }
    let who = if membership.member_id == actor.get() {
        "You are"
    } else {
        "They are"
    };
    Err(ApiError::Conflict(format!(
        "{who} the last facilitator of this network, and a network needs one to run it: \
         make someone else a facilitator first."
    )))
}

pub async fn change_role(
    db: &Writer,
    actor: MemberId,
    network_id: NetworkId,
    member_id: MemberId,
    input: UpdateMembership,
) -> ApiResult<MembershipView> {
    let txn = Tx::begin(db).await?;
    queries::lock_network(&txn, network_id).await?;
    let access = network_access(&txn, actor, network_id).await?;
    access.require_facilitator()?;
    let membership = membership_for_change(&access, &txn, member_id).await?;
    if input.role == Role::Member {
        ensure_not_last_facilitator(&txn, &access, actor, &membership).await?;
    }
    let mut active: network_members::ActiveModel = membership.into();
    active.role = Set(input.role.as_str().to_owned());
    let membership = active.update(&txn).await?;
    // A demoted facilitator may have seen private sub-networks only through the role.
    if input.role == Role::Member {
        queries::forget_unseen_thread_state(&txn, member_id).await?;
    }
    let person = member_queries::find(&txn, member_id.get())
        .await?
        .ok_or(ApiError::NotFound)?;
    let expertise = member_queries::expertise_of(&txn, member_id.get()).await?;
    txn.emit(NewEvent::in_network(
            EventKind::MemberUpdated,
            network_id.get(),
            actor.get(),
            &serde_json::json!({ "network_id": ApiId(network_id.get()), "member": MemberRef::from(&person), "role": input.role }),
        ).about(member_id.get()));
    txn.commit().await?;
    Ok(MembershipView {
        email: Some(person.email.clone()),
        member: PublicProfile::new(&person, expertise),
        role: input.role,
        joined_at: membership.joined_at,
    })
}

/// Facilitators remove anyone; members remove themselves (leave).
pub async fn remove_member(
    db: &Writer,
    actor: MemberId,
    network_id: NetworkId,
    member_id: MemberId,
) -> ApiResult<()> {
    let txn = Tx::begin(db).await?;
    queries::lock_network(&txn, network_id).await?;
    let access = network_access(&txn, actor, network_id).await?;
    if actor != member_id {
        access.require_facilitator()?;
    }
    let membership = membership_for_change(&access, &txn, member_id).await?;
    ensure_not_last_facilitator(&txn, &access, actor, &membership).await?;
    network_members::Entity::delete_by_id((network_id.get(), member_id.get()))
        .exec(&txn)
        .await?;
    queries::forget_unseen_thread_state(&txn, member_id).await?;
    txn.emit(
        NewEvent::in_network(
            EventKind::MemberRemoved,
            network_id.get(),
            actor.get(),
            &serde_json::json!({ "network_id": ApiId(network_id.get()), "member_id": ApiId(member_id.get()) }),
        )
        .about(member_id.get()),
    );
    txn.commit().await?;
    Ok(())
}

/// The caller's follow level for a whole network (a direct membership is needed).
pub async fn set_notification_level(
    db: &Writer,
    actor: MemberId,
    network_id: NetworkId,
    level: NotificationLevel,
) -> ApiResult<NotificationLevel> {
    let txn = Tx::begin(db).await?;
    let access = network_access(&txn, actor, network_id).await?;
    let membership = match membership_for_change(&access, &txn, actor).await {
        Err(ApiError::NotFound) => {
            return Err(ApiError::Forbidden("Join the network to follow it."))
        }
        other => other?,
    };
    let mut active: network_members::ActiveModel = membership.into();
    active.notification_level = Set(level.as_str().to_owned());
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(level)
}
