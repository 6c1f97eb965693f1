//! `?grouped=true`: a member's unread notifications of new posts and replies in one thread
//! shown as one item ("5 new replies in …"), standing where its newest one stands.
//!
//! Mentions are never grouped: each is someone asking this member by name, and a count
//! would hide who asked what. Pagination stays exact because a group is keyed by its
//! newest notification's id: a page lists each ungrouped notification and each group's
//! newest one (`representatives`) by id, newest first, and the group's other members are
//! read with it wherever they fall, so every notification is shown on exactly one page,
//! alone or in its group.

use super::queries::NotificationView;
use crate::entities::{notifications, posts};
use crate::ids::ApiId;
use sea_orm::sea_query::{Alias, Expr, JoinType, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap};

/// The kinds grouped by thread.
const GROUPED_KINDS: [&str; 2] = ["posted", "replied"];

/// Unread notifications of new posts and replies (the ones grouped).
fn groupable() -> Condition {
    Condition::all()
        .add(notifications::Column::SubjectType.eq("post"))
        .add(notifications::Column::Kind.is_in(GROUPED_KINDS))
        .add(notifications::Column::ReadAt.is_null())
}

/// The notifications a grouped page lists: every one that is not grouped, and of each group
/// its newest (no later groupable notification of the same recipient about a standing post
/// of the same thread).
pub fn representatives() -> Condition {
    let later = Alias::new("later");
    let later_post = Alias::new("later_post");
    let this_post = Alias::new("this_post");
    let newer_in_thread = Query::select()
        .expr(Expr::val(1))
        .from_as(notifications::Entity, later.clone())
        .join_as(
            JoinType::InnerJoin,
            posts::Entity,
            later_post.clone(),
            Expr::col((later_post.clone(), posts::Column::Id))
                .equals((later.clone(), notifications::Column::SubjectId)),
        )
        .join_as(
            JoinType::InnerJoin,
            posts::Entity,
            this_post.clone(),
            Expr::col((this_post.clone(), posts::Column::Id))
                .equals((notifications::Entity, notifications::Column::SubjectId)),
        )
        .cond_where(
            Condition::all()
                .add(
                    Expr::col((later.clone(), notifications::Column::RecipientId))
                        .equals((notifications::Entity, notifications::Column::RecipientId)),
                )
                .add(
                    Expr::col((later.clone(), notifications::Column::Id)).gt(Expr::col((
                        notifications::Entity,
                        notifications::Column::Id,
                    ))),
                )
                .add(Expr::col((later.clone(), notifications::Column::SubjectType)).eq("post"))
                .add(Expr::col((later.clone(), notifications::Column::Kind)).is_in(GROUPED_KINDS))
                .add(Expr::col((later.clone(), notifications::Column::ReadAt)).is_null())
                .add(
                    Expr::col((later_post.clone(), posts::Column::ThreadId))
                        .equals((this_post.clone(), posts::Column::ThreadId)),
                )
                .add(Expr::col((later_post, posts::Column::DeletedAt)).is_null()),
        )
        .to_owned();
    Condition::any()
        .add(groupable().not())
        .add(Condition::all().add(Expr::exists(newer_in_thread)).not())
}

fn thread_of(n: &notifications::Model) -> Option<i64> {
    n.data["thread_id"].as_str()?.parse().ok()
}

/// Turns the views of a grouped page into items: the newest of each group with others
/// becomes the group (`visible` is the member's condition the page was read with).
pub async fn group(
    db: &impl ConnectionTrait,
    visible: Condition,
    rows: &[notifications::Model],
    views: Vec<NotificationView>,
) -> Result<Vec<NotificationView>, DbErr> {
    let threads: BTreeSet<i64> = rows
        .iter()
        .filter(|n| n.read_at.is_none() && n.subject_type == "post")
        .filter(|n| GROUPED_KINDS.contains(&n.kind.as_str()))
        .filter_map(thread_of)
        .collect();
    if threads.is_empty() {
        return Ok(views);
    }
    let standing_posts = Query::select()
        .column(posts::Column::Id)
        .from(posts::Entity)
        .and_where(posts::Column::ThreadId.is_in(threads.iter().copied()))
        .and_where(posts::Column::DeletedAt.is_null())
        .to_owned();
    let members = notifications::Entity::find()
        .filter(visible)
        .filter(groupable())
        .filter(notifications::Column::SubjectId.in_subquery(standing_posts))
        .all(db)
        .await?;
    // Each thread's group, newest first.
    let mut by_thread: HashMap<i64, Vec<notifications::Model>> = HashMap::new();
    for n in members {
        if let Some(thread) = thread_of(&n) {
            by_thread.entry(thread).or_default().push(n);
        }
    }
    for group in by_thread.values_mut() {
        group.sort_by_key(|n| std::cmp::Reverse(n.id));
    }
    let group_of: HashMap<i64, &Vec<notifications::Model>> = by_thread
        .values()
        .filter(|group| group.len() > 1)
        .filter_map(|group| group.first().map(|newest| (newest.id, group)))
        .collect();
    Ok(views
        .into_iter()
        .map(|view| match group_of.get(&view.id.0) {
            Some(group) => as_group(view, group),
            None => view,
        })
        .collect())
}

/// `newest`'s view standing for all of `group` (newest first, at least two).
fn as_group(newest: NotificationView, group: &[notifications::Model]) -> NotificationView {
    let thread = newest.data["thread_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let title = newest.data["thread_title"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let oldest = group.last();
    let first_unread = oldest
        .and_then(|n| n.data["post_number"].as_i64())
        .unwrap_or(1);
    let all_replies = group.iter().all(|n| n.kind == "replied");
    let (kind, noun) = if all_replies {
        ("replied", "replies to you")
    } else {
        ("posted", "new replies")
    };
    let mut data = newest.data;
    data["first_unread_post_number"] = serde_json::json!(first_unread);
    NotificationView {
        kind: kind.to_owned(),
        subject_type: "thread".to_owned(),
        subject_id: thread.parse().map(ApiId).unwrap_or(newest.subject_id),
        headline: format!("{} {noun} in “{title}”", group.len()),
        url: format!("/threads/{thread}#post-{first_unread}"),
        count: Some(group.len() as u64),
        ids: Some(group.iter().map(|n| ApiId(n.id)).collect()),
        data,
        ..newest
    }
}
