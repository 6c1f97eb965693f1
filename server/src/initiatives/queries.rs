//! Reads for initiatives: teams and their members, check-in series, tests of change and
//! their adoption counts, and the views built from them (each in a fixed number of queries,
//! whatever the number of rows).

use super::views::{
    AdoptedFrom, CheckInView, InitiativeView, PreviousValue, TeamExtras, TeamRef, TeamView,
    TestExtras, TestView,
};
use crate::db::placeholders;
use crate::entities::{
    check_in_revisions, check_ins, initiative_team_members, initiative_teams, initiatives,
    tests_of_change,
};
use crate::ids::MemberId;
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use std::collections::{BTreeMap, HashMap};

/// An initiative's teams (not deleted), by name.
pub async fn teams(
    db: &impl ConnectionTrait,
    initiative_id: i64,
) -> Result<Vec<initiative_teams::Model>, DbErr> {
    initiative_teams::Entity::find()
        .filter(initiative_teams::Column::InitiativeId.eq(initiative_id))
        .filter(initiative_teams::Column::DeletedAt.is_null())
        .order_by_asc(initiative_teams::Column::Name)
        .order_by_asc(initiative_teams::Column::Id)
        .all(db)
        .await
}

pub async fn team_count(
    db: &impl ConnectionTrait,
    initiative_ids: &[i64],
) -> Result<HashMap<i64, u64>, DbErr> {
    if initiative_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = initiative_teams::Entity::find()
        .select_only()
        .column(initiative_teams::Column::InitiativeId)
        .column_as(initiative_teams::Column::Id.count(), "count")
        .filter(initiative_teams::Column::InitiativeId.is_in(initiative_ids.iter().copied()))
        .filter(initiative_teams::Column::DeletedAt.is_null())
        .group_by(initiative_teams::Column::InitiativeId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, count)| (id, count.max(0) as u64))
        .collect())
}

/// Member ids of each team, in the order they joined.
pub async fn team_member_ids(
    db: &impl ConnectionTrait,
    team_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, DbErr> {
    if team_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = initiative_team_members::Entity::find()
        .filter(initiative_team_members::Column::TeamId.is_in(team_ids.iter().copied()))
        .order_by_asc(initiative_team_members::Column::AddedAt)
        .order_by_asc(initiative_team_members::Column::MemberId)
        .all(db)
        .await?;
    let mut by_team: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in rows {
        by_team.entry(row.team_id).or_default().push(row.member_id);
    }
    Ok(by_team)
}

pub async fn is_team_member(
    db: &impl ConnectionTrait,
    team_id: i64,
    member_id: MemberId,
) -> Result<bool, DbErr> {
    Ok(
        initiative_team_members::Entity::find_by_id((team_id, member_id.get()))
            .one(db)
            .await?
            .is_some(),
    )
}

/// Everyone on a team of the initiative.
pub async fn initiative_member_ids(
    db: &impl ConnectionTrait,
    initiative_id: i64,
) -> Result<Vec<i64>, DbErr> {
    let teams: Vec<i64> = teams(db, initiative_id)
        .await?
        .iter()
        .map(|t| t.id)
        .collect();
    let mut ids: Vec<i64> = team_member_ids(db, &teams)
        .await?
        .into_values()
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// A team's check-ins as `(period, value)`, in period order.
pub async fn team_series(
    db: &impl ConnectionTrait,
    team_id: i64,
) -> Result<Vec<(NaiveDate, f64)>, DbErr> {
    check_ins::Entity::find()
        .select_only()
        .column(check_ins::Column::Period)
        .column(check_ins::Column::Value)
        .filter(check_ins::Column::TeamId.eq(team_id))
        .order_by_asc(check_ins::Column::Period)
        .into_tuple()
        .all(db)
        .await
}

/// Every team's series for the initiative (teams not deleted), in one query.
pub async fn initiative_series(
    db: &impl ConnectionTrait,
    initiative_id: i64,
) -> Result<BTreeMap<i64, Vec<(NaiveDate, f64)>>, DbErr> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                "SELECT c.team_id, c.period, c.value FROM check_ins c \
                 JOIN initiative_teams t ON t.id = c.team_id \
                 WHERE c.initiative_id = ? AND t.deleted_at IS NULL \
                 ORDER BY c.team_id, c.period",
            ),
            [initiative_id.into()],
        ))
        .await?;
    let mut series: BTreeMap<i64, Vec<(NaiveDate, f64)>> = BTreeMap::new();
    for row in rows {
        let team: i64 = row.try_get_by(0)?;
        series
            .entry(team)
            .or_default()
            .push((row.try_get_by(1)?, row.try_get_by(2)?));
    }
    Ok(series)
}

pub async fn team_views(
    db: &impl ConnectionTrait,
    rows: &[initiative_teams::Model],
) -> Result<Vec<TeamView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let members = team_member_ids(db, &ids).await?;
    let people_ids: Vec<i64> = members.values().flatten().copied().collect();
    let people = member_queries::find_many(db, &people_ids).await?;
    let counts: Vec<(i64, i64, Option<NaiveDate>)> = if ids.is_empty() {
        Vec::new()
    } else {
        check_ins::Entity::find()
            .select_only()
            .column(check_ins::Column::TeamId)
            .column_as(check_ins::Column::Id.count(), "count")
            .column_as(Expr::col(check_ins::Column::Period).max(), "latest")
            .filter(check_ins::Column::TeamId.is_in(ids.iter().copied()))
            .group_by(check_ins::Column::TeamId)
            .into_tuple()
            .all(db)
            .await?
    };
    let counts: HashMap<i64, (i64, Option<NaiveDate>)> = counts
        .into_iter()
        .map(|(team, count, latest)| (team, (count, latest)))
        .collect();
    Ok(rows
        .iter()
        .map(|row| {
            let (count, latest) = counts.get(&row.id).copied().unwrap_or((0, None));
            TeamView::new(
                row,
                TeamExtras {
                    members: members
                        .get(&row.id)
                        .into_iter()
                        .flatten()
                        .filter_map(|id| people.get(id).map(MemberRef::from))
                        .collect(),
                    check_in_count: count.max(0) as u64,
                    latest_period: latest,
                },
            )
        })
        .collect())
}

pub async fn initiative_views(
    db: &impl ConnectionTrait,
    rows: &[initiatives::Model],
) -> Result<Vec<InitiativeView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let counts = team_count(db, &ids).await?;
    let creators: Vec<i64> = rows.iter().map(|i| i.created_by).collect();
    let people = member_queries::find_many(db, &creators).await?;
    Ok(rows
        .iter()
        .map(|row| {
            InitiativeView::new(
                row,
                counts.get(&row.id).copied().unwrap_or(0),
                people.get(&row.created_by).map(MemberRef::from),
            )
        })
        .collect())
}

pub async fn initiative_view(
    db: &impl ConnectionTrait,
    row: &initiatives::Model,
) -> Result<InitiativeView, DbErr> {
    let mut views = initiative_views(db, std::slice::from_ref(row)).await?;
    Ok(views.remove(0))
}

/// A team's check-ins, latest period first, with the values each replaced.
pub async fn check_in_views(
    db: &impl ConnectionTrait,
    rows: &[check_ins::Model],
) -> Result<Vec<CheckInView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let revisions = if ids.is_empty() {
        Vec::new()
    } else {
        check_in_revisions::Entity::find()
            .filter(check_in_revisions::Column::CheckInId.is_in(ids.iter().copied()))
            .order_by_desc(check_in_revisions::Column::ReplacedAt)
            .order_by_desc(check_in_revisions::Column::Id)
            .all(db)
            .await?
    };
    let people_ids: Vec<i64> = rows
        .iter()
        .map(|c| c.submitted_by)
        .chain(revisions.iter().map(|r| r.submitted_by))
        .collect();
    let people = member_queries::find_many(db, &people_ids).await?;
    let mut previous: HashMap<i64, Vec<PreviousValue>> = HashMap::new();
    for revision in revisions {
        previous
            .entry(revision.check_in_id)
            .or_default()
            .push(PreviousValue {
                value: revision.value,
                note: revision.note,
                submitted_by: people.get(&revision.submitted_by).map(MemberRef::from),
                submitted_at: revision.submitted_at,
                replaced_at: revision.replaced_at,
            });
    }
    Ok(rows
        .iter()
        .map(|row| {
            CheckInView::new(
                row,
                people.get(&row.submitted_by).map(MemberRef::from),
                previous.remove(&row.id).unwrap_or_default(),
            )
        })
        .collect())
}

/// How many tests copied each of `ids` ("tried"), and how many of those were adopted.
async fn adoption_counts(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, (u64, u64)>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<i64>, Option<String>)> = tests_of_change::Entity::find()
        .select_only()
        .column(tests_of_change::Column::AdoptedFrom)
        .column(tests_of_change::Column::Act)
        .filter(tests_of_change::Column::AdoptedFrom.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<i64, (u64, u64)> = HashMap::new();
    for (original, act) in rows {
        let Some(original) = original else { continue };
        let entry = counts.entry(original).or_default();
        entry.0 += 1;
        if act.as_deref() == Some("adopt") {
            entry.1 += 1;
        }
    }
    Ok(counts)
}

pub async fn test_views(
    db: &impl ConnectionTrait,
    rows: &[tests_of_change::Model],
) -> Result<Vec<TestView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let counts = adoption_counts(db, &ids).await?;
    let originals_ids: Vec<i64> = rows.iter().filter_map(|t| t.adopted_from).collect();
    let originals: HashMap<i64, tests_of_change::Model> = if originals_ids.is_empty() {
        HashMap::new()
    } else {
        tests_of_change::Entity::find()
            .filter(tests_of_change::Column::Id.is_in(originals_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect()
    };
    let team_ids: Vec<i64> = rows
        .iter()
        .map(|t| t.team_id)
        .chain(originals.values().map(|t| t.team_id))
        .collect();
    let teams: HashMap<i64, initiative_teams::Model> = initiative_teams::Entity::find()
        .filter(initiative_teams::Column::Id.is_in(team_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let creators: Vec<i64> = rows.iter().map(|t| t.created_by).collect();
    let people = member_queries::find_many(db, &creators).await?;
    let team_ref = |id: i64| {
        teams.get(&id).map(TeamRef::from).unwrap_or(TeamRef {
            id: crate::ids::ApiId(id),
            name: String::new(),
        })
    };
    Ok(rows
        .iter()
        .map(|row| {
            let (tried, adopted) = counts.get(&row.id).copied().unwrap_or_default();
            TestView::new(
                row,
                TestExtras {
                    team: team_ref(row.team_id),
                    adopted_from: row.adopted_from.and_then(|id| originals.get(&id)).map(
                        |original| AdoptedFrom {
                            id: crate::ids::ApiId(original.id),
                            change_idea: original.change_idea.clone(),
                            team: teams.get(&original.team_id).map(TeamRef::from),
                        },
                    ),
                    tried_by_count: tried,
                    adopted_by_count: adopted,
                    created_by: people.get(&row.created_by).map(MemberRef::from),
                },
            )
        })
        .collect())
}

pub async fn test_view(
    db: &impl ConnectionTrait,
    row: &tests_of_change::Model,
) -> Result<TestView, DbErr> {
    let mut views = test_views(db, std::slice::from_ref(row)).await?;
    Ok(views.remove(0))
}
