//! Scheduling convenings and recording what happened at them.

use super::model::{parse_location, parse_virtual_url, TimeRange};
use super::queries::{self, StartCursor, When};
use super::views::ConveningView;
use crate::db::Writer;
use crate::entities::convenings;
use crate::error::ApiResult;
use crate::events::{EventKind, NewEvent};
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::{MemberId, NetworkId};
use crate::item_reads::ReadItem;
use crate::markdown::Markdown;
use crate::members::queries as member_queries;
use crate::networks::access::load;
use crate::networks::network_access;
use crate::notifications::service::UnreadCount;
use crate::notifications::settle;
use crate::text::{MarkdownBody, Title};
use crate::timezone::Timezone;
use crate::tx::Tx;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QuerySelect, Set};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConvening {
    pub title: String,
    /// RFC 3339 with any offset, e.g. `2027-03-04T09:00:00-06:00`; stored as UTC.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// IANA timezone the meeting is held in; defaults to the organizer's timezone.
    pub timezone: Option<String>,
    pub location: Option<String>,
    pub virtual_url: Option<String>,
    /// Markdown.
    #[serde(default)]
    pub agenda: String,
}

/// Facilitators only; every field optional. An empty `location` or `virtual_url` clears it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConvening {
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub timezone: Option<String>,
    pub location: Option<String>,
    pub virtual_url: Option<String>,
    pub agenda: Option<String>,
    /// Markdown notes, usually written after the meeting.
    pub notes: Option<String>,
    pub cancelled: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConveningListQuery {
    /// `true`: not yet ended, soonest first. `false`: ended, most recent first.
    /// Absent: all, latest first.
    pub upcoming: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

async fn announce(
    txn: &Tx,
    kind: EventKind,
    actor: MemberId,
    view: &ConveningView,
) -> ApiResult<()> {
    txn.emit(NewEvent::in_network(kind, view.network_id.0, actor.get(), view).about(view.id.0));
    Ok(())
}

pub async fn create(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    network_id: NetworkId,
    input: CreateConvening,
) -> ApiResult<ConveningView> {
    let title = Title::parse(&input.title).map(Title::into_string);
    let range = TimeRange::new(input.starts_at, input.ends_at);
    let timezone = input.timezone.as_deref().map(Timezone::parse).transpose();
    let (title, range, timezone) = crate::error::collect_errors3(title, range, timezone)?;
    let location = input
        .location
        .as_deref()
        .map(parse_location)
        .transpose()?
        .flatten();
    let virtual_url = input
        .virtual_url
        .as_deref()
        .map(parse_virtual_url)
        .transpose()?
        .flatten();
    let agenda = MarkdownBody::optional("agenda", &input.agenda)?;

    let txn = Tx::begin(db).await?;
    network_access(&txn, actor, network_id)
        .await?
        .require_facilitator()?;
    let timezone = match timezone {
        Some(timezone) => timezone.as_str().to_owned(),
        None => member_queries::find(&txn, actor.get())
            .await?
            .map(|m| m.timezone)
            .unwrap_or_else(|| "UTC".to_owned()),
    };
    let now = crate::clock::now();
    let convening = convenings::ActiveModel {
        network_id: Set(network_id.get()),
        created_by: Set(actor.get()),
        title: Set(title),
        starts_at: Set(range.starts_at),
        ends_at: Set(range.ends_at),
        timezone: Set(timezone),
        location: Set(location),
        virtual_url: Set(virtual_url),
        agenda_html: Set(agenda.render(markdown)),
        agenda: Set(agenda.into_string()),
        notes: Set(String::new()),
        notes_html: Set(String::new()),
        sequence: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        cancelled_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = queries::view(&txn, &convening).await?;
    announce(&txn, EventKind::ConveningCreated, actor, &view).await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn get(db: &impl ConnectionTrait, viewer: MemberId, id: i64) -> ApiResult<ConveningView> {
    let (convening, _) = load::<convenings::Entity>(db, viewer, id).await?;
    Ok(queries::view(db, &convening).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    network_id: NetworkId,
    query: ConveningListQuery,
) -> ApiResult<Page<ConveningView>> {
    network_access(db, viewer, network_id).await?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let cursor: Option<StartCursor> = page.cursor()?;
    if let Some(cursor) = &cursor {
        crate::extract::plausible_time(cursor.starts_at)?;
    }
    let when = match query.upcoming {
        Some(true) => When::Upcoming,
        Some(false) => When::Past,
        None => When::All,
    };
    let rows = queries::page(db, network_id, when, cursor.as_ref(), limit).await?;
    let (rows, next_cursor) = split_page(rows, limit, |c| StartCursor {
        starts_at: c.starts_at,
        id: c.id,
    });
    Ok(Page {
        items: queries::views(db, &rows).await?,
        next_cursor,
    })
}

pub async fn update(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    id: i64,
    input: UpdateConvening,
) -> ApiResult<ConveningView> {
    let title = input.title.as_deref().map(Title::parse).transpose()?;
    let timezone = input.timezone.as_deref().map(Timezone::parse).transpose()?;
    let location = input.location.as_deref().map(parse_location).transpose()?;
    let virtual_url = input
        .virtual_url
        .as_deref()
        .map(parse_virtual_url)
        .transpose()?;
    let agenda = input
        .agenda
        .as_deref()
        .map(|a| MarkdownBody::optional("agenda", a))
        .transpose()?;
    let notes = input
        .notes
        .as_deref()
        .map(|n| MarkdownBody::optional("notes", n))
        .transpose()?;

    let txn = Tx::begin(db).await?;
    // Locked: an update recomputes SEQUENCE and the time range from what it read.
    convenings::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let (convening, access) = load::<convenings::Entity>(&txn, actor, id).await?;
    access.require_facilitator()?;
    let range = TimeRange::new(
        input.starts_at.unwrap_or(convening.starts_at),
        input.ends_at.unwrap_or(convening.ends_at),
    )?;
    // Calendar apps replace their copy only when SEQUENCE grows.
    let reschedules = range.starts_at != convening.starts_at
        || range.ends_at != convening.ends_at
        || location.as_ref().is_some_and(|l| *l != convening.location)
        || virtual_url
            .as_ref()
            .is_some_and(|v| *v != convening.virtual_url)
        || input
            .cancelled
            .is_some_and(|c| c != convening.cancelled_at.is_some());
    let now = crate::clock::now();
    let sequence = convening.sequence + i32::from(reschedules);
    let cancelled_at = match input.cancelled {
        Some(true) => convening.cancelled_at.or(Some(now)),
        Some(false) => None,
        None => convening.cancelled_at,
    };
    let mut active: convenings::ActiveModel = convening.into();
    active.starts_at = Set(range.starts_at);
    active.ends_at = Set(range.ends_at);
    active.sequence = Set(sequence);
    active.cancelled_at = Set(cancelled_at);
    if let Some(title) = title {
        active.title = Set(title.into_string());
    }
    if let Some(timezone) = timezone {
        active.timezone = Set(timezone.as_str().to_owned());
    }
    if let Some(location) = location {
        active.location = Set(location);
    }
    if let Some(virtual_url) = virtual_url {
        active.virtual_url = Set(virtual_url);
    }
    if let Some(agenda) = agenda {
        active.agenda_html = Set(agenda.render(markdown));
        active.agenda = Set(agenda.into_string());
    }
    if let Some(notes) = notes {
        active.notes_html = Set(notes.render(markdown));
        active.notes = Set(notes.into_string());
    }
    active.updated_at = Set(now);
    let convening = active.update(&txn).await?;
    let view = queries::view(&txn, &convening).await?;
    announce(&txn, EventKind::ConveningUpdated, actor, &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// The viewer opened a convening: recorded as read (`item_reads`), and their notifications about
/// it and the action items of it assigned to you settled; answers with their unread notifications.
pub async fn mark_read(db: &Writer, viewer: MemberId, id: i64) -> ApiResult<UnreadCount> {
    let txn = Tx::begin(db).await?;
    load::<convenings::Entity>(&txn, viewer, id).await?;
    let unread = settle::opened(&txn, viewer, ReadItem::Convening, id).await?;
    txn.commit().await?;
    Ok(unread)
}
