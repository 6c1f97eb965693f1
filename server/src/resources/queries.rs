//! Reads for the resource library, batched per page.

use super::model::{Facet, Sort};
use super::views::{ResourceExtras, ResourceView, VersionView};
use crate::entities::{resource_labels, resource_versions, resource_votes, resources};
use crate::ids::{MemberId, NetworkId};
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Position in a list sorted by `Sort`, newest/highest first, ids breaking ties.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResourceCursor {
    Recent { t: DateTime<Utc>, i: i64 },
    Count { n: i64, i: i64 },
}

impl ResourceCursor {
    pub fn of(sort: Sort, row: &resources::Model) -> ResourceCursor {
        match sort {
            Sort::Recent => ResourceCursor::Recent {
                t: row.created_at,
                i: row.id,
            },
            Sort::Helpful => ResourceCursor::Count {
                n: i64::from(row.helpful_count),
                i: row.id,
            },
            Sort::Downloads => ResourceCursor::Count {
                n: i64::from(row.download_count),
                i: row.id,
            },
        }
    }
}

pub struct ResourceFilter<'a> {
    pub kind: Option<&'a str>,
    pub labels: Vec<(Facet, String)>,
}

pub async fn page(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    filter: &ResourceFilter<'_>,
    sort: Sort,
    cursor: Option<&ResourceCursor>,
    limit: u64,
) -> Result<Vec<resources::Model>, DbErr> {
    let mut query = resources::Entity::find()
        .filter(resources::Column::NetworkId.eq(network_id))
        .filter(resources::Column::DeletedAt.is_null());
    if let Some(kind) = filter.kind {
        query = query.filter(resources::Column::Kind.eq(kind));
    }
    for (facet, value) in &filter.labels {
        query = query.filter(
            resources::Column::Id.in_subquery(
                Query::select()
                    .column(resource_labels::Column::ResourceId)
                    .from(resource_labels::Entity)
                    .and_where(resource_labels::Column::Facet.eq(facet.as_str()))
                    .and_where(resource_labels::Column::Value.eq(value.as_str()))
                    .to_owned(),
            ),
        );
    }
    let column = match sort {
        Sort::Recent => resources::Column::CreatedAt,
        Sort::Helpful => resources::Column::HelpfulCount,
        Sort::Downloads => resources::Column::DownloadCount,
    };
    match cursor {
        Some(ResourceCursor::Recent { t, i }) if sort == Sort::Recent => {
            query = query.filter(
                Condition::any().add(column.lt(*t)).add(
                    Condition::all()
                        .add(column.eq(*t))
                        .add(resources::Column::Id.lt(*i)),
                ),
            );
        }
        Some(ResourceCursor::Count { n, i }) if sort != Sort::Recent => {
            query = query.filter(
                Condition::any().add(column.lt(*n)).add(
                    Condition::all()
                        .add(column.eq(*n))
                        .add(resources::Column::Id.lt(*i)),
                ),
            );
        }
        _ => {}
    }
    query
        .order_by_desc(column)
        .order_by_desc(resources::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await
}

pub async fn views(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    rows: &[resources::Model],
) -> Result<Vec<ResourceView>, DbErr> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let labels = resource_labels::Entity::find()
        .filter(resource_labels::Column::ResourceId.is_in(ids.clone()))
        .order_by_asc(resource_labels::Column::Value)
        .all(db)
        .await?;
    let versions = resource_versions::Entity::find()
        .filter(resource_versions::Column::ResourceId.is_in(ids.clone()))
        .order_by_desc(resource_versions::Column::Version)
        .all(db)
        .await?;
    let voted: HashSet<i64> = resource_votes::Entity::find()
        .filter(resource_votes::Column::MemberId.eq(viewer))
        .filter(resource_votes::Column::ResourceId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.resource_id)
        .collect();
    let mut people: Vec<i64> = rows.iter().map(|r| r.author_id).collect();
    people.extend(versions.iter().map(|v| v.uploaded_by));
    let members = member_queries::find_many(db, &people).await?;

    let mut by_facet: HashMap<(i64, &str), Vec<String>> = HashMap::new();
    for label in &labels {
        by_facet
            .entry((label.resource_id, label.facet.as_str()))
            .or_default()
            .push(label.value.clone());
    }
    let mut versions_of: HashMap<i64, Vec<VersionView>> = HashMap::new();
    for version in &versions {
        versions_of
            .entry(version.resource_id)
            .or_default()
            .push(VersionView::new(
                version,
                members.get(&version.uploaded_by).map(MemberRef::from),
            ));
    }
    Ok(rows
        .iter()
        .map(|row| {
            let mut facet = |f: Facet| by_facet.remove(&(row.id, f.as_str())).unwrap_or_default();
            ResourceView::new(
                row,
                ResourceExtras {
                    tags: facet(Facet::Tag),
                    grade_levels: facet(Facet::GradeLevel),
                    subjects: facet(Facet::Subject),
                    author: members.get(&row.author_id).map(MemberRef::from),
                    versions: versions_of.remove(&row.id).unwrap_or_default(),
                    helpful_by_me: voted.contains(&row.id),
                },
            )
        })
        .collect())
}

pub async fn view(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    row: &resources::Model,
) -> Result<ResourceView, DbErr> {
    Ok(views(db, viewer, std::slice::from_ref(row))
        .await?
        .pop()
        .expect("one in, one out"))
}

pub async fn version(
    db: &impl ConnectionTrait,
    resource_id: i64,
    version: i32,
) -> Result<Option<resource_versions::Model>, DbErr> {
    resource_versions::Entity::find()
        .filter(resource_versions::Column::ResourceId.eq(resource_id))
        .filter(resource_versions::Column::Version.eq(version))
        .one(db)
        .await
}
