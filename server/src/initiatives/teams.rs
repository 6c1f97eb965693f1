//! The teams doing an initiative's work (one per school or district office) and who is on
//! them. Facilitators form and change teams; anyone in the network sees them.

use super::permissions::{require_active, require_network_members, require_steering};
use super::queries;
use super::views::TeamView;
use crate::db::Writer;
use crate::entities::{initiative_team_members, initiative_teams, initiatives};
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::events::{EventKind, NewEvent};
use crate::ids::{ApiId, MemberId};
use crate::networks::access::{load, load_for_update};
use crate::text::{BoundedText, Title};
use crate::tx::Tx;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;

const NAME_MAX_CHARS: usize = 120;
const ORGANIZATION_MAX_CHARS: usize = 200;
/// More than any school team; bounds the work one request can ask for.
const MAX_TEAM_MEMBERS: usize = 200;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    /// "Lehman HS".
    pub name: String,
    pub organization: Option<String>,
    /// Members of the network.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub member_ids: Vec<ApiId>,
}

/// Facilitators; every field optional. `member_ids` replaces the team's members.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeam {
    pub name: Option<String>,
    /// An empty string clears it.
    pub organization: Option<String>,
    #[schema(value_type = Option<Vec<String>>)]
    pub member_ids: Option<Vec<ApiId>>,
}

fn parse_name(raw: &str) -> ApiResult<Title> {
    Title::parse_as("name", raw, NAME_MAX_CHARS)
}

fn parse_organization(raw: &str) -> ApiResult<Option<String>> {
    let text = BoundedText::parse("organization", raw, ORGANIZATION_MAX_CHARS)?;
    Ok((!text.is_empty()).then(|| text.into_string()))
}

fn distinct_ids(ids: &[ApiId]) -> ApiResult<Vec<i64>> {
    let mut ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_TEAM_MEMBERS {
        return Err(ApiError::invalid(
            "member_ids",
            format!("a team has at most {MAX_TEAM_MEMBERS} members"),
        ));
    }
    Ok(ids)
}

async fn replace_members(txn: &Tx, team_id: i64, member_ids: &[i64]) -> ApiResult<()> {
    let existing: Vec<i64> = queries::team_member_ids(txn, &[team_id])
        .await?
        .remove(&team_id)
        .unwrap_or_default();
    let leaving: Vec<i64> = existing
        .iter()
        .copied()
        .filter(|id| !member_ids.contains(id))
        .collect();
    if !leaving.is_empty() {
        initiative_team_members::Entity::delete_many()
            .filter(initiative_team_members::Column::TeamId.eq(team_id))
            .filter(initiative_team_members::Column::MemberId.is_in(leaving))
            .exec(txn)
            .await?;
    }
    let now = crate::clock::now();
    for member in member_ids.iter().filter(|id| !existing.contains(id)) {
        initiative_team_members::ActiveModel {
            team_id: Set(team_id),
            member_id: Set(*member),
            added_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

async fn announce(
    txn: &Tx,
    kind: EventKind,
    actor: MemberId,
    team: &initiative_teams::Model,
) -> ApiResult<TeamView> {
    let view = queries::team_views(txn, std::slice::from_ref(team))
        .await?
        .remove(0);
    txn.emit(NewEvent::in_network(kind, team.network_id, actor.get(), &view).about(team.id));
    Ok(view)
}

pub async fn create(
    db: &Writer,
    actor: MemberId,
    initiative_id: i64,
    input: CreateTeam,
) -> ApiResult<TeamView> {
    let mut fields = FieldCollector::default();
    let name = fields.take(parse_name(&input.name));
    let organization = fields.take(
        input
            .organization
            .as_deref()
            .map(parse_organization)
            .transpose(),
    );
    let member_ids = fields.take(distinct_ids(&input.member_ids));
    fields.finish()?;
    let (Some(name), Some(organization), Some(member_ids)) = (name, organization, member_ids)
    else {
        unreachable!("every field parsed when none was rejected")
    };

    let txn = Tx::begin(db).await?;
    let (initiative, access) =
        load_for_update::<initiatives::Entity>(&txn, actor, initiative_id).await?;
    require_steering(&access)?;
    require_active(&initiative)?;
    require_network_members(&txn, initiative.network_id, &member_ids).await?;
    let now = crate::clock::now();
    let team = initiative_teams::ActiveModel {
        initiative_id: Set(initiative.id),
        network_id: Set(initiative.network_id),
        name: Set(name.into_string()),
        organization: Set(organization.flatten()),
        baseline_from: Set(None),
        bright_since: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    replace_members(&txn, team.id, &member_ids).await?;
    let view = announce(&txn, EventKind::TeamCreated, actor, &team).await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    initiative_id: i64,
) -> ApiResult<Vec<TeamView>> {
    load::<initiatives::Entity>(db, viewer, initiative_id).await?;
    let teams = queries::teams(db, initiative_id).await?;
    Ok(queries::team_views(db, &teams).await?)
}

pub async fn update(
    db: &Writer,
    actor: MemberId,
    team_id: i64,
    input: UpdateTeam,
) -> ApiResult<TeamView> {
    let mut fields = FieldCollector::default();
    let name = fields.take(input.name.as_deref().map(parse_name).transpose());
    let organization = fields.take(
        input
            .organization
            .as_deref()
            .map(parse_organization)
            .transpose(),
    );
    let member_ids = fields.take(input.member_ids.as_deref().map(distinct_ids).transpose());
    fields.finish()?;
    let (name, organization, member_ids) =
        (name.flatten(), organization.flatten(), member_ids.flatten());

    let txn = Tx::begin(db).await?;
    let (team, access) = load_for_update::<initiative_teams::Entity>(&txn, actor, team_id).await?;
    require_steering(&access)?;
    let initiative = initiative_of(&txn, &team).await?;
    require_active(&initiative)?;
    if let Some(member_ids) = &member_ids {
        require_network_members(&txn, team.network_id, member_ids).await?;
        replace_members(&txn, team.id, member_ids).await?;
    }
    let mut active: initiative_teams::ActiveModel = team.into();
    if let Some(name) = name {
        active.name = Set(name.into_string());
    }
    if let Some(organization) = organization {
        active.organization = Set(organization);
    }
    active.updated_at = Set(crate::clock::now());
    let team = active.update(&txn).await?;
    let view = announce(&txn, EventKind::TeamUpdated, actor, &team).await?;
    txn.commit().await?;
    Ok(view)
}

/// Takes a team off the initiative: its chart and check-ins leave the network chart; its
/// tests of change stay readable where other teams adopted them.
pub async fn delete(db: &Writer, actor: MemberId, team_id: i64) -> ApiResult<()> {
    let txn = Tx::begin(db).await?;
    let (team, access) = load_for_update::<initiative_teams::Entity>(&txn, actor, team_id).await?;
    require_steering(&access)?;
    let now = crate::clock::now();
    let mut active: initiative_teams::ActiveModel = team.into();
    active.deleted_at = Set(Some(now));
    active.updated_at = Set(now);
    let team = active.update(&txn).await?;
    txn.emit(
        NewEvent::in_network(
            EventKind::TeamDeleted,
            team.network_id,
            actor.get(),
            &serde_json::json!({ "id": ApiId(team.id), "initiative_id": ApiId(team.initiative_id) }),
        )
        .about(team.id),
    );
    txn.commit().await?;
    Ok(())
}

pub async fn initiative_of(
    db: &impl ConnectionTrait,
    team: &initiative_teams::Model,
) -> ApiResult<initiatives::Model> {
    initiatives::Entity::find_by_id(team.initiative_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}
