//! Replying in a thread, editing and deleting posts.

use super::access::{post_access, thread_access};
use super::following::{advance_read_marker, set_level_if_unset};
use super::mentions;
use super::queries;
use super::views::PostView;
use crate::db::Writer;
use crate::entities::{posts, threads};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, EventKind, NewEvent};
use crate::extract::{Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId, PostId, ThreadId};
use crate::markdown::Markdown;
use crate::networks::access::role_for;
use crate::notification_level::NotificationLevel;
use crate::paging::IdPage;
use crate::text::MarkdownBody;
use crate::tx::Tx;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePost {
    /// Markdown. `@handle` mentions members of the network.
    pub body: String,
    /// The post this one answers, in the same thread.
    pub reply_to_post_id: Option<ApiId>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePost {
    pub body: String,
}

/// Event payload of `post.created` / `post.updated`: the post plus who it mentions.
#[derive(Serialize)]
struct PostEvent<'a> {
    #[serde(flatten)]
    post: &'a PostView,
    network_id: ApiId,
    mentioned_member_ids: Vec<ApiId>,
}

/// A post as written, with each `@word` that named nobody in the network: the composer
/// warns about them, nothing is refused for them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WrittenPost {
    #[serde(flatten)]
    pub post: PostView,
    /// Lowercased, as written without the `@`.
    pub unresolved_mentions: Vec<String>,
}

impl crate::auth::links::SignedLinks for WrittenPost {
    fn with_signed_links(mut self, keys: &crate::auth::links::LinkKeys, member: i64) -> Self {
        self.post = self.post.with_signed_links(keys, member);
        self
    }
}

/// Inserts a post, rendered with its mentions as links, and records and notifies its
/// mentions (the caller updates the thread's counters). Returns the post and the `@words`
/// that named nobody.
#[allow(clippy::too_many_arguments)]
pub async fn insert_post(
    txn: &Tx,
    markdown: &Markdown,
    thread: &threads::Model,
    author_id: MemberId,
    post_number: i32,
    reply_to_post_id: Option<i64>,
    body: String,
) -> ApiResult<(posts::Model, Vec<String>)> {
    let now = crate::clock::now();
    let mentions = mentions::resolve(txn, NetworkId(thread.network_id), author_id, &body).await?;
    // Rendered once, at write time, with the mentions resolved now: a member who later
    // leaves the network stays linked (their page is then 404 to those who no longer
    // share a network with them, and reveals nothing the post did not already say).
    let body_html = markdown.render_with_mentions(&body, &mentions.links);
    let post = posts::ActiveModel {
        thread_id: Set(thread.id),
        author_id: Set(author_id.get()),
        reply_to_post_id: Set(reply_to_post_id),
        post_number: Set(post_number),
        body: Set(body),
        body_html: Set(body_html),
        created_at: Set(now),
        updated_at: Set(now),
        edited_at: Set(None),
        deleted_at: Set(None),
        helpful_count: Set(0),
        thanks_count: Set(0),
        agree_count: Set(0),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let newly_mentioned = mentions::record(txn, PostId(post.id), &mentions.member_ids).await?;
    crate::notifications::fanout::notify_post(txn, thread, &post, &newly_mentioned).await?;
    Ok((post, mentions.unresolved))
}

/// A page of posts, with authors, reaction counts and the viewer's reactions, in one query
/// guarded by the access rule. Only an empty page (past the last post, or nothing the caller
/// may read) costs a second query, to tell the two apart.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    thread_id: ThreadId,
    page: &PageQuery,
) -> ApiResult<Page<PostView>> {
    let page = IdPage::of(page)?;
    let rows = super::page::posts_page(db, viewer, thread_id, page.past, page.limit).await?;
    if rows.is_empty() {
        role_for::<threads::Entity>(db, viewer, thread_id.get()).await?;
    }
    let (rows, next_cursor) = page.split(rows, |row| row.post.id);
    let items = rows
        .into_iter()
        .map(|row| PostView::from_model(row.post, row.author, row.mine))
        .collect();
    Ok(Page { items, next_cursor })
}

pub async fn create(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    thread_id: ThreadId,
    input: CreatePost,
) -> ApiResult<WrittenPost> {
    let body = MarkdownBody::required("body", &input.body)?;

    let txn = Tx::begin(db).await?;
    let (thread, access) = thread_access(&txn, actor, thread_id).await?;
    if thread.is_locked && !access.is_facilitator() {
        return Err(ApiError::Forbidden(
            "This thread is locked: only facilitators can reply.",
        ));
    }
    if let Some(ApiId(reply_to)) = input.reply_to_post_id {
        let target = posts::Entity::find_by_id(reply_to).one(&txn).await?;
        if !target.is_some_and(|p| p.thread_id == thread.id && p.deleted_at.is_none()) {
            return Err(ApiError::invalid(
                "reply_to_post_id",
                "is not a post in this thread",
            ));
        }
    }
    let now = crate::clock::now();
    // Bumping the thread first takes its row lock (PostgreSQL), so concurrent replies get
    // distinct post numbers.
    threads::Entity::update_many()
        .col_expr(
            threads::Column::ReplyCount,
            Expr::col(threads::Column::ReplyCount).add(1),
        )
        .col_expr(threads::Column::LastActivityAt, Expr::value(now))
        .filter(threads::Column::Id.eq(thread.id))
        .exec(&txn)
        .await?;
    // Post numbers grow with ids, so the newest post has the highest: one step down the
    // (thread_id, id) index, however long the thread.
    let last_number: Option<i32> = posts::Entity::find()
        .select_only()
        .column(posts::Column::PostNumber)
        .filter(posts::Column::ThreadId.eq(thread.id))
        .order_by_desc(posts::Column::Id)
        .into_tuple()
        .one(&txn)
        .await?;
    let (post, unresolved_mentions) = insert_post(
        &txn,
        markdown,
        &thread,
        actor,
        last_number.unwrap_or(0) + 1,
        input.reply_to_post_id.map(|id| id.0),
        body.into_string(),
    )
    .await?;
    threads::Entity::update_many()
        .col_expr(threads::Column::LastPostId, Expr::value(post.id))
        .filter(threads::Column::Id.eq(thread.id))
        .exec(&txn)
        .await?;
    set_level_if_unset(
        &txn,
        ThreadId(thread.id),
        actor,
        NotificationLevel::Tracking,
    )
    .await?;
    advance_read_marker(&txn, ThreadId(thread.id), actor, PostId(post.id)).await?;
    let view = queries::post_view(&txn, actor.get(), &post).await?;
    append_post_event(
        &txn,
        EventKind::PostCreated,
        &thread,
        actor,
        &view,
        PostId(post.id),
    )
    .await?;
    txn.commit().await?;
    Ok(WrittenPost {
        post: view,
        unresolved_mentions,
    })
}

/// The payload of `post.created` / `post.updated`: the post as anyone sees it.
async fn post_payload(
    txn: &Tx,
    thread: &threads::Model,
    view: &PostView,
    post_id: PostId,
) -> ApiResult<serde_json::Value> {
    let mentioned: Vec<ApiId> = crate::entities::post_mentions::Entity::find()
        .filter(crate::entities::post_mentions::Column::PostId.eq(post_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| ApiId(m.member_id))
        .collect();
    let public = PostView {
        my_reactions: Vec::new(),
        ..view.clone()
    };
    let payload = PostEvent {
        post: &public,
        network_id: ApiId(thread.network_id),
        mentioned_member_ids: mentioned,
    };
    Ok(serde_json::to_value(payload).unwrap_or_default())
}

/// Emits `kind` about the post; an edit also makes every earlier event about it say the
/// same (see `events::redact`), so a replay never shows the earlier text.
async fn append_post_event(
    txn: &Tx,
    kind: EventKind,
    thread: &threads::Model,
    actor: MemberId,
    view: &PostView,
    post_id: PostId,
) -> ApiResult<()> {
    let payload = post_payload(txn, thread, view, post_id).await?;
    if kind != EventKind::PostCreated {
        events::redact(
            txn,
            &[EventKind::PostCreated, EventKind::PostUpdated],
            post_id.get(),
            payload.clone(),
        )
        .await?;
    }
    txn.emit(
        NewEvent::in_thread(kind, thread.network_id, thread.id, actor.get(), &payload)
            .about(post_id.get()),
    );
    Ok(())
}

/// Replaces a post's body (re-rendered, mentions re-resolved: those newly mentioned are
/// notified) and marks it edited. Returns the post and the `@words` that named nobody.
pub async fn rewrite_body(
    txn: &Tx,
    markdown: &Markdown,
    post: posts::Model,
    body: MarkdownBody,
    now: DateTime<Utc>,
) -> ApiResult<(posts::Model, Vec<String>)> {
    let thread = threads::Entity::find_by_id(post.thread_id)
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mentions = mentions::resolve(
        txn,
        NetworkId(thread.network_id),
        MemberId(post.author_id),
        body.as_str(),
    )
    .await?;
    let body_html = body.render_with_mentions(markdown, &mentions.links);
    let body = body.into_string();
    let mut active: posts::ActiveModel = post.into();
    active.body = Set(body);
    active.body_html = Set(body_html);
    active.edited_at = Set(Some(now));
    active.updated_at = Set(now);
    let post = active.update(txn).await?;
    let newly_mentioned = mentions::record(txn, PostId(post.id), &mentions.member_ids).await?;
    crate::notifications::fanout::notify_mentions(txn, &thread, &post, &newly_mentioned).await?;
    Ok((post, mentions.unresolved))
}

pub async fn update(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    post_id: PostId,
    input: UpdatePost,
) -> ApiResult<WrittenPost> {
    let body = MarkdownBody::required("body", &input.body)?;
    let txn = Tx::begin(db).await?;
    let (post, thread, access) = post_access(&txn, actor, post_id).await?;
    if post.deleted_at.is_some() {
        return Err(ApiError::NotFound);
    }
    access.require_author_or_facilitator(MemberId(post.author_id))?;
    let (post, unresolved_mentions) =
        rewrite_body(&txn, markdown, post, body, crate::clock::now()).await?;
    let view = queries::post_view(&txn, actor.get(), &post).await?;
    append_post_event(
        &txn,
        EventKind::PostUpdated,
        &thread,
        actor,
        &view,
        PostId(post.id),
    )
    .await?;
    txn.commit().await?;
    Ok(WrittenPost {
        post: view,
        unresolved_mentions,
    })
}

/// Soft delete, leaving a tombstone in the thread. The opening post goes with its thread.
pub async fn delete(db: &Writer, actor: MemberId, post_id: PostId) -> ApiResult<()> {
    let txn = Tx::begin(db).await?;
    let (post, thread, access) = post_access(&txn, actor, post_id).await?;
    if post.deleted_at.is_some() {
        return Err(ApiError::NotFound);
    }
    access.require_author_or_facilitator(MemberId(post.author_id))?;
    if post.post_number == 1 {
        return Err(ApiError::Conflict(
            "The opening post is deleted with its thread: delete the thread instead.".into(),
        ));
    }
    let now = crate::clock::now();
    let mut active: posts::ActiveModel = post.into();
    active.deleted_at = Set(Some(now));
    active.updated_at = Set(now);
    let tombstone = active.update(&txn).await?;
    // Replays of the post's earlier events show the tombstone, as the API does.
    let view = queries::post_view(&txn, actor.get(), &tombstone).await?;
    let payload = post_payload(&txn, &thread, &view, post_id).await?;
    events::redact(
        &txn,
        &[EventKind::PostCreated, EventKind::PostUpdated],
        post_id.get(),
        payload,
    )
    .await?;
    threads::Entity::update_many()
        .col_expr(
            threads::Column::ReplyCount,
            Expr::col(threads::Column::ReplyCount).sub(1),
        )
        .filter(threads::Column::Id.eq(thread.id))
        .exec(&txn)
        .await?;
    txn.emit(
        NewEvent::in_thread(
            EventKind::PostDeleted,
            thread.network_id,
            thread.id,
            actor.get(),
            &serde_json::json!({ "id": ApiId(post_id.get()), "thread_id": ApiId(thread.id) }),
        )
        .about(post_id.get()),
    );
    txn.commit().await?;
    Ok(())
}
