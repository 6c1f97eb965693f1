//! "This was helpful": one vote per member, counted on the resource.

use super::queries;
use super::service::announce;
use super::views::ResourceView;
use crate::db::Writer;
use crate::entities::{resource_votes, resources};
use crate::error::{ApiError, ApiResult};
use crate::events::EventKind;
use crate::ids::MemberId;
use crate::networks::access::load;
use crate::tx::Tx;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

/// "This was helpful" (`vote = true`) or taking it back; idempotent; not on your own.
pub async fn set_helpful(
    db: &Writer,
    actor: MemberId,
    id: i64,
    vote: bool,
) -> ApiResult<ResourceView> {
    let txn = Tx::begin(db).await?;
    let (resource, _) = load::<resources::Entity>(&txn, actor, id).await?;
    if resource.author_id == actor.get() {
        return Err(ApiError::Forbidden("You cannot vote for what you shared."));
    }
    let changed = if vote {
        resource_votes::Entity::insert(resource_votes::ActiveModel {
            resource_id: Set(id),
            member_id: Set(actor.get()),
            created_at: Set(crate::clock::now()),
        })
        .on_conflict(
            OnConflict::columns([
                resource_votes::Column::ResourceId,
                resource_votes::Column::MemberId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?
            == 1
    } else {
        resource_votes::Entity::delete_by_id((id, actor.get()))
            .exec(&txn)
            .await?
            .rows_affected
            == 1
    };
    if changed {
        let delta = if vote { 1 } else { -1 };
        resources::Entity::update_many()
            .col_expr(
                resources::Column::HelpfulCount,
                Expr::col(resources::Column::HelpfulCount).add(delta),
            )
            .filter(resources::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    let resource = resources::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let view = queries::view(&txn, actor, &resource).await?;
    if changed {
        announce(&txn, EventKind::ResourceUpdated, actor, &view).await?;
    }
    txn.commit().await?;
    Ok(view)
}
