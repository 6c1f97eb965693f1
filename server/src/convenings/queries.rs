//! Reads for convening lists and action items.

use super::views::{ActionItemView, ConveningExtras, ConveningView};
use crate::entities::{action_items, convenings};
use crate::ids::NetworkId;
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which convenings a list shows, and in which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Not yet ended, soonest first.
    Upcoming,
    /// Ended, most recent first.
    Past,
    /// Everything, latest start first.
    All,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct StartCursor {
    #[serde(rename = "t")]
    pub starts_at: DateTime<Utc>,
    #[serde(rename = "i")]
    pub id: i64,
}

pub async fn page(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    when: When,
    cursor: Option<&StartCursor>,
    limit: u64,
) -> Result<Vec<convenings::Model>, DbErr> {
    let now = crate::clock::now();
    let mut query = convenings::Entity::find().filter(convenings::Column::NetworkId.eq(network_id));
    let ascending = when == When::Upcoming;
    query = match when {
        When::Upcoming => query.filter(convenings::Column::EndsAt.gte(now)),
        When::Past => query.filter(convenings::Column::EndsAt.lt(now)),
        When::All => query,
    };
    if let Some(cursor) = cursor {
        let (time_after, id_after) = if ascending {
            (
                convenings::Column::StartsAt.gt(cursor.starts_at),
                convenings::Column::Id.gt(cursor.id),
            )
        } else {
            (
                convenings::Column::StartsAt.lt(cursor.starts_at),
                convenings::Column::Id.lt(cursor.id),
            )
        };
        query = query.filter(
            Condition::any().add(time_after).add(
                Condition::all()
                    .add(convenings::Column::StartsAt.eq(cursor.starts_at))
                    .add(id_after),
            ),
        );
    }
    query = if ascending {
        query
            .order_by_asc(convenings::Column::StartsAt)
            .order_by_asc(convenings::Column::Id)
    } else {
        query
            .order_by_desc(convenings::Column::StartsAt)
            .order_by_desc(convenings::Column::Id)
    };
    query.limit(limit + 1).all(db).await
}

pub async fn views(
    db: &impl ConnectionTrait,
    rows: &[convenings::Model],
) -> Result<Vec<ConveningView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let counts: Vec<(i64, String, i64)> = action_items::Entity::find()
        .select_only()
        .column(action_items::Column::ConveningId)
        .column(action_items::Column::Status)
        .column_as(action_items::Column::Id.count(), "count")
        .filter(action_items::Column::ConveningId.is_in(ids))
        .group_by(action_items::Column::ConveningId)
        .group_by(action_items::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut totals: HashMap<i64, (u64, u64)> = HashMap::new();
    for (convening, status, count) in counts {
        let entry = totals.entry(convening).or_default();
        entry.1 += count.max(0) as u64;
        if status == "open" {
            entry.0 += count.max(0) as u64;
        }
    }
    let creators: Vec<i64> = rows.iter().map(|c| c.created_by).collect();
    let people = member_queries::find_many(db, &creators).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let (open, total) = totals.get(&row.id).copied().unwrap_or_default();
            ConveningView::new(
                row,
                ConveningExtras {
                    created_by: people.get(&row.created_by).map(MemberRef::from),
                    open_action_items: open,
                    action_item_count: total,
                },
            )
        })
        .collect())
}

pub async fn view(
    db: &impl ConnectionTrait,
    row: &convenings::Model,
) -> Result<ConveningView, DbErr> {
    Ok(views(db, std::slice::from_ref(row))
        .await?
        .pop()
        .expect("one in, one out"))
}

pub async fn action_item_views(
    db: &impl ConnectionTrait,
    rows: &[action_items::Model],
) -> Result<Vec<ActionItemView>, DbErr> {
    let owners: Vec<i64> = rows.iter().filter_map(|a| a.owner_id).collect();
    let people = member_queries::find_many(db, &owners).await?;
    Ok(rows
        .iter()
        .map(|row| {
            ActionItemView::new(
                row,
                row.owner_id
                    .and_then(|id| people.get(&id))
                    .map(MemberRef::from),
            )
        })
        .collect())
}
