//! `helpful`, `thanks` and `agree` on posts: one of each kind per member per post.

use super::access::post_access;
use super::model::ReactionKind;
use super::queries;
use super::views::ReactionCounts;
use crate::db::Writer;
use crate::entities::{posts, reactions};
use crate::error::{ApiError, ApiResult};
use crate::events::{EventKind, NewEvent};
use crate::ids::{ApiId, MemberId, PostId};
use crate::tx::Tx;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReactionState {
    pub post_id: ApiId,
    pub reactions: ReactionCounts,
    pub my_reactions: Vec<ReactionKind>,
}

/// Adds (`react = true`) or removes the caller's reaction. Idempotent either way.
pub async fn set(
    db: &Writer,
    actor: MemberId,
    post_id: PostId,
    kind: ReactionKind,
    react: bool,
) -> ApiResult<ReactionState> {
    let txn = Tx::begin(db).await?;
    let (post, thread, _) = post_access(&txn, actor, post_id).await?;
    if post.deleted_at.is_some() {
        return Err(ApiError::NotFound);
    }
    if post.author_id == actor.get() {
        return Err(ApiError::Forbidden("You cannot react to your own post."));
    }
    let changed = if react {
        reactions::Entity::insert(reactions::ActiveModel {
            post_id: Set(post_id.get()),
            member_id: Set(actor.get()),
            kind: Set(kind.as_str().to_owned()),
            created_at: Set(crate::clock::now()),
        })
        .on_conflict(
            OnConflict::columns([
                reactions::Column::PostId,
                reactions::Column::MemberId,
                reactions::Column::Kind,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?
            == 1
    } else {
        reactions::Entity::delete_by_id((post_id.get(), actor.get(), kind.as_str().to_owned()))
            .exec(&txn)
            .await?
            .rows_affected
            == 1
    };
    if changed {
        // The post's row lock (PostgreSQL) orders concurrent reactions to it.
        posts::Entity::update_many()
            .col_expr(
                kind.count_column(),
                Expr::col(kind.count_column()).add(if react { 1 } else { -1 }),
            )
            .filter(posts::Column::Id.eq(post_id))
            .exec(&txn)
            .await?;
    }
    let post = posts::Entity::find_by_id(post_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let counts = ReactionCounts::of(&post);
    let mine = queries::my_reactions(&txn, actor.get(), &[post_id.get()])
        .await?
        .remove(&post_id.get())
        .unwrap_or_default();
    if changed {
        txn.emit(
            NewEvent::in_thread(
                EventKind::ReactionChanged,
                thread.network_id,
                thread.id,
                actor.get(),
                &serde_json::json!({
                    "post_id": ApiId(post_id.get()),
                    "thread_id": ApiId(thread.id),
                    "post_author_id": ApiId(post.author_id),
                    "kind": kind,
                    "added": react,
                    "reactions": counts,
                }),
            )
            .about(post_id.get()),
        );
    }
    txn.commit().await?;
    Ok(ReactionState {
        post_id: ApiId(post_id.get()),
        reactions: counts,
        my_reactions: mine,
    })
}
