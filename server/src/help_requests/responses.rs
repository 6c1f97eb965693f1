//! Responding to a help request, listing the responses, and accepting the one that solved it.

use super::model::{HelpRequestStatus, Transition};
use super::queries;
use super::service::{actor_label, shown_actor};
use super::views::{HelpRequestView, ResponseView};
use crate::db::Writer;
use crate::entities::{help_requests, help_responses};
use crate::error::{ApiError, ApiResult};
use crate::events::{EventKind, NewEvent};
use crate::extract::{Page, PageQuery};
use crate::ids::{ApiId, MemberId};
use crate::markdown::Markdown;
use crate::networks::access::{load, load_for_update};
use crate::notifications::records::{notify, NewNotification, NotificationKind};
use crate::paging::IdPage;
use crate::text::MarkdownBody;
use crate::tx::Tx;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateResponse {
    pub body: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptResponse {
    pub response_id: ApiId,
}

pub async fn respond(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    id: i64,
    input: CreateResponse,
) -> ApiResult<ResponseView> {
    let body = MarkdownBody::required("body", &input.body)?;
    let body_html = body.render(markdown);
    let txn = Tx::begin(db).await?;
    let (request, _) = load_for_update::<help_requests::Entity>(&txn, actor, id).await?;
    if request.author_id == actor.get() {
        return Err(ApiError::Forbidden(
            "You asked this: edit your request, or accept a response.",
        ));
    }
    let current = HelpRequestStatus::from_stored(&request.status);
    let next = current.apply(Transition::Respond, true)?;
    let now = crate::clock::now();
    let response = help_responses::ActiveModel {
        help_request_id: Set(id),
        author_id: Set(actor.get()),
        body: Set(body.into_string()),
        body_html: Set(body_html),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut active: help_requests::ActiveModel = request.clone().into();
    active.status = Set(next.as_str().to_owned());
    active.response_count = Set(request.response_count + 1);
    if request.answered_at.is_none() {
        active.answered_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    let request = active.update(&txn).await?;
    let view = queries::response_views(&txn, &request, std::slice::from_ref(&response))
        .await?
        .remove(0);
    txn.emit(
        NewEvent::in_network(
            EventKind::HelpRequestResponded,
            request.network_id,
            actor.get(),
            &serde_json::json!({
                "help_request_id": ApiId(request.id),
                "asker_id": (!request.is_anonymous).then_some(ApiId(request.author_id)),
                "status": next,
                "response": view,
            }),
        )
        .about(request.id),
    );
    notify(
        &txn,
        NewNotification {
            recipient_id: request.author_id,
            kind: NotificationKind::HelpResponded,
            subject_type: "help_request",
            subject_id: request.id,
            network_id: Some(request.network_id),
            actor_id: Some(actor.get()),
            data: serde_json::json!({ "response_id": view.id }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn list_responses(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    id: i64,
    page: &PageQuery,
) -> ApiResult<Page<ResponseView>> {
    let (request, _) = load::<help_requests::Entity>(db, viewer, id).await?;
    let page = IdPage::of(page)?;
    let rows = queries::responses_page(db, &request, page).await?;
    let (rows, next_cursor) = page.split(rows, |r| r.id);
    Ok(Page {
        items: queries::response_views(db, &request, &rows).await?,
        next_cursor,
    })
}

/// The asker (or a facilitator) accepts a response: the request is resolved and the
/// responder credited.
pub async fn accept(
    db: &Writer,
    actor: MemberId,
    id: i64,
    input: AcceptResponse,
) -> ApiResult<HelpRequestView> {
    let txn = Tx::begin(db).await?;
    let (request, access) = load_for_update::<help_requests::Entity>(&txn, actor, id).await?;
    access.require_author_or_facilitator(MemberId(request.author_id))?;
    let response = help_responses::Entity::find_by_id(input.response_id.0)
        .one(&txn)
        .await?
        .filter(|r| r.help_request_id == id)
        .ok_or_else(|| ApiError::invalid("response_id", "is not a response to this request"))?;
    if response.author_id == actor.get() {
        return Err(ApiError::Forbidden("You cannot accept your own response."));
    }
    let next = HelpRequestStatus::from_stored(&request.status).apply(Transition::Accept, true)?;
    let now = crate::clock::now();
    let mut active: help_requests::ActiveModel = request.into();
    active.status = Set(next.as_str().to_owned());
    active.accepted_response_id = Set(Some(response.id));
    active.resolved_at = Set(Some(now));
    active.updated_at = Set(now);
    let request = active.update(&txn).await?;
    let view = queries::view(&txn, actor, &request).await?;
    let mut event = NewEvent::in_network(
        EventKind::HelpRequestResolved,
        request.network_id,
        actor.get(),
        &serde_json::json!({
            "help_request_id": ApiId(request.id),
            "accepted_response_id": ApiId(response.id),
            "responder_id": ApiId(response.author_id),
            "title": view.title,
        }),
    )
    .about(request.id);
    event.actor_id = shown_actor(&request, actor);
    txn.emit(event);
    let network_name = queries::network_name(&txn, request.network_id).await?;
    let mut data = serde_json::json!({ "response_id": ApiId(response.id) });
    if let Some(label) = actor_label(&request, actor, &network_name) {
        data["actor_label"] = label.into();
    }
    notify(
        &txn,
        NewNotification {
            recipient_id: response.author_id,
            kind: NotificationKind::AnswerAccepted,
            subject_type: "help_request",
            subject_id: request.id,
            network_id: Some(request.network_id),
            actor_id: shown_actor(&request, actor),
            data,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}
