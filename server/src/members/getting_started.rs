//! A new instance's first-run checklist for its admins: make a network, bring people in,
//! start a discussion, choose the digest. Each step is read from what exists, so it ticks
//! itself off however it was done (the API, the client, the demo seed), and the checklist
//! is gone once every step is.

use crate::entities::{invitations, invite_links, members, network_members, networks, threads};
use crate::error::ApiResult;
use crate::ids::{ApiId, MemberId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKey {
    CreateNetwork,
    InvitePeople,
    StartDiscussion,
    ChooseDigest,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub key: StepKey,
    pub title: &'static str,
    pub done: bool,
    /// Where to do it (a web address of the client).
    pub url: String,
}

/// `GET /me/getting-started`. For anyone but an instance admin it is empty and done.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GettingStarted {
    pub steps: Vec<Step>,
    /// Every step done (or nothing asked of this member): the client shows nothing.
    pub done: bool,
    /// The first network made, which the later steps happen in.
    pub network_id: Option<ApiId>,
}

pub async fn checklist(db: &impl ConnectionTrait, member: MemberId) -> ApiResult<GettingStarted> {
    let me = members::Entity::find_by_id(member.get()).one(db).await?;
    let Some(me) = me.filter(|m| m.is_admin) else {
        return Ok(GettingStarted {
            steps: Vec::new(),
            done: true,
            network_id: None,
        });
    };
    let first_network: Option<i64> = networks::Entity::find()
        .select_only()
        .column(networks::Column::Id)
        .order_by_asc(networks::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    // Whether any row is there, not how many: one row read at most, however big the
    // instance has grown.
    let invited = invitations::Entity::find().one(db).await?.is_some()
        || invite_links::Entity::find().one(db).await?.is_some()
        || network_members::Entity::find()
            .filter(network_members::Column::MemberId.ne(me.id))
            .one(db)
            .await?
            .is_some();
    let discussed = threads::Entity::find()
        .filter(threads::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .is_some();
    let network_page = |tab: &str| match first_network {
        Some(id) => format!("/networks/{id}{tab}"),
        None => "/".to_owned(),
    };
    let steps = vec![
        Step {
            key: StepKey::CreateNetwork,
            title: "Create your first network",
            done: first_network.is_some(),
            url: "/#create-network".to_owned(),
        },
        Step {
            key: StepKey::InvitePeople,
            title: "Invite the people who belong in it",
            done: invited,
            url: network_page("/members"),
        },
        Step {
            key: StepKey::StartDiscussion,
            title: "Start the first discussion",
            done: discussed,
            url: network_page(""),
        },
        Step {
            key: StepKey::ChooseDigest,
            title: "Choose when your digest email comes",
            done: me.digest_chosen_at.is_some(),
            url: "/settings#digest-heading".to_owned(),
        },
    ];
    Ok(GettingStarted {
        done: steps.iter().all(|s| s.done),
        steps,
        network_id: first_network.map(ApiId),
    })
}
