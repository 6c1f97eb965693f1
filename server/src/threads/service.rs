//! Starting, listing, editing and deleting threads.

use super::access::thread_access;
use super::following::{advance_read_marker, set_level_in};
use super::posts::insert_post;
use super::queries::{self, ThreadCursor};
use super::views::{ThreadSummary, ThreadView};
use crate::db::Writer;
use crate::entities::{thread_tags, threads};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventKind, NewEvent};
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId, PostId, ThreadId};
use crate::markdown::Markdown;
use crate::networks::network_access;
use crate::notification_level::NotificationLevel;
use crate::tags::Tag;
use crate::text::{MarkdownBody, Title};
use crate::tx::Tx;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateThread {
    pub title: String,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Every field optional. `pinned` and `locked` are for facilitators.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateThread {
    pub title: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
    pub pinned: Option<bool>,
    pub locked: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadListQuery {
    /// Only threads with this tag.
    pub tag: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub async fn create(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    network_id: NetworkId,
    input: CreateThread,
) -> ApiResult<StartedThread> {
    let title = Title::parse(&input.title);
    let body = MarkdownBody::required("body", &input.body);
    let tags = Tag::parse_list("tags", &input.tags);
    let (title, body, tags) = crate::error::collect_errors3(title, body, tags)?;

    let txn = Tx::begin(db).await?;
    network_access(&txn, actor, network_id).await?;
    let started = open_thread(
        &txn,
        markdown,
        actor,
        network_id,
        title.into_string(),
        body.into_string(),
        &tags,
    )
    .await?;
    txn.commit().await?;
    Ok(started)
}

/// A thread as started, with each `@word` of its opening post that named nobody in the
/// network (reported, never refused).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StartedThread {
    #[serde(flatten)]
    pub thread: ThreadView,
    /// Lowercased, as written without the `@`.
    pub unresolved_mentions: Vec<String>,
}

impl crate::auth::links::SignedLinks for StartedThread {
    fn with_signed_links(mut self, keys: &crate::auth::links::LinkKeys, member: i64) -> Self {
        self.thread = self.thread.with_signed_links(keys, member);
        self
    }
}

/// Starts a thread inside the caller's transaction (after its access check): the thread,
/// its opening post, tags, the author's watch and read marker, and `thread.created`.
/// Other capabilities (a resource's discussion) start theirs through this too.
pub async fn start_thread(
    txn: &Tx,
    markdown: &Markdown,
    actor: MemberId,
    network_id: NetworkId,
    title: String,
    body: String,
    tags: &[Tag],
) -> ApiResult<ThreadView> {
    let started = open_thread(txn, markdown, actor, network_id, title, body, tags).await?;
    Ok(started.thread)
}

async fn open_thread(
    txn: &Tx,
    markdown: &Markdown,
    actor: MemberId,
    network_id: NetworkId,
    title: String,
    body: String,
    tags: &[Tag],
) -> ApiResult<StartedThread> {
    let now = crate::clock::now();
    let thread = threads::ActiveModel {
        network_id: Set(network_id.get()),
        author_id: Set(actor.get()),
        title: Set(title),
        is_pinned: Set(false),
        is_locked: Set(false),
        reply_count: Set(0),
        last_post_id: Set(None),
        last_activity_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    replace_tags(txn, ThreadId(thread.id), tags).await?;
    let (post, unresolved_mentions) =
        insert_post(txn, markdown, &thread, actor, 1, None, body).await?;
    let mut active: threads::ActiveModel = thread.into();
    active.last_post_id = Set(Some(post.id));
    let thread = active.update(txn).await?;
    // Like Discourse: you watch what you start, and you have read what you wrote.
    set_level_in(txn, ThreadId(thread.id), actor, NotificationLevel::Watching).await?;
    advance_read_marker(txn, ThreadId(thread.id), actor, PostId(post.id)).await?;
    let view = thread_view(txn, actor, &thread).await?;
    txn.emit(
        NewEvent::in_thread(
            EventKind::ThreadCreated,
            network_id.get(),
            thread.id,
            actor.get(),
            &public_view(view.clone()),
        )
        .about(thread.id),
    );
    Ok(StartedThread {
        thread: view,
        unresolved_mentions,
    })
}

/// The thread as anyone would see it, for event payloads (no viewer-specific counts).
fn public_view(mut view: ThreadView) -> ThreadView {
    view.summary.unread_count = 0;
    view.summary.last_read_post_id = None;
    view.summary.notification_level = NotificationLevel::Normal;
    view
}

async fn replace_tags(
    txn: &impl ConnectionTrait,
    thread_id: ThreadId,
    tags: &[Tag],
) -> ApiResult<()> {
    thread_tags::Entity::delete_many()
        .filter(thread_tags::Column::ThreadId.eq(thread_id))
        .exec(txn)
        .await?;
    if !tags.is_empty() {
        thread_tags::Entity::insert_many(tags.iter().map(|tag| thread_tags::ActiveModel {
            thread_id: Set(thread_id.get()),
            tag: Set(tag.as_str().to_owned()),
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}

pub async fn thread_view(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    thread: &threads::Model,
) -> ApiResult<ThreadView> {
    let summary = queries::summaries(db, viewer.get(), std::slice::from_ref(thread))
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    let first = queries::first_post(db, thread.id).await?;
    Ok(ThreadView {
        summary,
        first_post_id: first.as_ref().map(|p| ApiId(p.id)),
        body: first.as_ref().map(|p| p.body.clone()).unwrap_or_default(),
        body_html: first
            .as_ref()
            .map(|p| p.body_html.clone())
            .unwrap_or_default(),
        updated_at: thread.updated_at,
    })
}

pub async fn get(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    thread_id: ThreadId,
) -> ApiResult<ThreadView> {
    let (thread, _) = thread_access(db, viewer, thread_id).await?;
    thread_view(db, viewer, &thread).await
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    network_id: NetworkId,
    query: ThreadListQuery,
) -> ApiResult<Page<ThreadSummary>> {
    network_access(db, viewer, network_id).await?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let cursor: Option<ThreadCursor> = page.cursor()?;
    if let Some(cursor) = &cursor {
        crate::extract::plausible_time(cursor.last_activity_at)?;
    }
    let tag = query
        .tag
        .as_deref()
        .map(Tag::parse)
        .transpose()
        .map_err(|message| ApiError::invalid("tag", message))?;
    let rows = queries::thread_page(
        db,
        network_id.get(),
        tag.as_ref().map(Tag::as_str),
        cursor.as_ref(),
        limit,
    )
    .await?;
    let (rows, next_cursor) = split_page(rows, limit, ThreadCursor::of);
    let items = queries::summaries(db, viewer.get(), &rows).await?;
    Ok(Page { items, next_cursor })
}

pub async fn update(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    thread_id: ThreadId,
    input: UpdateThread,
) -> ApiResult<ThreadView> {
    let title = input.title.as_deref().map(Title::parse).transpose()?;
    let body = input
        .body
        .as_deref()
        .map(|raw| MarkdownBody::required("body", raw))
        .transpose()?;
    let tags = input
        .tags
        .as_deref()
        .map(|tags| Tag::parse_list("tags", tags))
        .transpose()?;

    let txn = Tx::begin(db).await?;
    let (thread, access) = thread_access(&txn, actor, thread_id).await?;
    if input.pinned.is_some() || input.locked.is_some() {
        access.require_facilitator()?;
    }
    if title.is_some() || body.is_some() || tags.is_some() {
        access.require_author_or_facilitator(MemberId(thread.author_id))?;
    }
    let now = crate::clock::now();
    if let Some(body) = body {
        let first = queries::first_post(&txn, thread.id)
            .await?
            .ok_or(ApiError::NotFound)?;
        super::posts::rewrite_body(&txn, markdown, first, body, now).await?;
    }
    if let Some(tags) = &tags {
        replace_tags(&txn, ThreadId(thread.id), tags).await?;
    }
    let mut active: threads::ActiveModel = thread.into();
    if let Some(title) = title {
        active.title = Set(title.into_string());
    }
    if let Some(pinned) = input.pinned {
        active.is_pinned = Set(pinned);
    }
    if let Some(locked) = input.locked {
        active.is_locked = Set(locked);
    }
    active.updated_at = Set(now);
    let thread = active.update(&txn).await?;
    let view = thread_view(&txn, actor, &thread).await?;
    let event = NewEvent::in_thread(
        EventKind::ThreadUpdated,
        thread.network_id,
        thread.id,
        actor.get(),
        &public_view(view.clone()),
    )
    .about(thread.id);
    // Replays show the thread as it is now, never an earlier title or opening post.
    events::redact(
        &txn,
        &[EventKind::ThreadCreated, EventKind::ThreadUpdated],
        thread.id,
        event.payload.clone(),
    )
    .await?;
    txn.emit(event);
    txn.commit().await?;
    Ok(view)
}

/// Soft delete: the thread disappears from lists and reads; its rows stay for the author's
/// export and for moderation.
pub async fn delete(db: &Writer, actor: MemberId, thread_id: ThreadId) -> ApiResult<()> {
    let txn = Tx::begin(db).await?;
    let (thread, access) = thread_access(&txn, actor, thread_id).await?;
    access.require_author_or_facilitator(MemberId(thread.author_id))?;
    let network_id = thread.network_id;
    let mut active: threads::ActiveModel = thread.into();
    let now = crate::clock::now();
    active.deleted_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    txn.emit(
        NewEvent::in_thread(
            EventKind::ThreadDeleted,
            network_id,
            thread_id.get(),
            actor.get(),
            &serde_json::json!({ "id": ApiId(thread_id.get()) }),
        )
        .about(thread_id.get()),
    );
    txn.commit().await?;
    Ok(())
}
