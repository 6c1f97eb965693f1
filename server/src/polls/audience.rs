//! Who may see a poll's results right now, for many readers at once: what shapes live
//! `poll.*` events for each receiver (the hub asks when it fans one out, a replay when it
//! sends one), decided at that moment like every other access rule.

use super::model::{self, Reader, ResultsVisibility};
use crate::entities::{poll_ballots, polls};
use crate::networks::access;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashSet;

/// Which of `candidates` may see the results of poll `poll_id` now (none for a poll that
/// is gone).
pub async fn who_sees_results(
    db: &impl ConnectionTrait,
    poll_id: i64,
    candidates: &[i64],
) -> Result<HashSet<i64>, DbErr> {
    if candidates.is_empty() {
        return Ok(HashSet::new());
    }
    let Some(poll) = polls::Entity::find_by_id(poll_id)
        .filter(polls::Column::DeletedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(HashSet::new());
    };
    let visibility = ResultsVisibility::from_stored(&poll.results_visibility);
    let closed = model::is_closed(poll.closed_at, poll.closes_at, crate::clock::now());
    let voters: HashSet<i64> = match visibility {
        ResultsVisibility::OnVote if !closed => poll_ballots::Entity::find()
            .select_only()
            .column(poll_ballots::Column::MemberId)
            .filter(poll_ballots::Column::PollId.eq(poll_id))
            .filter(poll_ballots::Column::MemberId.is_in(candidates.iter().copied()))
            .into_tuple::<i64>()
            .all(db)
            .await?
            .into_iter()
            .collect(),
        _ => HashSet::new(),
    };
    let facilitators = match visibility {
        ResultsVisibility::Facilitators => {
            access::facilitators_among(db, poll.network_id, candidates).await?
        }
        _ => HashSet::new(),
    };
    Ok(candidates
        .iter()
        .copied()
        .filter(|member| {
            model::results_visible(
                visibility,
                closed,
                Reader {
                    has_voted: voters.contains(member),
                    is_facilitator: facilitators.contains(member),
                },
            )
        })
        .collect())
}

/// The poll a `poll.*` event is about.
pub fn poll_of(event: &crate::entities::events::Model) -> Option<i64> {
    event.subject_id
}
