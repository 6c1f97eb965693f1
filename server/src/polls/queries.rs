//! Reads for polls: pages, options, ballots, and the results as a reader may see them.

use super::model::{self, PollKind, Reader, ResultsVisibility};
use super::views::{MyVote, NamedValue, OptionResult, OptionView, PollView, ResultsView};
use crate::entities::{poll_ballots, poll_choices, poll_options, polls, threads};
use crate::grouping::group_by_key;
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Position in a list ordered newest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct NewestFirstCursor {
    #[serde(rename = "t")]
    pub created_at: DateTime<Utc>,
    #[serde(rename = "i")]
    pub id: i64,
}

pub struct ListFilter {
    pub thread_id: Option<i64>,
    /// `Some(true)`: open only; `Some(false)`: closed only.
    pub open: Option<bool>,
    pub now: DateTime<Utc>,
}

pub async fn page(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    filter: &ListFilter,
    cursor: Option<&NewestFirstCursor>,
    limit: u64,
) -> Result<Vec<polls::Model>, DbErr> {
    let mut query = polls::Entity::find()
        .filter(polls::Column::NetworkId.eq(network_id))
        .filter(polls::Column::DeletedAt.is_null())
        // A deleted thread takes its polls with it.
        .filter(
            Condition::any().add(polls::Column::ThreadId.is_null()).add(
                polls::Column::ThreadId.in_subquery(
                    Query::select()
                        .column(threads::Column::Id)
                        .from(threads::Entity)
                        .and_where(threads::Column::DeletedAt.is_null())
                        .to_owned(),
                ),
            ),
        );
    if let Some(thread) = filter.thread_id {
        query = query.filter(polls::Column::ThreadId.eq(thread));
    }
    let open = Condition::all().add(polls::Column::ClosedAt.is_null()).add(
        Condition::any()
            .add(polls::Column::ClosesAt.is_null())
            .add(polls::Column::ClosesAt.gt(filter.now)),
    );
    match filter.open {
        Some(true) => query = query.filter(open),
        Some(false) => query = query.filter(open.not()),
        None => {}
    }
    if let Some(cursor) = cursor {
        query = query.filter(
            Condition::any()
                .add(polls::Column::CreatedAt.lt(cursor.created_at))
                .add(
                    Condition::all()
                        .add(polls::Column::CreatedAt.eq(cursor.created_at))
                        .add(polls::Column::Id.lt(cursor.id)),
                ),
        );
    }
    query
        .order_by_desc(polls::Column::CreatedAt)
        .order_by_desc(polls::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await
}

pub async fn option_ids(db: &impl ConnectionTrait, poll_id: i64) -> Result<Vec<i64>, DbErr> {
    poll_options::Entity::find()
        .select_only()
        .column(poll_options::Column::Id)
        .filter(poll_options::Column::PollId.eq(poll_id))
        .order_by_asc(poll_options::Column::Position)
        .into_tuple()
        .all(db)
        .await
}

/// The full results of `poll`: counts, and for named polls who chose what. Shaping them for
/// a reader (or withholding them) is the caller's business.
pub async fn results(db: &impl ConnectionTrait, poll: &polls::Model) -> Result<ResultsView, DbErr> {
    let options = options_of(db, &[poll.id]).await?;
    Ok(results_of(db, std::slice::from_ref(poll), &options)
        .await?
        .remove(&poll.id)
        .unwrap_or(ResultsView {
            voter_count: 0,
            options: Vec::new(),
            number: None,
            values: None,
        }))
}

/// The options of the polls `ids`, in each poll's order.
async fn options_of(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<poll_options::Model>>, DbErr> {
    Ok(group_by_key(
        poll_options::Entity::find()
            .filter(poll_options::Column::PollId.is_in(ids.iter().copied()))
            .order_by_asc(poll_options::Column::Position)
            .all(db)
            .await?,
        |o| (o.poll_id, o),
    ))
}

async fn results_of(
    db: &impl ConnectionTrait,
    rows: &[polls::Model],
    options: &HashMap<i64, Vec<poll_options::Model>>,
) -> Result<HashMap<i64, ResultsView>, DbErr> {
    let named: Vec<i64> = rows
        .iter()
        .filter(|p| !p.is_anonymous)
        .map(|p| p.id)
        .collect();
    let choices = if named.is_empty() {
        HashMap::new()
    } else {
        group_by_key(
            poll_choices::Entity::find()
                .filter(poll_choices::Column::PollId.is_in(named))
                .order_by_asc(poll_choices::Column::MemberId)
                .all(db)
                .await?,
            |c| (c.option_id, c.member_id),
        )
    };
    let numeric: Vec<i64> = rows
        .iter()
        .filter(|p| PollKind::from_stored(&p.kind) == PollKind::Number)
        .map(|p| p.id)
        .collect();
    let values = if numeric.is_empty() {
        HashMap::new()
    } else {
        group_by_key(
            poll_ballots::Entity::find()
                .filter(poll_ballots::Column::PollId.is_in(numeric))
                .order_by_asc(poll_ballots::Column::MemberId)
                .all(db)
                .await?,
            |b| (b.poll_id, (b.member_id, b.value)),
        )
    };
    let mut people: Vec<i64> = choices.values().flatten().copied().collect();
    people.extend(values.values().flatten().map(|(member, _)| *member));
    let people = member_queries::find_many(db, &people).await?;
    let reference = |id: &i64| people.get(id).map(MemberRef::from);
    Ok(rows
        .iter()
        .map(|poll| {
            let voters = poll.voter_count.max(0) as u64;
            let option_results = options
                .get(&poll.id)
                .map(|list| {
                    list.iter()
                        .map(|o| OptionResult {
                            id: ApiId(o.id),
                            votes: o.vote_count.max(0) as u64,
                            percent: if voters == 0 {
                                0.0
                            } else {
                                (o.vote_count.max(0) as f64 * 1000.0 / voters as f64).round() / 10.0
                            },
                            voters: (!poll.is_anonymous).then(|| {
                                choices
                                    .get(&o.id)
                                    .map(|ids| ids.iter().filter_map(reference).collect())
                                    .unwrap_or_default()
                            }),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let numbers: Vec<(i64, f64)> = values
                .get(&poll.id)
                .map(|list| {
                    list.iter()
                        .filter_map(|(member, value)| value.map(|v| (*member, v)))
                        .collect()
                })
                .unwrap_or_default();
            let is_number = PollKind::from_stored(&poll.kind) == PollKind::Number;
            let results = ResultsView {
                voter_count: voters,
                options: option_results,
                number: is_number.then(|| {
                    model::summarize(&numbers.iter().map(|(_, v)| *v).collect::<Vec<_>>())
                }),
                values: (is_number && !poll.is_anonymous).then(|| {
                    numbers
                        .iter()
                        .filter_map(|(member, value)| {
                            reference(member).map(|member| NamedValue {
                                member,
                                value: *value,
                            })
                        })
                        .collect()
                }),
            };
            (poll.id, results)
        })
        .collect())
}

/// `viewer`'s ballots on `polls`.
async fn ballots_of(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    ids: &[i64],
) -> Result<HashMap<i64, MyVote>, DbErr> {
    let ballots = poll_ballots::Entity::find()
        .filter(poll_ballots::Column::PollId.is_in(ids.iter().copied()))
        .filter(poll_ballots::Column::MemberId.eq(viewer))
        .all(db)
        .await?;
    let mut chosen = group_by_key(
        poll_choices::Entity::find()
            .filter(poll_choices::Column::PollId.is_in(ids.iter().copied()))
            .filter(poll_choices::Column::MemberId.eq(viewer))
            .order_by_asc(poll_choices::Column::OptionId)
            .all(db)
            .await?,
        |c| (c.poll_id, ApiId(c.option_id)),
    );
    Ok(ballots
        .into_iter()
        .map(|b| {
            (
                b.poll_id,
                MyVote {
                    option_ids: chosen.remove(&b.poll_id).unwrap_or_default(),
                    value: b.value,
                },
            )
        })
        .collect())
}

/// How `viewer` (a facilitator of the network or not) sees `rows` at `now`: their ballot,
/// and the results where the rule allows.
pub async fn views(
    db: &impl ConnectionTrait,
    viewer: Option<i64>,
    is_facilitator: bool,
    rows: &[polls::Model],
    now: DateTime<Utc>,
) -> Result<Vec<PollView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let options = options_of(db, &ids).await?;
    let mine = match viewer {
        Some(viewer) => ballots_of(db, MemberId(viewer), &ids).await?,
        None => HashMap::new(),
    };
    let shown: Vec<polls::Model> = rows
        .iter()
        .filter(|p| {
            viewer.is_some()
                && model::results_visible(
                    ResultsVisibility::from_stored(&p.results_visibility),
                    model::is_closed(p.closed_at, p.closes_at, now),
                    Reader {
                        has_voted: mine.contains_key(&p.id),
                        is_facilitator,
                    },
                )
        })
        .cloned()
        .collect();
    let mut results = results_of(db, &shown, &options).await?;
    let authors: Vec<i64> = rows.iter().map(|p| p.author_id).collect();
    let authors = member_queries::find_many(db, &authors).await?;
    let mut mine = mine;
    Ok(rows
        .iter()
        .map(|p| {
            let results = results.remove(&p.id);
            PollView {
                id: ApiId(p.id),
                network_id: ApiId(p.network_id),
                thread_id: p.thread_id.map(ApiId),
                author: authors.get(&p.author_id).map(MemberRef::from),
                question: p.question.clone(),
                description: p.description.clone(),
                description_html: p.description_html.clone(),
                kind: PollKind::from_stored(&p.kind),
                options: options
                    .get(&p.id)
                    .map(|list| {
                        list.iter()
                            .map(|o| OptionView {
                                id: ApiId(o.id),
                                label: o.label.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                min: p.min_value,
                max: p.max_value,
                results_visibility: ResultsVisibility::from_stored(&p.results_visibility),
                anonymous: p.is_anonymous,
                voter_count: p.voter_count.max(0) as u64,
                closes_at: p.closes_at,
                closed_at: p.closed_at,
                is_closed: model::is_closed(p.closed_at, p.closes_at, now),
                my_vote: mine.remove(&p.id),
                results_visible: results.is_some(),
                results,
                url: format!("/polls/{}", p.id),
                created_at: p.created_at,
                updated_at: p.updated_at,
            }
        })
        .collect())
}
