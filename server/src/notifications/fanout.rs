//! Who hears about a new post: the members it mentions, the author of the post it answers,
//! and everyone watching the thread (explicitly, or through a watched network). Each gets
//! one notification, the most specific; muted threads and the author get none.

use super::records::{notify_all, NewNotification, NotificationKind};
use crate::entities::{network_members, posts, thread_subscriptions, threads};
use crate::ids::ApiId;
use crate::notification_level::NotificationLevel;
use crate::tx::Tx;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashSet};

pub async fn notify_post(
    txn: &Tx,
    thread: &threads::Model,
    post: &posts::Model,
    mentioned: &[i64],
) -> Result<(), DbErr> {
    let explicit = thread_subscriptions::Entity::find()
        .filter(thread_subscriptions::Column::ThreadId.eq(thread.id))
        .all(txn)
        .await?;
    let muted: HashSet<i64> = explicit
        .iter()
        .filter(|s| NotificationLevel::from_stored(&s.level) == NotificationLevel::Muted)
        .map(|s| s.member_id)
        .collect();
    let has_level: HashSet<i64> = explicit.iter().map(|s| s.member_id).collect();
    let mut watchers: Vec<i64> = explicit
        .iter()
        .filter(|s| NotificationLevel::from_stored(&s.level) == NotificationLevel::Watching)
        .map(|s| s.member_id)
        .collect();
    let network_watchers = network_members::Entity::find()
        .filter(network_members::Column::NetworkId.eq(thread.network_id))
        .filter(network_members::Column::NotificationLevel.eq(NotificationLevel::Watching.as_str()))
        .all(txn)
        .await?;
    watchers.extend(
        network_watchers
            .iter()
            .map(|m| m.member_id)
            .filter(|id| !has_level.contains(id)),
    );

    // Strongest reason per recipient: mention, then reply, then watching.
    let mut recipients: BTreeMap<i64, NotificationKind> = BTreeMap::new();
    for member in watchers {
        recipients.insert(member, NotificationKind::Posted);
    }
    if let Some(parent) = post.reply_to_post_id {
        if let Some(parent) = posts::Entity::find_by_id(parent).one(txn).await? {
            recipients.insert(parent.author_id, NotificationKind::Replied);
        }
    }
    for member in mentioned {
        recipients.insert(*member, NotificationKind::Mentioned);
    }
    deliver(txn, thread, post, recipients, &muted).await
}

/// Members newly mentioned by an edit hear about it; nobody else does.
pub async fn notify_mentions(
    txn: &Tx,
    thread: &threads::Model,
    post: &posts::Model,
    mentioned: &[i64],
) -> Result<(), DbErr> {
    let recipients = mentioned
        .iter()
        .map(|id| (*id, NotificationKind::Mentioned))
        .collect();
    deliver(txn, thread, post, recipients, &HashSet::new()).await
}

async fn deliver(
    txn: &Tx,
    thread: &threads::Model,
    post: &posts::Model,
    recipients: BTreeMap<i64, NotificationKind>,
    muted: &HashSet<i64>,
) -> Result<(), DbErr> {
    let notifications = recipients
        .into_iter()
        .filter(|(recipient, kind)| {
            *recipient != post.author_id
                && !(muted.contains(recipient) && *kind == NotificationKind::Posted)
        })
        .map(|(recipient, kind)| NewNotification {
            recipient_id: recipient,
            kind,
            subject_type: "post",
            subject_id: post.id,
            network_id: Some(thread.network_id),
            actor_id: Some(post.author_id),
            // Ids only: the title and the post's words are read when it is shown
            // (`subjects.rs`), so an edit or a deletion leaves no copy here.
            data: serde_json::json!({
                "thread_id": ApiId(thread.id),
                "post_number": post.post_number,
            }),
        })
        .collect();
    notify_all(txn, notifications).await?;
    Ok(())
}
