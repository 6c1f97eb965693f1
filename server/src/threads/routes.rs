//! `/networks/{id}/threads`, `/threads/*` and `/posts/*`.

use super::following::{self, ReadMarkerBody, ReadState};
use super::model::ReactionKind;
use super::posts::{self, CreatePost, UpdatePost, WrittenPost};
use super::reactions::{self, ReactionState};
use super::service::{self, CreateThread, StartedThread, ThreadListQuery, UpdateThread};
use super::views::{PostView, ThreadSummary, ThreadView};
use crate::auth::links::SignedLinks;
use crate::auth::AuthMember;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Page, PageQuery};
use crate::ids::{ApiId, NetworkId, PostId, ThreadId};
use crate::notification_level::{LevelBody, NotificationLevel};
use crate::AppState;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/networks/{id}/threads")
            .get(list_threads)
            .post(create_thread),
    )
    .service(
        web::resource("/threads/{id}")
            .get(get_thread)
            .patch(update_thread)
            .delete(delete_thread),
    )
    .service(
        web::resource("/threads/{id}/posts")
            .get(list_posts)
            .post(create_post),
    )
    .service(
        web::resource("/threads/{id}/follow")
            .put(follow_thread)
            .delete(unfollow_thread),
    )
    .service(web::resource("/threads/{id}/notification-level").put(set_thread_level))
    .service(web::resource("/threads/{id}/read").post(mark_read))
    .service(
        web::resource("/posts/{id}")
            .patch(update_post)
            .delete(delete_post),
    )
    .service(
        web::resource("/posts/{id}/reactions/{kind}")
            .put(add_reaction)
            .delete(remove_reaction),
    );
}

/// Threads of a network, pinned first, then newest activity first.
#[utoipa::path(get, path = "/api/v1/networks/{id}/threads", tag = "threads", params(("id" = String, Path), ThreadListQuery),
    responses((status = 200, body = Page<ThreadSummary>), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_threads(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<ThreadListQuery>,
) -> ApiResult<web::Json<Page<ThreadSummary>>> {
    Ok(web::Json(
        service::list(
            state.db.reader(),
            auth.member_id(),
            NetworkId(id.0),
            query.into_inner(),
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/networks/{id}/threads", tag = "threads", params(("id" = String, Path)), request_body = CreateThread,
    responses((status = 201, body = StartedThread), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_thread(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreateThread>,
) -> ApiResult<HttpResponse> {
    let view = service::create(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        NetworkId(id.0),
        input,
    )
    .await?
    .with_signed_links(&state.links, auth.id);
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "threads", params(("id" = String, Path)),
    responses((status = 200, body = ThreadView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_thread(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<ThreadView>> {
    Ok(web::Json(
        service::get(state.db.reader(), auth.member_id(), ThreadId(id.0))
            .await?
            .with_signed_links(&state.links, auth.id),
    ))
}

/// Authors and facilitators edit title, body and tags; facilitators pin and lock.
#[utoipa::path(patch, path = "/api/v1/threads/{id}", tag = "threads", params(("id" = String, Path)), request_body = UpdateThread,
    responses((status = 200, body = ThreadView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_thread(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdateThread>,
) -> ApiResult<web::Json<ThreadView>> {
    Ok(web::Json(
        service::update(
            state.db.writer(),
            &state.markdown,
            auth.member_id(),
            ThreadId(id.0),
            input,
        )
        .await?
        .with_signed_links(&state.links, auth.id),
    ))
}

/// Soft delete by the author or a facilitator.
#[utoipa::path(delete, path = "/api/v1/threads/{id}", tag = "threads", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_thread(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    service::delete(state.db.writer(), auth.member_id(), ThreadId(id.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Posts oldest first; deleted posts appear as tombstones (`deleted: true`, empty body).
#[utoipa::path(get, path = "/api/v1/threads/{id}/posts", tag = "threads", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<PostView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_posts(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<PostView>>> {
    Ok(web::Json(
        posts::list(state.db.reader(), auth.member_id(), ThreadId(id.0), &page)
            .await?
            .with_signed_links(&state.links, auth.id),
    ))
}

#[utoipa::path(post, path = "/api/v1/threads/{id}/posts", tag = "threads", params(("id" = String, Path)), request_body = CreatePost,
    responses((status = 201, body = WrittenPost), (status = 403, description = "Thread locked", body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_post(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreatePost>,
) -> ApiResult<HttpResponse> {
    let view = posts::create(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        ThreadId(id.0),
        input,
    )
    .await?
    .with_signed_links(&state.links, auth.id);
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(patch, path = "/api/v1/posts/{id}", tag = "threads", params(("id" = String, Path)), request_body = UpdatePost,
    responses((status = 200, body = WrittenPost), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_post(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdatePost>,
) -> ApiResult<web::Json<WrittenPost>> {
    Ok(web::Json(
        posts::update(
            state.db.writer(),
            &state.markdown,
            auth.member_id(),
            PostId(id.0),
            input,
        )
        .await?
        .with_signed_links(&state.links, auth.id),
    ))
}

#[utoipa::path(delete, path = "/api/v1/posts/{id}", tag = "threads", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted (tombstone)"), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The opening post goes with its thread", body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_post(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    posts::delete(state.db.writer(), auth.member_id(), PostId(id.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn reaction_kind(raw: &str) -> ApiResult<ReactionKind> {
    ReactionKind::parse(raw)
        .ok_or_else(|| ApiError::invalid("kind", "must be one of helpful, thanks, agree"))
}

#[utoipa::path(put, path = "/api/v1/posts/{id}/reactions/{kind}", tag = "threads",
    params(("id" = String, Path), ("kind" = ReactionKind, Path)),
    responses((status = 200, body = ReactionState), (status = 403, description = "Own post", body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_reaction(
    state: web::Data<AppState>,
    auth: AuthMember,
    path: web::Path<(ApiId, String)>,
) -> ApiResult<web::Json<ReactionState>> {
    let (post, kind) = path.into_inner();
    Ok(web::Json(
        reactions::set(
            state.db.writer(),
            auth.member_id(),
            PostId(post.0),
            reaction_kind(&kind)?,
            true,
        )
        .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/posts/{id}/reactions/{kind}", tag = "threads",
    params(("id" = String, Path), ("kind" = ReactionKind, Path)),
    responses((status = 200, body = ReactionState), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_reaction(
    state: web::Data<AppState>,
    auth: AuthMember,
    path: web::Path<(ApiId, String)>,
) -> ApiResult<web::Json<ReactionState>> {
    let (post, kind) = path.into_inner();
    Ok(web::Json(
        reactions::set(
            state.db.writer(),
            auth.member_id(),
            PostId(post.0),
            reaction_kind(&kind)?,
            false,
        )
        .await?,
    ))
}

/// Watch the thread: notified of every new post.
#[utoipa::path(put, path = "/api/v1/threads/{id}/follow", tag = "threads", params(("id" = String, Path)),
    responses((status = 200, body = LevelBody), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn follow_thread(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<LevelBody>> {
    let level = following::set_level(
        state.db.writer(),
        auth.member_id(),
        ThreadId(id.0),
        NotificationLevel::Watching,
    )
    .await?;
    Ok(web::Json(LevelBody { level }))
}

/// Stop watching: back to `normal` (mentions and direct replies only).
#[utoipa::path(delete, path = "/api/v1/threads/{id}/follow", tag = "threads", params(("id" = String, Path)),
    responses((status = 200, body = LevelBody), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn unfollow_thread(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<LevelBody>> {
    let level = following::set_level(
        state.db.writer(),
        auth.member_id(),
        ThreadId(id.0),
        NotificationLevel::Normal,
    )
    .await?;
    Ok(web::Json(LevelBody { level }))
}

/// Any follow level: watching, tracking, normal or muted.
#[utoipa::path(put, path = "/api/v1/threads/{id}/notification-level", tag = "threads", params(("id" = String, Path)), request_body = LevelBody,
    responses((status = 200, body = LevelBody), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn set_thread_level(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(body): ApiJson<LevelBody>,
) -> ApiResult<web::Json<LevelBody>> {
    let level = following::set_level(
        state.db.writer(),
        auth.member_id(),
        ThreadId(id.0),
        body.level,
    )
    .await?;
    Ok(web::Json(LevelBody { level }))
}

/// Moves the caller's read marker forward.
#[utoipa::path(post, path = "/api/v1/threads/{id}/read", tag = "threads", params(("id" = String, Path)), request_body = ReadMarkerBody,
    responses((status = 200, body = ReadState), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(body): ApiJson<ReadMarkerBody>,
) -> ApiResult<web::Json<ReadState>> {
    Ok(web::Json(
        following::mark_read(state.db.writer(), auth.member_id(), ThreadId(id.0), body).await?,
    ))
}
