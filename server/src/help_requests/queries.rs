//! Reads for help-request lists and pages, batched per page.

use super::views::{AnonymousAsker, Asker, HelpRequestExtras, HelpRequestView, ResponseView};
use crate::entities::{
    help_offers, help_request_tags, help_requests, help_responses, member_expertise,
    network_members,
};
use crate::grouping::group_by_key;
use crate::ids::{MemberId, NetworkId};
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use crate::paging::IdPage;
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

pub struct ListFilter<'a> {
    pub status: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub urgency: Option<&'a str>,
    /// Only requests still open (no response) that were asked before this time.
    pub unanswered_since: Option<DateTime<Utc>>,
}

pub async fn page(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    filter: &ListFilter<'_>,
    cursor: Option<&NewestFirstCursor>,
    limit: u64,
) -> Result<Vec<help_requests::Model>, DbErr> {
    let mut query = help_requests::Entity::find()
        .filter(help_requests::Column::NetworkId.eq(network_id))
        .filter(help_requests::Column::DeletedAt.is_null());
    if let Some(status) = filter.status {
        query = query.filter(help_requests::Column::Status.eq(status));
    }
    if let Some(urgency) = filter.urgency {
        query = query.filter(help_requests::Column::Urgency.eq(urgency));
    }
    if let Some(before) = filter.unanswered_since {
        query = query
            .filter(help_requests::Column::Status.eq("open"))
            .filter(help_requests::Column::CreatedAt.lte(before));
    }
    if let Some(tag) = filter.tag {
        query = query.filter(
            help_requests::Column::Id.in_subquery(
                Query::select()
                    .column(help_request_tags::Column::HelpRequestId)
                    .from(help_request_tags::Entity)
                    .and_where(help_request_tags::Column::Tag.eq(tag))
                    .to_owned(),
            ),
        );
    }
    if let Some(cursor) = cursor {
        query = query.filter(
            Condition::any()
                .add(help_requests::Column::CreatedAt.lt(cursor.created_at))
                .add(
                    Condition::all()
                        .add(help_requests::Column::CreatedAt.eq(cursor.created_at))
                        .add(help_requests::Column::Id.lt(cursor.id)),
                ),
        );
    }
    query
        .order_by_desc(help_requests::Column::CreatedAt)
        .order_by_desc(help_requests::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await
}

pub async fn views(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    rows: &[help_requests::Model],
) -> Result<Vec<HelpRequestView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags = group_by_key(
        help_request_tags::Entity::find()
            .filter(help_request_tags::Column::HelpRequestId.is_in(ids.clone()))
            .order_by_asc(help_request_tags::Column::Tag)
            .all(db)
            .await?,
        |row| (row.help_request_id, row.tag),
    );
    let offers = help_offers::Entity::find()
        .filter(help_offers::Column::HelpRequestId.is_in(ids))
        .order_by_asc(help_offers::Column::CreatedAt)
        .all(db)
        .await?;
    // An anonymous asker is read only for themselves; everyone else sees the network.
    let shows_asker =
        |row: &help_requests::Model| !row.is_anonymous || row.author_id == viewer.get();
    let mut people: Vec<i64> = rows
        .iter()
        .filter(|r| shows_asker(r))
        .map(|r| r.author_id)
        .collect();
    people.extend(offers.iter().map(|o| o.member_id));
    let members = member_queries::find_many(db, &people).await?;
    let anonymous_in: Vec<i64> = rows
        .iter()
        .filter(|r| !shows_asker(r))
        .map(|r| r.network_id)
        .collect();
    let network_names = crate::networks::queries::names(db, anonymous_in).await?;
    let offers: HashMap<i64, Vec<i64>> = group_by_key(offers, |o| (o.help_request_id, o.member_id));
    Ok(rows
        .iter()
        .map(|row| {
            let offerers = offers.get(&row.id).cloned().unwrap_or_default();
            HelpRequestView::new(
                row,
                HelpRequestExtras {
                    author: if shows_asker(row) {
                        members
                            .get(&row.author_id)
                            .map(|m| Asker::Member(MemberRef::from(m)))
                    } else {
                        network_names
                            .get(&row.network_id)
                            .map(|name| Asker::Anonymous(AnonymousAsker::of_network(name)))
                    },
                    asked_by_me: row.author_id == viewer.get(),
                    tags: tags.remove(&row.id).unwrap_or_default(),
                    offered_by_me: offerers.contains(&viewer.get()),
                    offers: offerers
                        .iter()
                        .filter_map(|id| members.get(id))
                        .map(MemberRef::from)
                        .collect(),
                },
            )
        })
        .collect())
}

/// The network's name, for an anonymous asker's label.
pub async fn network_name(db: &impl ConnectionTrait, id: i64) -> Result<String, DbErr> {
    Ok(crate::networks::queries::names(db, vec![id])
        .await?
        .remove(&id)
        .unwrap_or_default())
}

pub async fn view(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    row: &help_requests::Model,
) -> Result<HelpRequestView, DbErr> {
    Ok(views(db, viewer, std::slice::from_ref(row))
        .await?
        .pop()
        .expect("one in, one out"))
}

pub async fn responses_page(
    db: &impl ConnectionTrait,
    request: &help_requests::Model,
    page: IdPage,
) -> Result<Vec<help_responses::Model>, DbErr> {
    let query =
        help_responses::Entity::find().filter(help_responses::Column::HelpRequestId.eq(request.id));
    page.ascending(query, help_responses::Column::Id)
        .all(db)
        .await
}

pub async fn response_views(
    db: &impl ConnectionTrait,
    request: &help_requests::Model,
    rows: &[help_responses::Model],
) -> Result<Vec<ResponseView>, DbErr> {
    let authors: Vec<i64> = rows.iter().map(|r| r.author_id).collect();
    let members = member_queries::find_many(db, &authors).await?;
    Ok(rows
        .iter()
        .map(|row| {
            ResponseView::new(
                row,
                members.get(&row.author_id).map(MemberRef::from),
                request.accepted_response_id,
            )
        })
        .collect())
}

/// Members of the network (other than `except`) whose expertise includes one of `tags`.
pub async fn experts_for(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    tags: &[String],
    except: i64,
) -> Result<Vec<i64>, DbErr> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    network_members::Entity::find()
        .select_only()
        .column(network_members::Column::MemberId)
        .filter(network_members::Column::NetworkId.eq(network_id))
        .filter(network_members::Column::MemberId.ne(except))
        .filter(
            network_members::Column::MemberId.in_subquery(
                Query::select()
                    .column(member_expertise::Column::MemberId)
                    .from(member_expertise::Entity)
                    .and_where(member_expertise::Column::Tag.is_in(tags.iter().cloned()))
                    .to_owned(),
            ),
        )
        .order_by_asc(network_members::Column::MemberId)
        .into_tuple()
        .all(db)
        .await
}
