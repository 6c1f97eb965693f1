//! Blocking: a member takes no new conversations or messages from someone. Private to the
//! blocker (no event, no notification); the blocked member learns of it only when a
//! message to them is refused.

use super::views::BlockView;
use crate::entities::member_blocks;
use crate::error::{ApiError, ApiResult};
use crate::ids::MemberId;
use crate::members::queries as member_queries;
use crate::members::views::MemberRef;
use crate::networks::visibility;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// Blocks `target`: someone the blocker shares a network with now (anyone else is 404,
/// as on their profile). Blocking twice changes nothing.
pub async fn block(db: &DatabaseConnection, actor: MemberId, target: MemberId) -> ApiResult<()> {
    if actor == target {
        return Err(ApiError::invalid("member_id", "you cannot block yourself"));
    }
    let networks = visibility::members_networks(db, &[actor.get(), target.get()]).await?;
    let shares = super::model::every_pair_shares_a_network(&[actor.get(), target.get()], &networks);
    let already = member_blocks::Entity::find_by_id((actor.get(), target.get()))
        .one(db)
        .await?
        .is_some();
    // A member already blocked stays blockable (and unblockable) after networks part.
    if !shares && !already {
        return Err(ApiError::NotFound);
    }
    if !already {
        // Two blocks at once are one block.
        member_blocks::Entity::insert(member_blocks::ActiveModel {
            blocker_id: Set(actor.get()),
            blocked_id: Set(target.get()),
            created_at: Set(crate::clock::now()),
        })
        .on_conflict(
            OnConflict::columns([
                member_blocks::Column::BlockerId,
                member_blocks::Column::BlockedId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .do_nothing()
        .exec(db)
        .await?;
    }
    Ok(())
}

pub async fn unblock(db: &DatabaseConnection, actor: MemberId, target: MemberId) -> ApiResult<()> {
    member_blocks::Entity::delete_by_id((actor.get(), target.get()))
        .exec(db)
        .await?;
    Ok(())
}

/// Whom `viewer` blocked, most recent first.
pub async fn list(db: &impl ConnectionTrait, viewer: MemberId) -> ApiResult<Vec<BlockView>> {
    let rows = member_blocks::Entity::find()
        .filter(member_blocks::Column::BlockerId.eq(viewer))
        .order_by_desc(member_blocks::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.blocked_id).collect();
    let people = member_queries::find_many(db, &ids).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            people.get(&row.blocked_id).map(|m| BlockView {
                member: MemberRef::from(m),
                created_at: row.created_at,
            })
        })
        .collect())
}
