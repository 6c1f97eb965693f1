//! Sharing, reading, listing, editing and deleting resources. New file versions are in
//! `versions.rs`, "this was helpful" votes in `votes.rs`.

use super::form::{ReceivedFile, ResourceFields};
use super::model::{Facet, ResourceKind, Sort};
use super::queries::{self, ResourceCursor, ResourceFilter};
use super::versions::{add_file_version, note_of};
use super::views::ResourceView;
use crate::db::Writer;
use crate::entities::{resource_labels, resources};
use crate::error::{ApiError, ApiResult, FieldCollector, FieldErrors};
use crate::events::{self, EventKind, NewEvent};
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::item_reads::ReadItem;
use crate::markdown::Markdown;
use crate::networks::access::load;
use crate::networks::network_access;
use crate::notifications::service::UnreadCount;
use crate::notifications::settle;
use crate::tags::Tag;
use crate::text::{HttpUrl, MarkdownBody, Title};
use crate::tx::Tx;
use crate::AppState;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceListQuery {
    pub kind: Option<String>,
    pub tag: Option<String>,
    pub subject: Option<String>,
    pub grade_level: Option<String>,
    /// `recent` (default), `helpful` or `downloads`.
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn parse_url(raw: &str) -> ApiResult<Option<String>> {
    Ok(HttpUrl::parse_optional("url", raw)?.map(HttpUrl::into_string))
}

/// Labels of every facet, parsed; `None` for facets the client did not send.
struct Labels(Vec<(Facet, Option<Vec<Tag>>)>);

impl Labels {
    fn parse(fields: &ResourceFields, errors: &mut FieldErrors) -> Labels {
        let mut labels = Vec::new();
        for (facet, raw) in [
            (Facet::Tag, &fields.tags),
            (Facet::GradeLevel, &fields.grade_levels),
            (Facet::Subject, &fields.subjects),
        ] {
            let parsed = raw
                .as_deref()
                .map(|values| Tag::parse_list(facet.field(), values));
            match parsed {
                Some(Err(ApiError::Validation(fields))) => errors.extend(fields),
                Some(Ok(tags)) => labels.push((facet, Some(tags))),
                _ => labels.push((facet, None)),
            }
        }
        Labels(labels)
    }

    async fn store(&self, txn: &impl ConnectionTrait, resource_id: i64) -> ApiResult<()> {
        for (facet, values) in &self.0 {
            let Some(values) = values else { continue };
            resource_labels::Entity::delete_many()
                .filter(resource_labels::Column::ResourceId.eq(resource_id))
                .filter(resource_labels::Column::Facet.eq(facet.as_str()))
                .exec(txn)
                .await?;
            if !values.is_empty() {
                resource_labels::Entity::insert_many(values.iter().map(|value| {
                    resource_labels::ActiveModel {
                        resource_id: Set(resource_id),
                        facet: Set(facet.as_str().to_owned()),
                        value: Set(value.as_str().to_owned()),
                    }
                }))
                .exec(txn)
                .await?;
            }
        }
        Ok(())
    }
}

pub(super) async fn announce(
    txn: &Tx,
    kind: EventKind,
    actor: MemberId,
    view: &ResourceView,
) -> ApiResult<()> {
    let public = ResourceView {
        helpful_by_me: false,
        ..view.clone()
    };
    let event =
        NewEvent::in_network(kind, view.network_id.0, actor.get(), &public).about(view.id.0);
    // Replays show it as it is now, never an earlier title or text.
    if kind != EventKind::ResourceCreated {
        events::redact(
            txn,
            &[EventKind::ResourceCreated, EventKind::ResourceUpdated],
            view.id.0,
            event.payload.clone(),
        )
        .await?;
    }
    txn.emit(event);
    Ok(())
}

/// Shares a resource: its row, labels, first file version if any, and its discussion
/// thread, all in one transaction.
pub async fn create(
    state: &AppState,
    actor: MemberId,
    network_id: NetworkId,
    fields: ResourceFields,
    file: Option<ReceivedFile>,
) -> ApiResult<ResourceView> {
    let mut collect = FieldCollector::default();
    let title = collect.take(Title::parse(fields.title.as_deref().unwrap_or_default()));
    let kind = collect.take(match fields.kind.as_deref() {
        None => Err(ApiError::invalid("kind", "is required")),
        Some(raw) => ResourceKind::parse(raw).ok_or_else(|| {
            ApiError::invalid("kind", "must be file, link, lesson_plan, tool or template")
        }),
    });
    let description = collect.take(MarkdownBody::optional(
        "description",
        fields.description.as_deref().unwrap_or_default(),
    ));
    let url = collect.take(parse_url(fields.url.as_deref().unwrap_or_default()));
    let note = collect.take(note_of(&fields));
    if file.is_none() && fields.note.is_some() {
        collect.reject("note", "describes an uploaded file; send one with it");
    }
    match (kind, &url, &file) {
        (Some(ResourceKind::File), _, None) => {
            collect.reject("file", "is required for a file resource")
        }
        (Some(ResourceKind::Link), Some(None), _) => {
            collect.reject("url", "is required for a link")
        }
        (Some(ResourceKind::Link), _, Some(_)) => collect.reject("file", "a link has no file"),
        _ => {}
    }
    let labels = Labels::parse(&fields, collect.errors());
    collect.finish()?;
    let (Some(title), Some(kind), Some(description), Some(url), Some(note)) =
        (title, kind, description, url, note)
    else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a field was refused without a recorded error"
        )));
    };

    let txn = Tx::begin(state.db.writer()).await?;
    network_access(&txn, actor, network_id).await?;
    let now = crate::clock::now();
    let resource = resources::ActiveModel {
        network_id: Set(network_id.get()),
        author_id: Set(actor.get()),
        kind: Set(kind.as_str().to_owned()),
        title: Set(title.as_str().to_owned()),
        description_html: Set(description.render(&state.markdown)),
        description: Set(description.as_str().to_owned()),
        url: Set(url.clone()),
        discussion_thread_id: Set(None),
        current_version: Set(file.as_ref().map(|_| 1)),
        helpful_count: Set(0),
        download_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    labels.store(&txn, resource.id).await?;
    if let Some(file) = file {
        add_file_version(state, &txn, resource.id, 1, actor, file, note).await?;
    }
    // One conversation system: the resource's discussion is an ordinary thread.
    let opening = format!(
        "Discussion of the shared {}: **{}**.{}",
        kind.as_str().replace('_', " "),
        title.as_str(),
        if description.is_empty() {
            String::new()
        } else {
            format!("\n\n{}", description.as_str())
        }
    );
    let resource_tags: Vec<Tag> = labels
        .0
        .iter()
        .find(|(facet, _)| *facet == Facet::Tag)
        .and_then(|(_, tags)| tags.clone())
        .unwrap_or_default();
    let thread = crate::threads::service::start_thread(
        &txn,
        &state.markdown,
        actor,
        network_id,
        title.as_str().chars().take(186).collect::<String>() + " (discussion)",
        opening,
        &resource_tags,
    )
    .await?;
    let mut active: resources::ActiveModel = resource.into();
    active.discussion_thread_id = Set(Some(thread.summary.id.0));
    let resource = active.update(&txn).await?;
    let view = queries::view(&txn, actor, &resource).await?;
    announce(&txn, EventKind::ResourceCreated, actor, &view).await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn get(db: &impl ConnectionTrait, viewer: MemberId, id: i64) -> ApiResult<ResourceView> {
    let (resource, _) = load::<resources::Entity>(db, viewer, id).await?;
    Ok(queries::view(db, viewer, &resource).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    network_id: NetworkId,
    query: ResourceListQuery,
) -> ApiResult<Page<ResourceView>> {
    network_access(db, viewer, network_id).await?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let sort = match query.sort.as_deref() {
        None => Sort::Recent,
        Some(raw) => Sort::parse(raw)
            .ok_or_else(|| ApiError::invalid("sort", "must be recent, helpful or downloads"))?,
    };
    let cursor: Option<ResourceCursor> = page.cursor()?;
    if let Some(ResourceCursor::Recent { t, .. }) = &cursor {
        crate::extract::plausible_time(*t)?;
    }
    let kind = query
        .kind
        .as_deref()
        .map(|raw| {
            ResourceKind::parse(raw).ok_or_else(|| {
                ApiError::invalid("kind", "must be file, link, lesson_plan, tool or template")
            })
        })
        .transpose()?;
    let mut labels = Vec::new();
    for (facet, raw, field) in [
        (Facet::Tag, &query.tag, "tag"),
        (Facet::Subject, &query.subject, "subject"),
        (Facet::GradeLevel, &query.grade_level, "grade_level"),
    ] {
        if let Some(raw) = raw {
            let tag = Tag::parse(raw).map_err(|message| ApiError::invalid(field, message))?;
            labels.push((facet, tag.as_str().to_owned()));
        }
    }
    let filter = ResourceFilter {
        kind: kind.map(ResourceKind::as_str),
        labels,
    };
    let rows = queries::page(db, network_id, &filter, sort, cursor.as_ref(), limit).await?;
    let (rows, next_cursor) = split_page(rows, limit, |r| ResourceCursor::of(sort, r));
    Ok(Page {
        items: queries::views(db, viewer, &rows).await?,
        next_cursor,
    })
}

/// Edits by whoever shared it or a facilitator: title, description, url, labels.
pub async fn update(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    id: i64,
    fields: ResourceFields,
) -> ApiResult<ResourceView> {
    if fields.kind.is_some() || fields.note.is_some() {
        return Err(ApiError::invalid(
            if fields.kind.is_some() {
                "kind"
            } else {
                "note"
            },
            "cannot be changed; notes belong to uploaded versions",
        ));
    }
    let title = fields.title.as_deref().map(Title::parse).transpose()?;
    let description = fields
        .description
        .as_deref()
        .map(|raw| MarkdownBody::optional("description", raw))
        .transpose()?;
    let url = fields.url.as_deref().map(parse_url).transpose()?;
    let mut errors = FieldErrors::new();
    let labels = Labels::parse(&fields, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let txn = Tx::begin(db).await?;
    let (resource, access) = load::<resources::Entity>(&txn, actor, id).await?;
    access.require_author_or_facilitator(MemberId(resource.author_id))?;
    if ResourceKind::from_stored(&resource.kind) == ResourceKind::Link && url == Some(None) {
        return Err(ApiError::invalid("url", "is required for a link"));
    }
    let mut active: resources::ActiveModel = resource.into();
    if let Some(title) = title {
        active.title = Set(title.into_string());
    }
    if let Some(description) = description {
        active.description_html = Set(description.render(markdown));
        active.description = Set(description.into_string());
    }
    if let Some(url) = url {
        active.url = Set(url);
    }
    active.updated_at = Set(crate::clock::now());
    let resource = active.update(&txn).await?;
    labels.store(&txn, id).await?;
    let view = queries::view(&txn, actor, &resource).await?;
    announce(&txn, EventKind::ResourceUpdated, actor, &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Soft delete by whoever shared it or a facilitator; files stay for earlier downloads'
/// sake until an operator prunes them.
pub async fn delete(db: &Writer, actor: MemberId, id: i64) -> ApiResult<()> {
    let txn = Tx::begin(db).await?;
    let (resource, access) = load::<resources::Entity>(&txn, actor, id).await?;
    access.require_author_or_facilitator(MemberId(resource.author_id))?;
    let network_id = resource.network_id;
    let mut active: resources::ActiveModel = resource.into();
    let now = crate::clock::now();
    active.deleted_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    // Replays no longer carry what was shared: only that it existed and is gone.
    events::redact(
        &txn,
        &[EventKind::ResourceCreated, EventKind::ResourceUpdated],
        id,
        serde_json::json!({ "id": ApiId(id), "network_id": ApiId(network_id), "deleted": true }),
    )
    .await?;
    txn.emit(
        NewEvent::in_network(
            EventKind::ResourceDeleted,
            network_id,
            actor.get(),
            &serde_json::json!({ "id": ApiId(id) }),
        )
        .about(id),
    );
    txn.commit().await?;
    Ok(())
}

/// The viewer opened a resource: recorded as read (`item_reads`), and their notifications about
/// it settled; answers with their unread notifications.
pub async fn mark_read(db: &Writer, viewer: MemberId, id: i64) -> ApiResult<UnreadCount> {
    let txn = Tx::begin(db).await?;
    load::<resources::Entity>(&txn, viewer, id).await?;
    let unread = settle::opened(&txn, viewer, ReadItem::Resource, id).await?;
    txn.commit().await?;
    Ok(unread)
}
