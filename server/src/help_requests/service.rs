//! Asking for help, reading and listing requests, editing, closing and reopening them.
//! Responses and acceptance are in `responses.rs`, offers of help in `offers.rs`.

use super::model::{HelpRequestStatus, IllegalTransition, Transition, Urgency};
use super::queries::{self, ListFilter, NewestFirstCursor};
use super::views::{anonymous_label, HelpRequestView};
use crate::db::Writer;
use crate::entities::{help_request_tags, help_requests};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventKind, NewEvent};
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::item_reads::ReadItem;
use crate::markdown::Markdown;
use crate::networks::access::{load, load_for_update};
use crate::networks::network_access;
use crate::notifications::records::{notify_all, NewNotification, NotificationKind};
use crate::notifications::service::UnreadCount;
use crate::notifications::settle;
use crate::tags::Tag;
use crate::text::{MarkdownBody, Title};
use crate::tx::Tx;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHelpRequest {
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Members whose expertise matches one of these are notified.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "default_urgency")]
    pub urgency: Urgency,
    /// Ask without being named: everyone but the asker sees "a member of <network>", on
    /// every path, and nobody can unmask it (facilitators can still hide the request).
    #[serde(default)]
    pub anonymous: bool,
}

fn default_urgency() -> Urgency {
    Urgency::Normal
}

/// Edits by the asker or a facilitator. `status` accepts `closed` (withdraw) and `open`
/// (reopen); `answered` and `resolved` follow from responses and `/accept`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateHelpRequest {
    pub title: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
    pub urgency: Option<Urgency>,
    pub status: Option<HelpRequestStatus>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HelpRequestListQuery {
    /// `open`, `answered`, `resolved` or `closed`.
    pub status: Option<String>,
    pub tag: Option<String>,
    /// `low`, `normal` or `high`.
    pub urgency: Option<String>,
    /// Facilitators: only requests still without any response after this many days.
    pub unanswered_for_days: Option<u32>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl From<IllegalTransition> for ApiError {
    fn from(refused: IllegalTransition) -> Self {
        ApiError::Conflict(refused.0.to_owned())
    }
}

async fn replace_tags(txn: &impl ConnectionTrait, id: i64, tags: &[Tag]) -> ApiResult<()> {
    help_request_tags::Entity::delete_many()
        .filter(help_request_tags::Column::HelpRequestId.eq(id))
        .exec(txn)
        .await?;
    if !tags.is_empty() {
        help_request_tags::Entity::insert_many(tags.iter().map(|tag| {
            help_request_tags::ActiveModel {
                help_request_id: Set(id),
                tag: Set(tag.as_str().to_owned()),
            }
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// Who an event or notification names as having acted on `request`: nobody, when the
/// asker of an anonymous request acted (their later edits, closing, accepting stay
/// anonymous too).
pub(crate) fn shown_actor(request: &help_requests::Model, actor: MemberId) -> Option<i64> {
    (!(request.is_anonymous && request.author_id == actor.get())).then_some(actor.get())
}

/// What notifications about `request` say of an anonymous asker who acted: their label, for
/// the words ("A member of Attendance PLN needs your expertise").
pub(crate) fn actor_label(
    request: &help_requests::Model,
    actor: MemberId,
    network_name: &str,
) -> Option<String> {
    shown_actor(request, actor)
        .is_none()
        .then(|| anonymous_label(network_name))
}

async fn announce(
    txn: &Tx,
    kind: EventKind,
    actor: MemberId,
    request: &help_requests::Model,
    view: &HelpRequestView,
    network_name: &str,
) -> ApiResult<()> {
    let public = view.as_seen_by_others(network_name);
    let mut event =
        NewEvent::in_network(kind, view.network_id.0, actor.get(), &public).about(view.id.0);
    event.actor_id = shown_actor(request, actor);
    // Replays show it as it is now, never an earlier title or text.
    if kind != EventKind::HelpRequestCreated {
        events::redact(
            txn,
            &[EventKind::HelpRequestCreated, EventKind::HelpRequestUpdated],
            view.id.0,
            event.payload.clone(),
        )
        .await?;
    }
    txn.emit(event);
    Ok(())
}

/// Asks for help. Members whose expertise overlaps the tags are notified in the same
/// transaction ("someone needs your expertise").
pub async fn create(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    network_id: NetworkId,
    input: CreateHelpRequest,
) -> ApiResult<HelpRequestView> {
    let (title, body, tags) = crate::error::collect_errors3(
        Title::parse(&input.title),
        MarkdownBody::required("body", &input.body),
        Tag::parse_list("tags", &input.tags),
    )?;
    let body_html = body.render(markdown);
    let txn = Tx::begin(db).await?;
    network_access(&txn, actor, network_id).await?;
    let now = crate::clock::now();
    let request = help_requests::ActiveModel {
        network_id: Set(network_id.get()),
        author_id: Set(actor.get()),
        title: Set(title.into_string()),
        body: Set(body.into_string()),
        body_html: Set(body_html),
        urgency: Set(input.urgency.as_str().to_owned()),
        status: Set(HelpRequestStatus::Open.as_str().to_owned()),
        accepted_response_id: Set(None),
        response_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        answered_at: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        is_anonymous: Set(input.anonymous),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    replace_tags(&txn, request.id, &tags).await?;
    let view = queries::view(&txn, actor, &request).await?;
    let network_name = queries::network_name(&txn, network_id.get()).await?;
    announce(
        &txn,
        EventKind::HelpRequestCreated,
        actor,
        &request,
        &view,
        &network_name,
    )
    .await?;
    let tag_names: Vec<String> = tags.iter().map(|t| t.as_str().to_owned()).collect();
    let experts = queries::experts_for(&txn, network_id, &tag_names, actor.get()).await?;
    // No title or tags: they are read from the request when the notification is shown
    // (`notifications/subjects.rs`), so an edit or a removal leaves no copy behind.
    let mut data = serde_json::json!({});
    if let Some(label) = actor_label(&request, actor, &network_name) {
        data["actor_label"] = label.into();
    }
    notify_all(
        &txn,
        experts
            .into_iter()
            .map(|expert| NewNotification {
                recipient_id: expert,
                kind: NotificationKind::ExpertiseRequested,
                subject_type: "help_request",
                subject_id: request.id,
                network_id: Some(network_id.get()),
                actor_id: shown_actor(&request, actor),
                data: data.clone(),
            })
            .collect(),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn get(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    id: i64,
) -> ApiResult<HelpRequestView> {
    let (request, _) = load::<help_requests::Entity>(db, viewer, id).await?;
    Ok(queries::view(db, viewer, &request).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    network_id: NetworkId,
    query: HelpRequestListQuery,
) -> ApiResult<Page<HelpRequestView>> {
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
    let status = query
        .status
        .as_deref()
        .map(|raw| {
            HelpRequestStatus::parse(raw).ok_or_else(|| {
                ApiError::invalid("status", "must be open, answered, resolved or closed")
            })
        })
        .transpose()?;
    let urgency = match query.urgency.as_deref() {
        None => None,
        Some(raw @ ("low" | "normal" | "high")) => Some(raw),
        Some(_) => return Err(ApiError::invalid("urgency", "must be low, normal or high")),
    };
    let tag = query
        .tag
        .as_deref()
        .map(Tag::parse)
        .transpose()
        .map_err(|m| ApiError::invalid("tag", m))?;
    let unanswered_since = match query.unanswered_for_days {
        None => None,
        Some(days) => {
            access.require_facilitator()?;
            Some(crate::clock::now() - chrono::Duration::days(i64::from(days.min(3650))))
        }
    };
    let filter = ListFilter {
        status: status.map(HelpRequestStatus::as_str),
        tag: tag.as_ref().map(Tag::as_str),
        urgency,
        unanswered_since,
    };
    let rows = queries::page(db, network_id, &filter, cursor.as_ref(), limit).await?;
    let (rows, next_cursor) = split_page(rows, limit, |r| NewestFirstCursor {
        created_at: r.created_at,
        id: r.id,
    });
    Ok(Page {
        items: queries::views(db, viewer, &rows).await?,
        next_cursor,
    })
}

pub async fn update(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    id: i64,
    input: UpdateHelpRequest,
) -> ApiResult<HelpRequestView> {
    let title = input.title.as_deref().map(Title::parse).transpose()?;
    let body = input
        .body
        .as_deref()
        .map(|raw| MarkdownBody::required("body", raw))
        .transpose()?;
    let tags = input
        .tags
        .as_deref()
        .map(|t| Tag::parse_list("tags", t))
        .transpose()?;
    let transition = match input.status {
        None => None,
        Some(HelpRequestStatus::Closed) => Some(Transition::Close),
        Some(HelpRequestStatus::Open) => Some(Transition::Reopen),
        Some(_) => return Err(ApiError::invalid(
            "status",
            "can be set to closed or open; answered and resolved follow from responses and /accept",
        )),
    };
    let txn = Tx::begin(db).await?;
    let (request, access) = load_for_update::<help_requests::Entity>(&txn, actor, id).await?;
    access.require_author_or_facilitator(MemberId(request.author_id))?;
    let now = crate::clock::now();
    let current = HelpRequestStatus::from_stored(&request.status);
    let mut active: help_requests::ActiveModel = request.clone().into();
    if let Some(transition) = transition {
        let next = current.apply(transition, request.response_count > 0)?;
        active.status = Set(next.as_str().to_owned());
        match transition {
            Transition::Close => active.closed_at = Set(Some(now)),
            _ => {
                active.closed_at = Set(None);
                active.resolved_at = Set(None);
                active.accepted_response_id = Set(None);
            }
        }
    }
    if let Some(title) = title {
        active.title = Set(title.into_string());
    }
    if let Some(body) = body {
        active.body_html = Set(body.render(markdown));
        active.body = Set(body.into_string());
    }
    if let Some(urgency) = input.urgency {
        active.urgency = Set(urgency.as_str().to_owned());
    }
    if let Some(tags) = &tags {
        replace_tags(&txn, id, tags).await?;
    }
    active.updated_at = Set(now);
    let request = active.update(&txn).await?;
    let view = queries::view(&txn, actor, &request).await?;
    let network_name = queries::network_name(&txn, request.network_id).await?;
    announce(
        &txn,
        EventKind::HelpRequestUpdated,
        actor,
        &request,
        &view,
        &network_name,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Removes a request: its asker withdraws it for good, or a facilitator hides it (which
/// works on anonymous requests too: hiding needs no name). Gone for every reader, from
/// lists, search and digests; earlier events keep only its id.
pub async fn delete(db: &Writer, actor: MemberId, id: i64) -> ApiResult<()> {
    let txn = Tx::begin(db).await?;
    let (request, access) = load_for_update::<help_requests::Entity>(&txn, actor, id).await?;
    access.require_author_or_facilitator(MemberId(request.author_id))?;
    let now = crate::clock::now();
    let network_id = request.network_id;
    let actor_shown = shown_actor(&request, actor);
    let mut active: help_requests::ActiveModel = request.into();
    active.deleted_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let payload = serde_json::json!({ "id": ApiId(id), "network_id": ApiId(network_id) });
    events::redact(
        &txn,
        &[
            EventKind::HelpRequestCreated,
            EventKind::HelpRequestUpdated,
            EventKind::HelpRequestResponded,
            EventKind::HelpRequestOffered,
            EventKind::HelpRequestResolved,
        ],
        id,
        payload.clone(),
    )
    .await?;
    let mut event = NewEvent::in_network(
        EventKind::HelpRequestDeleted,
        network_id,
        actor.get(),
        &payload,
    )
    .about(id);
    event.actor_id = actor_shown;
    txn.emit(event);
    txn.commit().await?;
    Ok(())
}

/// The viewer opened a help request: recorded as read (`item_reads`), and their notifications about
/// its responses, offers, accepted answer and call for expertise settled; answers with their unread notifications.
pub async fn mark_read(db: &Writer, viewer: MemberId, id: i64) -> ApiResult<UnreadCount> {
    let txn = Tx::begin(db).await?;
    load::<help_requests::Entity>(&txn, viewer, id).await?;
    let unread = settle::opened(&txn, viewer, ReadItem::HelpRequest, id).await?;
    txn.commit().await?;
    Ok(unread)
}
