//! `/conversations/*` and blocking (`/members/{id}/block`, `/me/blocks`).

use super::blocks;
use super::service::{self, MarkRead, SendMessage, StartConversation};
use super::views::{BlockView, ConversationPage, ConversationView, MessageView, Started};
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Page, PageQuery};
use crate::ids::{ApiId, MemberId};
use crate::AppState;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/conversations")
            .get(list_conversations)
            .post(start_conversation),
    )
    .service(web::resource("/conversations/{id}").get(get_conversation))
    .service(
        web::resource("/conversations/{id}/messages")
            .get(list_messages)
            .post(send_message),
    )
    .service(web::resource("/conversations/{id}/read").post(mark_read))
    .service(
        web::resource("/members/{id}/block")
            .put(block_member)
            .delete(unblock_member),
    )
    .service(web::resource("/me/blocks").get(list_blocks));
}

/// The caller's conversations, latest activity first, with unread counts.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(PageQuery),
    responses((status = 200, body = ConversationPage), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn list_conversations(
    state: web::Data<AppState>,
    auth: AuthMember,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<ConversationPage>> {
    Ok(web::Json(
        service::list(state.db.reader(), auth.member_id(), &page).await?,
    ))
}

/// Start a conversation with its first message (two people who already have one continue
/// it: 200 instead of 201).
#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations", request_body = StartConversation,
    responses((status = 201, body = Started), (status = 200, body = Started), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn start_conversation(
    state: web::Data<AppState>,
    auth: AuthMember,
    ApiJson(input): ApiJson<StartConversation>,
) -> ApiResult<HttpResponse> {
    let started =
        service::start(state.db.writer(), &state.markdown, auth.member_id(), input).await?;
    Ok(if started.created {
        HttpResponse::Created().json(started)
    } else {
        HttpResponse::Ok().json(started)
    })
}

/// Participants only: 404 for everyone else, instance admins included.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", params(("id" = String, Path)),
    responses((status = 200, body = ConversationView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_conversation(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<ConversationView>> {
    Ok(web::Json(
        service::get(state.db.reader(), auth.member_id(), id.0).await?,
    ))
}

/// Messages, newest first; `next_cursor` walks back in time.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<MessageView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_messages(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<MessageView>>> {
    Ok(web::Json(
        service::messages(state.db.reader(), auth.member_id(), id.0, &page).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations", params(("id" = String, Path)), request_body = SendMessage,
    responses((status = 201, body = MessageView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn send_message(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<SendMessage>,
) -> ApiResult<HttpResponse> {
    let message = service::send(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        id.0,
        input,
    )
    .await?;
    Ok(HttpResponse::Created().json(message))
}

/// Read up to a message (default: the latest); the marker never moves back.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "conversations", params(("id" = String, Path)), request_body = MarkRead,
    responses((status = 200, body = ConversationView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    body: web::Bytes,
) -> ApiResult<web::Json<ConversationView>> {
    let input: MarkRead = if body.iter().all(u8::is_ascii_whitespace) {
        MarkRead::default()
    } else {
        crate::extract::parse_json(&body)?
    };
    let view = service::mark_read(state.db.writer(), auth.member_id(), id.0, input).await?;
    Ok(web::Json(view))
}

/// Take no new conversations or messages from this member (someone you share a network
/// with; 404 otherwise). Private: they are not told.
#[utoipa::path(put, path = "/api/v1/members/{id}/block", tag = "conversations", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn block_member(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    blocks::block(state.db.writer(), auth.member_id(), MemberId(id.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(delete, path = "/api/v1/members/{id}/block", tag = "conversations", params(("id" = String, Path)),
    responses((status = 204)), security(("bearer" = [])))]
pub async fn unblock_member(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    blocks::unblock(state.db.writer(), auth.member_id(), MemberId(id.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The members the caller blocked.
#[utoipa::path(get, path = "/api/v1/me/blocks", tag = "conversations",
    responses((status = 200, body = [BlockView])), security(("bearer" = [])))]
pub async fn list_blocks(
    state: web::Data<AppState>,
    auth: AuthMember,
) -> ApiResult<web::Json<Vec<BlockView>>> {
    Ok(web::Json(
        blocks::list(state.db.reader(), auth.member_id()).await?,
    ))
}
