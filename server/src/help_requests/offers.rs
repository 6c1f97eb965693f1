//! "I can help": offers made before (or instead of) a written response.

use super::model::HelpRequestStatus;
use super::queries;
use super::views::HelpRequestView;
use crate::db::Writer;
use crate::entities::{help_offers, help_requests};
use crate::error::{ApiError, ApiResult};
use crate::events::{EventKind, NewEvent};
use crate::ids::{ApiId, MemberId};
use crate::networks::access::load_for_update;
use crate::notifications::records::{notify, NewNotification, NotificationKind};
use crate::tx::Tx;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

/// "I can help" (`offer = true`) or taking it back.
pub async fn set_offer(
    db: &Writer,
    actor: MemberId,
    id: i64,
    offer: bool,
) -> ApiResult<HelpRequestView> {
    let txn = Tx::begin(db).await?;
    let (request, _) = load_for_update::<help_requests::Entity>(&txn, actor, id).await?;
    if request.author_id == actor.get() {
        return Err(ApiError::Forbidden(
            "You cannot offer help on your own request.",
        ));
    }
    let existing = help_offers::Entity::find_by_id((id, actor.get()))
        .one(&txn)
        .await?;
    let changed = match (existing, offer) {
        (None, true) => {
            if !HelpRequestStatus::from_stored(&request.status).takes_offers() {
                return Err(ApiError::Conflict(
                    "This request is no longer looking for help.".into(),
                ));
            }
            help_offers::ActiveModel {
                help_request_id: Set(id),
                member_id: Set(actor.get()),
                created_at: Set(crate::clock::now()),
            }
            .insert(&txn)
            .await?;
            true
        }
        (Some(_), false) => {
            help_offers::Entity::delete_by_id((id, actor.get()))
                .exec(&txn)
                .await?;
            true
        }
        _ => false,
    };
    let view = queries::view(&txn, actor, &request).await?;
    if changed {
        txn.emit(
            NewEvent::in_network(
                EventKind::HelpRequestOffered,
                request.network_id,
                actor.get(),
                &serde_json::json!({
                    "help_request_id": ApiId(request.id),
                    "asker_id": (!request.is_anonymous).then_some(ApiId(request.author_id)),
                    "member_id": ApiId(actor.get()),
                    "offered": offer,
                }),
            )
            .about(request.id),
        );
    }
    if changed && offer {
        notify(
            &txn,
            NewNotification {
                recipient_id: request.author_id,
                kind: NotificationKind::HelpOffered,
                subject_type: "help_request",
                subject_id: request.id,
                network_id: Some(request.network_id),
                actor_id: Some(actor.get()),
                data: serde_json::json!({}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(view)
}
