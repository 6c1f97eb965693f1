//! Creating, reading, editing, closing and removing polls, and voting.

use super::model::{self, Ballot, PollKind, ResultsVisibility, QUESTION_MAX_CHARS};
use super::queries::{self, ListFilter, NewestFirstCursor};
use super::views::PollView;
use crate::db::Writer;
use crate::entities::{poll_ballots, poll_choices, poll_options, polls, threads};
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::events::{self, EventKind, NewEvent};
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::item_reads::ReadItem;
use crate::markdown::Markdown;
use crate::networks::access::{load, load_for_update, NetworkAccess};
use crate::networks::network_access;
use crate::notifications::service::UnreadCount;
use crate::notifications::settle;
use crate::text::{MarkdownBody, Title};
use crate::tx::Tx;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePoll {
    pub question: String,
    /// Markdown, optional.
    #[serde(default)]
    pub description: String,
    pub kind: PollKind,
    /// 2 to 20 labels for `single` and `multiple`; none for `number`.
    #[serde(default)]
    pub options: Vec<String>,
    /// The range a `number` poll accepts.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// No votes after this moment (RFC 3339, in the future).
    pub closes_at: Option<DateTime<Utc>>,
    /// Who sees the results (default `always`).
    #[serde(default = "default_visibility")]
    pub results: ResultsVisibility,
    /// Votes are never shown with names.
    #[serde(default)]
    pub anonymous: bool,
    /// Ask it in a thread of this network (shown there, and live on the thread).
    pub thread_id: Option<ApiId>,
}

fn default_visibility() -> ResultsVisibility {
    ResultsVisibility::Always
}

/// Edits by the author or a facilitator. Options, kind, visibility and anonymity are fixed
/// once asked (voters chose under them).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePoll {
    pub question: Option<String>,
    pub description: Option<String>,
    /// A new closing time (null: none); refused once closed.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub closes_at: Option<Option<DateTime<Utc>>>,
    /// `true` closes it now (for good).
    pub closed: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Vote {
    /// For `single` (exactly one) and `multiple` (one or more).
    pub option_ids: Option<Vec<ApiId>>,
    /// For `number`.
    pub value: Option<f64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PollListQuery {
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Only the polls asked in this thread.
    pub thread_id: Option<ApiId>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Announces a change to `poll`. The event stores the poll as nobody in particular sees it
/// (never its results, never who voted): receivers are shown the poll as it is when the
/// event reaches them, with results only where they may see them (`audience.rs`). Nobody
/// is named as the actor of a vote on an anonymous poll.
pub(super) async fn announce(
    txn: &Tx,
    kind: EventKind,
    actor: Option<i64>,
    poll: &polls::Model,
) -> ApiResult<()> {
    let now = crate::clock::now();
    let public = queries::views(txn, None, false, std::slice::from_ref(poll), now)
        .await?
        .remove(0);
    let payload = serde_json::json!({ "poll": public });
    let mut event = match poll.thread_id {
        Some(thread) => NewEvent::in_thread(kind, poll.network_id, thread, 0, &payload),
        None => NewEvent::in_network(kind, poll.network_id, 0, &payload),
    }
    .about(poll.id);
    event.actor_id = actor.filter(|_| !(poll.is_anonymous && kind == EventKind::PollVoted));
    txn.emit(event);
    Ok(())
}

/// The poll with the caller's access: 404 unless they may see its network, and when it was
/// removed or its thread deleted. `for_update` locks it for a write that decides on it.
async fn load_poll(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    id: i64,
    for_update: bool,
) -> ApiResult<(polls::Model, NetworkAccess)> {
    let (poll, access) = if for_update {
        load_for_update::<polls::Entity>(db, viewer, id).await?
    } else {
        load::<polls::Entity>(db, viewer, id).await?
    };
    if !super::audience::thread_stands(db, &poll).await? {
        return Err(ApiError::NotFound);
    }
    Ok((poll, access))
}

/// Asks a poll in a network (or in one of its threads). Any member may.
pub async fn create(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    network_id: NetworkId,
    input: CreatePoll,
) -> ApiResult<PollView> {
    let now = crate::clock::now();
    let mut errors = FieldCollector::default();
    let question = errors.take(Title::parse_as(
        "question",
        &input.question,
        QUESTION_MAX_CHARS,
    ));
    let description = errors.take(MarkdownBody::optional("description", &input.description));
    let options = errors.take(model::parse_options(input.kind, &input.options));
    let range = match input.kind {
        PollKind::Number => errors.take(model::parse_range(input.min, input.max)),
        _ if input.min.is_some() || input.max.is_some() => {
            errors.reject("min", "only a number poll has a range");
            None
        }
        _ => Some((None, None)),
    };
    if input.closes_at.is_some_and(|at| at <= now) {
        errors.reject("closes_at", "must be in the future");
    }
    errors.finish()?;
    let (Some(question), Some(description), Some(options), Some((min, max))) =
        (question, description, options, range)
    else {
        return Err(ApiError::invalid("body", "is not a valid poll"));
    };
    let txn = Tx::begin(db).await?;
    let access = network_access(&txn, actor, network_id).await?;
    if let Some(thread_id) = input.thread_id {
        let thread = threads::Entity::find_by_id(thread_id.0)
            .one(&txn)
            .await?
            .filter(|t| t.network_id == network_id.get() && t.deleted_at.is_none());
        match thread {
            None => {
                return Err(ApiError::invalid(
                    "thread_id",
                    "is not a thread of this network",
                ))
            }
            Some(thread) if thread.is_locked => {
                return Err(ApiError::Conflict("This thread is locked.".into()))
            }
            Some(_) => {}
        }
    }
    let poll = polls::ActiveModel {
        network_id: Set(network_id.get()),
        thread_id: Set(input.thread_id.map(|t| t.0)),
        author_id: Set(actor.get()),
        question: Set(question.into_string()),
        description_html: Set(description.render(markdown)),
        description: Set(description.into_string()),
        kind: Set(input.kind.as_str().to_owned()),
        results_visibility: Set(input.results.as_str().to_owned()),
        is_anonymous: Set(input.anonymous),
        min_value: Set(min),
        max_value: Set(max),
        voter_count: Set(0),
        closes_at: Set(input.closes_at),
        closed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if !options.is_empty() {
        poll_options::Entity::insert_many(options.into_iter().enumerate().map(
            |(position, label)| poll_options::ActiveModel {
                poll_id: Set(poll.id),
                position: Set(position as i32),
                label: Set(label),
                vote_count: Set(0),
                ..Default::default()
            },
        ))
        .exec(&txn)
        .await?;
    }
    announce(&txn, EventKind::PollCreated, Some(actor.get()), &poll).await?;
    let view = view_for(&txn, actor, access.is_facilitator(), &poll).await?;
    txn.commit().await?;
    Ok(view)
}

async fn view_for(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    is_facilitator: bool,
    poll: &polls::Model,
) -> ApiResult<PollView> {
    Ok(queries::views(
        db,
        Some(viewer.get()),
        is_facilitator,
        std::slice::from_ref(poll),
        crate::clock::now(),
    )
    .await?
    .remove(0))
}

pub async fn get(db: &impl ConnectionTrait, viewer: MemberId, id: i64) -> ApiResult<PollView> {
    let (poll, access) = load_poll(db, viewer, id, false).await?;
    view_for(db, viewer, access.is_facilitator(), &poll).await
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    network_id: NetworkId,
    query: PollListQuery,
) -> ApiResult<Page<PollView>> {
    let access = network_access(db, viewer, network_id).await?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let cursor: Option<NewestFirstCursor> = page.cursor()?;
    if let Some(cursor) = &cursor {
        crate::extract::plausible_time(cursor.created_at)?;
    }
    let open = match query.status.as_deref() {
        None => None,
        Some("open") => Some(true),
        Some("closed") => Some(false),
        Some(_) => return Err(ApiError::invalid("status", "must be open or closed")),
    };
    let now = crate::clock::now();
    let filter = ListFilter {
        thread_id: query.thread_id.map(|t| t.0),
        open,
        now,
    };
    let rows = queries::page(db, network_id, &filter, cursor.as_ref(), limit).await?;
    let (rows, next_cursor) = split_page(rows, limit, |p| NewestFirstCursor {
        created_at: p.created_at,
        id: p.id,
    });
    Ok(Page {
        items: queries::views(db, Some(viewer.get()), access.is_facilitator(), &rows, now).await?,
        next_cursor,
    })
}

pub async fn update(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    id: i64,
    input: UpdatePoll,
) -> ApiResult<PollView> {
    let now = crate::clock::now();
    let mut errors = FieldCollector::default();
    let question = input
        .question
        .as_deref()
        .and_then(|q| errors.take(Title::parse_as("question", q, QUESTION_MAX_CHARS)));
    let description = input
        .description
        .as_deref()
        .and_then(|d| errors.take(MarkdownBody::optional("description", d)));
    if let Some(Some(at)) = input.closes_at {
        if at <= now {
            errors.reject("closes_at", "must be in the future");
        }
    }
    if input.closed == Some(false) {
        errors.reject("closed", "a closed poll stays closed; ask a new one");
    }
    errors.finish()?;
    let txn = Tx::begin(db).await?;
    let (poll, access) = load_poll(&txn, actor, id, true).await?;
    access.require_author_or_facilitator(MemberId(poll.author_id))?;
    let closed = model::is_closed(poll.closed_at, poll.closes_at, now);
    if closed && (input.closes_at.is_some() || input.closed == Some(true)) {
        return Err(ApiError::Conflict("This poll is already closed.".into()));
    }
    let mut active: polls::ActiveModel = poll.into();
    if let Some(question) = question {
        active.question = Set(question.into_string());
    }
    if let Some(description) = description {
        active.description_html = Set(description.render(markdown));
        active.description = Set(description.into_string());
    }
    if let Some(closes_at) = input.closes_at {
        active.closes_at = Set(closes_at);
    }
    if input.closed == Some(true) {
        active.closed_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    let poll = active.update(&txn).await?;
    announce(&txn, EventKind::PollUpdated, Some(actor.get()), &poll).await?;
    let view = view_for(&txn, actor, access.is_facilitator(), &poll).await?;
    txn.commit().await?;
    Ok(view)
}

/// Removes a poll (its author or a facilitator): gone for every reader, with its votes.
pub async fn delete(db: &Writer, actor: MemberId, id: i64) -> ApiResult<()> {
    let txn = Tx::begin(db).await?;
    let (poll, access) = load_poll(&txn, actor, id, true).await?;
    access.require_author_or_facilitator(MemberId(poll.author_id))?;
    let now = crate::clock::now();
    let (network_id, thread_id) = (poll.network_id, poll.thread_id);
    let mut active: polls::ActiveModel = poll.into();
    active.deleted_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let payload = serde_json::json!({ "id": ApiId(id), "network_id": ApiId(network_id) });
    events::redact(
        &txn,
        &[
            EventKind::PollCreated,
            EventKind::PollUpdated,
            EventKind::PollVoted,
        ],
        id,
        payload.clone(),
    )
    .await?;
    let event = match thread_id {
        Some(thread) => NewEvent::in_thread(
            EventKind::PollDeleted,
            network_id,
            thread,
            actor.get(),
            &payload,
        ),
        None => NewEvent::in_network(EventKind::PollDeleted, network_id, actor.get(), &payload),
    }
    .about(id);
    txn.emit(event);
    txn.commit().await?;
    Ok(())
}

/// Casts or replaces the actor's ballot (`Some`), or takes it back (`None`). A closed poll
/// takes neither: 409.
pub async fn vote(
    db: &Writer,
    actor: MemberId,
    id: i64,
    input: Option<Vote>,
) -> ApiResult<PollView> {
    let txn = Tx::begin(db).await?;
    let (poll, access) = load_poll(&txn, actor, id, true).await?;
    let now = crate::clock::now();
    if model::is_closed(poll.closed_at, poll.closes_at, now) {
        return Err(ApiError::Conflict("This poll is closed.".into()));
    }
    if let Some(thread) = poll.thread_id {
        let locked = threads::Entity::find_by_id(thread)
            .one(&txn)
            .await?
            .is_some_and(|t| t.is_locked);
        if locked {
            return Err(ApiError::Conflict("This poll's thread is locked.".into()));
        }
    }
    let kind = PollKind::from_stored(&poll.kind);
    let ballot = match &input {
        None => None,
        Some(vote) => {
            let known = queries::option_ids(&txn, poll.id).await?;
            let chosen: Option<Vec<i64>> = vote
                .option_ids
                .as_ref()
                .map(|ids| ids.iter().map(|id| id.0).collect());
            Some(model::parse_ballot(
                kind,
                chosen.as_deref(),
                vote.value,
                &known,
                (poll.min_value, poll.max_value),
            )?)
        }
    };
    poll_choices::Entity::delete_many()
        .filter(poll_choices::Column::PollId.eq(poll.id))
        .filter(poll_choices::Column::MemberId.eq(actor))
        .exec(&txn)
        .await?;
    let existing = poll_ballots::Entity::find_by_id((poll.id, actor.get()))
        .one(&txn)
        .await?;
    match (&ballot, existing) {
        (None, None) => {
            // Nothing to take back.
            let view = view_for(&txn, actor, access.is_facilitator(), &poll).await?;
            return Ok(view);
        }
        (None, Some(_)) => {
            poll_ballots::Entity::delete_by_id((poll.id, actor.get()))
                .exec(&txn)
                .await?;
        }
        (Some(ballot), existing) => {
            let value = match ballot {
                Ballot::Number(value) => Some(*value),
                Ballot::Choices(_) => None,
            };
            match existing {
                Some(row) => {
                    let mut active: poll_ballots::ActiveModel = row.into();
                    active.value = Set(value);
                    active.updated_at = Set(now);
                    active.update(&txn).await?;
                }
                None => {
                    poll_ballots::ActiveModel {
                        poll_id: Set(poll.id),
                        member_id: Set(actor.get()),
                        value: Set(value),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(&txn)
                    .await?;
                }
            }
            if let Ballot::Choices(ids) = ballot {
                poll_choices::Entity::insert_many(ids.iter().map(|option| {
                    poll_choices::ActiveModel {
                        poll_id: Set(poll.id),
                        member_id: Set(actor.get()),
                        option_id: Set(*option),
                    }
                }))
                .exec(&txn)
                .await?;
            }
        }
    }
    let poll = recount(&txn, poll).await?;
    announce(&txn, EventKind::PollVoted, Some(actor.get()), &poll).await?;
    let view = view_for(&txn, actor, access.is_facilitator(), &poll).await?;
    txn.commit().await?;
    Ok(view)
}

/// Recomputes the poll's voter count and each option's votes from the ballots, under the
/// poll's row lock.
async fn recount(txn: &Tx, poll: polls::Model) -> ApiResult<polls::Model> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let voters = poll_ballots::Entity::find()
        .filter(poll_ballots::Column::PollId.eq(poll.id))
        .count(txn)
        .await?;
    let counts: Vec<(i64, i64)> = poll_choices::Entity::find()
        .select_only()
        .column(poll_choices::Column::OptionId)
        .column_as(poll_choices::Column::MemberId.count(), "votes")
        .filter(poll_choices::Column::PollId.eq(poll.id))
        .group_by(poll_choices::Column::OptionId)
        .into_tuple()
        .all(txn)
        .await?;
    poll_options::Entity::update_many()
        .col_expr(poll_options::Column::VoteCount, Expr::value(0))
        .filter(poll_options::Column::PollId.eq(poll.id))
        .exec(txn)
        .await?;
    for (option, votes) in counts {
        poll_options::Entity::update_many()
            .col_expr(poll_options::Column::VoteCount, Expr::value(votes as i32))
            .filter(poll_options::Column::Id.eq(option))
            .exec(txn)
            .await?;
    }
    let mut active: polls::ActiveModel = poll.into();
    active.voter_count = Set(voters as i32);
    Ok(active.update(txn).await?)
}

/// The viewer opened a poll: recorded as read (`item_reads`), and their notifications about
/// it settled; answers with their unread notifications.
pub async fn mark_read(db: &Writer, viewer: MemberId, id: i64) -> ApiResult<UnreadCount> {
    let txn = Tx::begin(db).await?;
    load_poll(&txn, viewer, id, false).await?;
    let unread = settle::opened(&txn, viewer, ReadItem::Poll, id).await?;
    txn.commit().await?;
    Ok(unread)
}
