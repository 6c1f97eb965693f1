//! What a `poll.*` event shows each receiver: the poll as it is now (so a replay never
//! shows a question since edited or a vote since taken back), with its results only for
//! those who may see them at that moment. The hub asks when it fans an event out, a replay
//! when it sends one (through `LiveRenderer`, registered on the hub in `state.rs`); the
//! results are never stored in the event log.

use super::model::{self, Reader, ResultsVisibility};
use super::queries;
use crate::entities::{events, poll_ballots, polls, threads};
use crate::events::EventKind;
use crate::ids::NetworkId;
use crate::live::render::{Frames, PerReceiver};
use crate::networks::visibility;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::HashSet;

/// Renders `poll.*` events per receiver for the live hub and replays. A removed poll's
/// event is not among them: it shows only the id it stored.
pub struct LiveRenderer;

#[async_trait::async_trait]
impl PerReceiver for LiveRenderer {
    fn kinds(&self) -> &'static [EventKind] {
        &[
            EventKind::PollCreated,
            EventKind::PollUpdated,
            EventKind::PollVoted,
        ]
    }

    async fn frames(
        &self,
        db: &DatabaseConnection,
        event: &events::Model,
        receivers: &[i64],
    ) -> Result<Option<Frames>, DbErr> {
        match event.subject_id {
            Some(poll_id) => frames(db, poll_id, receivers).await,
            None => Ok(None),
        }
    }
}

/// How poll `poll_id` looks now to `candidates`: `{"poll": …}` with its results in full,
/// without them for the rest. `None` when the poll is gone (removed, or its thread
/// deleted): the event shows what it stored (only the id, once removed).
async fn frames(
    db: &impl ConnectionTrait,
    poll_id: i64,
    candidates: &[i64],
) -> Result<Option<Frames>, DbErr> {
    let Some(poll) = current(db, poll_id).await? else {
        return Ok(None);
    };
    let now = crate::clock::now();
    let public = queries::views(db, None, false, std::slice::from_ref(&poll), now)
        .await?
        .remove(0);
    let allowed = who_sees_results(db, &poll, candidates).await?;
    let mut full = serde_json::to_value(&public).unwrap_or_default();
    if !allowed.is_empty() {
        let results = queries::results(db, &poll).await?;
        full["results"] = serde_json::to_value(results).unwrap_or_default();
        full["results_visible"] = serde_json::Value::Bool(true);
    }
    Ok(Some(Frames {
        full: serde_json::json!({ "poll": full }),
        withheld: serde_json::json!({ "poll": public }),
        allowed,
    }))
}

/// The poll, unless it was removed or its thread was deleted.
pub async fn current(
    db: &impl ConnectionTrait,
    poll_id: i64,
) -> Result<Option<polls::Model>, DbErr> {
    let Some(poll) = polls::Entity::find_by_id(poll_id)
        .filter(polls::Column::DeletedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(thread_stands(db, &poll).await?.then_some(poll))
}

/// Whether the thread `poll` was asked in (if any) is still there.
pub async fn thread_stands(db: &impl ConnectionTrait, poll: &polls::Model) -> Result<bool, DbErr> {
    let Some(thread) = poll.thread_id else {
        return Ok(true);
    };
    Ok(threads::Entity::find_by_id(thread)
        .filter(threads::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

/// Which of `candidates` may see the results of `poll` now.
async fn who_sees_results(
    db: &impl ConnectionTrait,
    poll: &polls::Model,
    candidates: &[i64],
) -> Result<HashSet<i64>, DbErr> {
    if candidates.is_empty() {
        return Ok(HashSet::new());
    }
    let poll_id = poll.id;
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
            visibility::facilitators_among(db, NetworkId(poll.network_id), candidates).await?
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
