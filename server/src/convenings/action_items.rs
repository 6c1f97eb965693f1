//! Action items: who does what by when, carried from one convening to the next.

use super::model::ActionItemStatus;
use super::queries;
use super::views::ActionItemView;
use crate::db::Writer;
use crate::entities::{action_items, convenings};
use crate::error::{ApiError, ApiResult};
use crate::events::{EventKind, NewEvent};
use crate::extract::{Page, PageQuery};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::networks::access::direct_role;
use crate::networks::{network_access, NetworkAccess};
use crate::notifications::records::{notify, NewNotification, NotificationKind};
use crate::paging::IdPage;
use crate::text::Title;
use crate::tx::Tx;
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActionItem {
    pub title: String,
    /// A member of the network; unassigned when absent.
    pub owner_id: Option<ApiId>,
    /// `YYYY-MM-DD`.
    pub due_on: Option<NaiveDate>,
}

/// Every field optional; `owner_id` and `due_on` may be `null` to clear them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateActionItem {
    pub title: Option<String>,
    pub status: Option<ActionItemStatus>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub owner_id: Option<Option<ApiId>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Option<Option<NaiveDate>>,
}

/// Due dates a calendar can hold (and every database can store).
fn check_due_on(due_on: Option<NaiveDate>) -> ApiResult<Option<NaiveDate>> {
    use chrono::Datelike;
    match due_on {
        Some(date) if !(2000..=9999).contains(&date.year()) => {
            Err(ApiError::invalid("due_on", "is out of range"))
        }
        other => Ok(other),
    }
}

async fn check_owner(
    txn: &impl ConnectionTrait,
    network_id: NetworkId,
    owner: Option<ApiId>,
) -> ApiResult<Option<i64>> {
    match owner {
        None => Ok(None),
        Some(ApiId(owner)) => match direct_role(txn, MemberId(owner), network_id).await? {
            Some(_) => Ok(Some(owner)),
            None => Err(ApiError::invalid(
                "owner_id",
                "is not a member of this network",
            )),
        },
    }
}

async fn announce_assignment(
    txn: &Tx,
    actor: MemberId,
    convening: &convenings::Model,
    item: &action_items::Model,
) -> ApiResult<()> {
    if let Some(owner) = item.owner_id {
        notify(
            txn,
            NewNotification {
                recipient_id: owner,
                kind: NotificationKind::ActionItemAssigned,
                subject_type: "action_item",
                subject_id: item.id,
                network_id: Some(convening.network_id),
                actor_id: Some(actor.get()),
                data: serde_json::json!({
                    "title": item.title,
                    "due_on": item.due_on,
                    "convening_id": ApiId(convening.id),
                    "convening_title": convening.title,
                }),
            },
        )
        .await?;
    }
    Ok(())
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    convening_id: i64,
    page: &PageQuery,
) -> ApiResult<Page<ActionItemView>> {
    crate::networks::access::load::<convenings::Entity>(db, viewer, convening_id).await?;
    let page = IdPage::of(page)?;
    let query =
        action_items::Entity::find().filter(action_items::Column::ConveningId.eq(convening_id));
    let rows = page
        .ascending(query, action_items::Column::Id)
        .all(db)
        .await?;
    let (rows, next_cursor) = page.split(rows, |r| r.id);
    Ok(Page {
        items: queries::action_item_views(db, &rows).await?,
        next_cursor,
    })
}

/// Any member of the network records an action item; its owner is told.
pub async fn create(
    db: &Writer,
    actor: MemberId,
    convening_id: i64,
    input: CreateActionItem,
) -> ApiResult<ActionItemView> {
    let title = Title::parse(&input.title)?.into_string();
    let due_on = check_due_on(input.due_on)?;
    let txn = Tx::begin(db).await?;
    let (convening, _) =
        crate::networks::access::load::<convenings::Entity>(&txn, actor, convening_id).await?;
    let owner = check_owner(&txn, NetworkId(convening.network_id), input.owner_id).await?;
    let now = crate::clock::now();
    let item = action_items::ActiveModel {
        convening_id: Set(convening_id),
        title: Set(title),
        owner_id: Set(owner),
        due_on: Set(due_on),
        status: Set(ActionItemStatus::Open.as_str().to_owned()),
        created_by: Set(actor.get()),
        created_at: Set(now),
        updated_at: Set(now),
        completed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = queries::action_item_views(&txn, std::slice::from_ref(&item))
        .await?
        .remove(0);
    txn.emit(
        NewEvent::in_network(
            EventKind::ActionItemCreated,
            convening.network_id,
            actor.get(),
            &view,
        )
        .about(item.id),
    );
    announce_assignment(&txn, actor, &convening, &item).await?;
    txn.commit().await?;
    Ok(view)
}

fn may_change(
    item: &action_items::Model,
    access: &NetworkAccess,
    actor: MemberId,
) -> ApiResult<()> {
    if item.owner_id == Some(actor.get())
        || item.created_by == actor.get()
        || access.is_facilitator()
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Only the owner, whoever recorded it, or a facilitator can change this action item.",
        ))
    }
}

pub async fn update(
    db: &Writer,
    actor: MemberId,
    id: i64,
    input: UpdateActionItem,
) -> ApiResult<ActionItemView> {
    let title = input
        .title
        .as_deref()
        .map(|t| Title::parse(t).map(Title::into_string))
        .transpose()?;
    let due_on = input.due_on.map(check_due_on).transpose()?;
    let txn = Tx::begin(db).await?;
    let item = action_items::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let convening = convenings::Entity::find_by_id(item.convening_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let access = network_access(&txn, actor, NetworkId(convening.network_id)).await?;
    may_change(&item, &access, actor)?;
    let new_owner = match input.owner_id {
        Some(owner) => Some(check_owner(&txn, NetworkId(convening.network_id), owner).await?),
        None => None,
    };
    let reassigned = new_owner.is_some_and(|owner| owner.is_some() && owner != item.owner_id);
    let now = crate::clock::now();
    let mut active: action_items::ActiveModel = item.clone().into();
    if let Some(title) = title {
        active.title = Set(title);
    }
    if let Some(owner) = new_owner {
        active.owner_id = Set(owner);
    }
    if let Some(due_on) = due_on {
        active.due_on = Set(due_on);
    }
    if let Some(status) = input.status {
        active.status = Set(status.as_str().to_owned());
        active.completed_at = Set(match status {
            ActionItemStatus::Done => item.completed_at.or(Some(now)),
            ActionItemStatus::Open => None,
        });
    }
    active.updated_at = Set(now);
    let item = active.update(&txn).await?;
    let view = queries::action_item_views(&txn, std::slice::from_ref(&item))
        .await?
        .remove(0);
    txn.emit(
        NewEvent::in_network(
            EventKind::ActionItemUpdated,
            convening.network_id,
            actor.get(),
            &view,
        )
        .about(item.id),
    );
    if reassigned {
        announce_assignment(&txn, actor, &convening, &item).await?;
    }
    txn.commit().await?;
    Ok(view)
}
