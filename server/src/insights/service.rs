//! Reading a network's insights for a facilitator.

use super::period::{self, Period};
use super::views::InsightsView;
use super::{compute, queries};
use crate::error::{ApiError, ApiResult};
use crate::ids::{MemberId, NetworkId};
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use crate::networks::network_access;
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InsightsQuery {
    /// The first day (`2027-03-01`, from its start in the network's timezone); a time of day
    /// is refused (422). Default: the day of the network's last convening, or the 30 days
    /// ending with `to`.
    pub from: Option<String>,
    /// The last day (through its end in the network's timezone); a time of day is refused
    /// (422). Default: today.
    pub to: Option<String>,
    /// CSV only: `summary` (default), `connections` or `unanswered`.
    pub table: Option<String>,
    /// JSON only: at most this many connections, the strongest first (default: all of
    /// them; `connection_count` says how many there are).
    pub connections_limit: Option<u32>,
}

/// The period `query` asks for in `network_id`, for a facilitator of it (404 for anyone
/// else: members do not learn that insights exist).
pub async fn period_for(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    network_id: NetworkId,
    query: &InsightsQuery,
) -> ApiResult<Period> {
    let access = network_access(db, viewer, network_id).await?;
    if !access.is_facilitator() {
        return Err(ApiError::NotFound);
    }
    let now = crate::clock::now();
    let zone = queries::network_zone(db, network_id.get(), now).await?;
    let (from, to) = (query.from.as_deref(), query.to.as_deref());
    // The last convening to have started by the period's end (resolved once without it, to
    // learn the end).
    let end = period::resolve(from, to, zone, None, now)?.to;
    let last = queries::last_convening(db, network_id.get(), end.min(now)).await?;
    period::resolve(from, to, zone, last, now)
}

pub async fn insights(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    network_id: NetworkId,
    query: &InsightsQuery,
) -> ApiResult<InsightsView> {
    let period = period_for(db, viewer, network_id, query).await?;
    let activity = queries::activity(db, network_id.get(), &period).await?;
    let mut figures = compute::figures(&activity);
    let connection_count = figures.connections.len() as u64;
    if let Some(limit) = query.connections_limit {
        if limit == 0 {
            return Err(ApiError::invalid("connections_limit", "must be at least 1"));
        }
        figures.connections.truncate(limit as usize);
    }
    let people = people_connected(db, &figures).await?;
    let mut view = InsightsView::new(network_id.get(), &period, figures, &people);
    view.connection_count = connection_count;
    Ok(view)
}

/// The members at either end of `figures`' connections, as they are shown.
pub async fn people_connected(
    db: &impl ConnectionTrait,
    figures: &compute::Figures,
) -> Result<HashMap<i64, MemberRef>, sea_orm::DbErr> {
    let mut ends: Vec<i64> = figures
        .connections
        .iter()
        .flat_map(|e| [e.from, e.to])
        .collect();
    ends.sort_unstable();
    ends.dedup();
    Ok(member_queries::find_many(db, &ends)
        .await?
        .iter()
        .map(|(id, member)| (*id, MemberRef::from(member)))
        .collect())
}
