//! Creating notification records.

use crate::entities::notifications;
use crate::events::{EventKind, NewEvent, Topic};
use crate::ids::{ApiId, NetworkId};
use crate::networks::visibility;
use crate::tx::Tx;
use sea_orm::{ActiveModelTrait, DbErr, Set};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Why someone is notified. The string forms are part of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A help request was posted whose tags match the recipient's expertise.
    ExpertiseRequested,
    /// The recipient was made owner of an action item.
    ActionItemAssigned,
    /// Someone responded to the recipient's help request.
    HelpResponded,
    /// Someone said "I can help" on the recipient's help request.
    HelpOffered,
    /// The recipient's response was accepted as the answer.
    AnswerAccepted,
    /// Someone `@mentioned` the recipient in a post.
    Mentioned,
    /// Someone replied to the recipient's post.
    Replied,
    /// A new post in a thread the recipient watches (or started).
    Posted,
    /// The recipient was invited to a network.
    Invited,
    /// A team on an initiative the recipient works on became a bright spot.
    BrightSpot,
    /// Another team took up the recipient's team's test of change ("try this").
    TestTried,
    /// The recipient's team has not checked in for a period that has ended.
    CheckInDue,
    /// Someone sent the recipient a direct message (once per unread conversation).
    DirectMessage,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::ExpertiseRequested => "expertise_requested",
            NotificationKind::ActionItemAssigned => "action_item_assigned",
            NotificationKind::HelpResponded => "help_responded",
            NotificationKind::HelpOffered => "help_offered",
            NotificationKind::AnswerAccepted => "answer_accepted",
            NotificationKind::Mentioned => "mentioned",
            NotificationKind::Replied => "replied",
            NotificationKind::Posted => "posted",
            NotificationKind::Invited => "invited",
            NotificationKind::BrightSpot => "bright_spot",
            NotificationKind::TestTried => "test_tried",
            NotificationKind::CheckInDue => "check_in_due",
            NotificationKind::DirectMessage => "direct_message",
        }
    }
}

pub struct NewNotification {
    pub recipient_id: i64,
    pub kind: NotificationKind,
    /// `help_request`, `thread`, `post`, `convening`, `action_item`, `network`,
    /// `initiative`, `test_of_change`, `team`, `conversation`.
    pub subject_type: &'static str,
    pub subject_id: i64,
    pub network_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub data: serde_json::Value,
}

/// Stores a notification and announces it on the recipient's topic, in the caller's
/// transaction, if the recipient may see the network it is about at this moment (a former
/// member gets no record and no event). Nobody is notified of their own actions.
pub async fn notify(txn: &Tx, new: NewNotification) -> Result<Option<i64>, DbErr> {
    Ok(notify_all(txn, vec![new]).await?.pop().flatten())
}

/// `notify` for many at once: the recipients' access is checked with one query per network.
pub async fn notify_all(
    txn: &Tx,
    notifications: Vec<NewNotification>,
) -> Result<Vec<Option<i64>>, DbErr> {
    let mut allowed: HashMap<i64, HashSet<i64>> = HashMap::new();
    for network in notifications.iter().filter_map(|n| n.network_id) {
        if allowed.contains_key(&network) {
            continue;
        }
        let candidates: Vec<i64> = notifications
            .iter()
            .filter(|n| n.network_id == Some(network))
            .map(|n| n.recipient_id)
            .collect();
        let can_see = visibility::members_who_can_see(txn, NetworkId(network), &candidates).await?;
        allowed.insert(network, can_see);
    }
    let mut ids = Vec::with_capacity(notifications.len());
    for new in notifications {
        let may_see = match new.network_id {
            None => true,
            Some(network) => allowed
                .get(&network)
                .is_some_and(|members| members.contains(&new.recipient_id)),
        };
        if !may_see || new.actor_id == Some(new.recipient_id) {
            ids.push(None);
            continue;
        }
        ids.push(Some(store(txn, new).await?));
    }
    Ok(ids)
}

async fn store(txn: &Tx, new: NewNotification) -> Result<i64, DbErr> {
    let row = notifications::ActiveModel {
        recipient_id: Set(new.recipient_id),
        kind: Set(new.kind.as_str().to_owned()),
        subject_type: Set(new.subject_type.to_owned()),
        subject_id: Set(new.subject_id),
        network_id: Set(new.network_id),
        actor_id: Set(new.actor_id),
        data: Set(new.data.clone()),
        created_at: Set(crate::clock::now()),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    txn.emit(NewEvent {
        kind: EventKind::NotificationCreated,
        topic: Topic::Member(new.recipient_id),
        network_id: new.network_id,
        thread_id: None,
        recipient_id: Some(new.recipient_id),
        actor_id: new.actor_id,
        subject_id: Some(row.id),
        payload: serde_json::json!({
            "id": ApiId(row.id),
            "kind": new.kind,
            "subject_type": new.subject_type,
            "subject_id": ApiId(new.subject_id),
            "actor_id": new.actor_id.map(ApiId),
            "data": new.data,
        }),
    });
    Ok(row.id)
}
