//! The durable event log: every write that other members can see appends one row here in
//! the same transaction, so a crash never loses an acknowledged write and every consumer
//! (live updates, search indexing, notifications, digests) can catch up from an id.
//!
//! Commit order. Ids come from a sequence when a transaction inserts, but transactions
//! commit in their own order: on PostgreSQL a reader asking for `id > N` could see 12 before
//! 11 commits, advance past 11 and never deliver it. We make the log commit-ordered by
//! serializing appends: each appending transaction takes a transaction-scoped advisory lock
//! immediately before inserting its events, and holds it until commit. Any later appender
//! waits, so it gets larger ids *and* commits later. Writers never call `append_all`
//! themselves: they `emit` into their `Tx`, which appends everything as the last statement
//! before commit (see `tx.rs`), so the lock is held only for the inserts and the commit and
//! is always taken after the transaction's row locks. SQLite has a single writer (see
//! `db.rs`), which gives the same guarantee without a lock.

use crate::entities::events;
use crate::ids::ApiId;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseBackend, DbErr, Set, Statement};
use serde::Serialize;
use std::fmt;

/// The PostgreSQL NOTIFY channel announcing appended events to other instances.
pub const NOTIFY_CHANNEL: &str = "staffroom_events";

/// Arbitrary constant naming the event-log lock among PostgreSQL advisory locks.
const EVENT_LOG_LOCK_KEY: i64 = 0x0053_5441_4646_524d; // "STAFFRM"

/// What a client subscribes to. Stored in `events.topic` as its string form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Network(i64),
    Thread(i64),
    /// One member's private stream (their notifications); clients call it `me`.
    Member(i64),
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Network(id) => write!(f, "network:{id}"),
            Topic::Thread(id) => write!(f, "thread:{id}"),
            Topic::Member(id) => write!(f, "member:{id}"),
        }
    }
}

/// Every kind of event the log carries. The string forms are part of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    NetworkCreated,
    NetworkUpdated,
    MemberJoined,
    MemberUpdated,
    MemberRemoved,
    ProfileUpdated,
    ThreadCreated,
    ThreadUpdated,
    ThreadDeleted,
    PostCreated,
    PostUpdated,
    PostDeleted,
    ReactionChanged,
    HelpRequestCreated,
    HelpRequestUpdated,
    HelpRequestResponded,
    HelpRequestOffered,
    HelpRequestResolved,
    HelpRequestDeleted,
    ConveningCreated,
    ConveningUpdated,
    ActionItemCreated,
    ActionItemUpdated,
    NotificationCreated,
    NotificationRead,
    ResourceCreated,
    ResourceUpdated,
    ResourceDeleted,
    InitiativeCreated,
    InitiativeUpdated,
    InitiativeRebaselined,
    TeamCreated,
    TeamUpdated,
    TeamDeleted,
    CheckInSubmitted,
    TestOfChangeCreated,
    TestOfChangeUpdated,
    BrightSpotDetected,
    MessageCreated,
    ConversationRead,
    PollCreated,
    PollUpdated,
    PollVoted,
    PollDeleted,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::NetworkCreated => "network.created",
            EventKind::NetworkUpdated => "network.updated",
            EventKind::MemberJoined => "member.joined",
            EventKind::MemberUpdated => "member.updated",
            EventKind::MemberRemoved => "member.removed",
            EventKind::ProfileUpdated => "profile.updated",
            EventKind::ThreadCreated => "thread.created",
            EventKind::ThreadUpdated => "thread.updated",
            EventKind::ThreadDeleted => "thread.deleted",
            EventKind::PostCreated => "post.created",
            EventKind::PostUpdated => "post.updated",
            EventKind::PostDeleted => "post.deleted",
            EventKind::ReactionChanged => "reaction.changed",
            EventKind::HelpRequestCreated => "help_request.created",
            EventKind::HelpRequestUpdated => "help_request.updated",
            EventKind::HelpRequestResponded => "help_request.responded",
            EventKind::HelpRequestOffered => "help_request.offered",
            EventKind::HelpRequestResolved => "help_request.resolved",
            EventKind::HelpRequestDeleted => "help_request.deleted",
            EventKind::ConveningCreated => "convening.created",
            EventKind::ConveningUpdated => "convening.updated",
            EventKind::ActionItemCreated => "action_item.created",
            EventKind::ActionItemUpdated => "action_item.updated",
            EventKind::NotificationCreated => "notification.created",
            EventKind::NotificationRead => "notification.read",
            EventKind::ResourceCreated => "resource.created",
            EventKind::ResourceUpdated => "resource.updated",
            EventKind::ResourceDeleted => "resource.deleted",
            EventKind::InitiativeCreated => "initiative.created",
            EventKind::InitiativeUpdated => "initiative.updated",
            EventKind::InitiativeRebaselined => "initiative.rebaselined",
            EventKind::TeamCreated => "initiative.team_created",
            EventKind::TeamUpdated => "initiative.team_updated",
            EventKind::TeamDeleted => "initiative.team_deleted",
            EventKind::CheckInSubmitted => "check_in.submitted",
            EventKind::TestOfChangeCreated => "test_of_change.created",
            EventKind::TestOfChangeUpdated => "test_of_change.updated",
            EventKind::BrightSpotDetected => "bright_spot.detected",
            EventKind::MessageCreated => "message.created",
            EventKind::ConversationRead => "conversation.read",
            EventKind::PollCreated => "poll.created",
            EventKind::PollUpdated => "poll.updated",
            EventKind::PollVoted => "poll.voted",
            EventKind::PollDeleted => "poll.deleted",
        }
    }

    /// The kind stored as `raw`; `None` for a kind this build does not know (written by a
    /// newer instance during a rolling upgrade).
    pub fn parse(raw: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }

    pub const ALL: [EventKind; 44] = [
        EventKind::NetworkCreated,
        EventKind::NetworkUpdated,
        EventKind::MemberJoined,
        EventKind::MemberUpdated,
        EventKind::MemberRemoved,
        EventKind::ProfileUpdated,
        EventKind::ThreadCreated,
        EventKind::ThreadUpdated,
        EventKind::ThreadDeleted,
        EventKind::PostCreated,
        EventKind::PostUpdated,
        EventKind::PostDeleted,
        EventKind::ReactionChanged,
        EventKind::HelpRequestCreated,
        EventKind::HelpRequestUpdated,
        EventKind::HelpRequestResponded,
        EventKind::HelpRequestOffered,
        EventKind::HelpRequestResolved,
        EventKind::HelpRequestDeleted,
        EventKind::ConveningCreated,
        EventKind::ConveningUpdated,
        EventKind::ActionItemCreated,
        EventKind::ActionItemUpdated,
        EventKind::NotificationCreated,
        EventKind::NotificationRead,
        EventKind::ResourceCreated,
        EventKind::ResourceUpdated,
        EventKind::ResourceDeleted,
        EventKind::InitiativeCreated,
        EventKind::InitiativeUpdated,
        EventKind::InitiativeRebaselined,
        EventKind::TeamCreated,
        EventKind::TeamUpdated,
        EventKind::TeamDeleted,
        EventKind::CheckInSubmitted,
        EventKind::TestOfChangeCreated,
        EventKind::TestOfChangeUpdated,
        EventKind::BrightSpotDetected,
        EventKind::MessageCreated,
        EventKind::ConversationRead,
        EventKind::PollCreated,
        EventKind::PollUpdated,
        EventKind::PollVoted,
        EventKind::PollDeleted,
    ];

    /// Events after which someone may see less than before: their live subscriptions are
    /// re-authorized before any later event is delivered (see `live/hub.rs`).
    pub fn may_narrow_access(self) -> bool {
        matches!(
            self,
            EventKind::MemberRemoved | EventKind::MemberUpdated | EventKind::NetworkUpdated
        )
    }
}

/// An event about to be appended.
#[derive(Debug)]
pub struct NewEvent {
    pub kind: EventKind,
    pub topic: Topic,
    /// The network whose members may see it (authorization for replays and fan-out).
    pub network_id: Option<i64>,
    pub thread_id: Option<i64>,
    /// Set for events addressed to one member only.
    pub recipient_id: Option<i64>,
    pub actor_id: Option<i64>,
    /// What the event is about; the kind says of which type: the post of `post.*`, the
    /// member whose membership changed for `member.*`. Lets a later write find (and redact)
    /// the events about its subject, and the hub act on kinds without reading payloads.
    pub subject_id: Option<i64>,
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// An event about something in a network, visible to its members.
    pub fn in_network<T: Serialize>(
        kind: EventKind,
        network_id: i64,
        actor_id: i64,
        payload: &T,
    ) -> NewEvent {
        NewEvent {
            kind,
            topic: Topic::Network(network_id),
            network_id: Some(network_id),
            thread_id: None,
            recipient_id: None,
            actor_id: Some(actor_id),
            subject_id: None,
            payload: serde_json::to_value(payload).unwrap_or(serde_json::Value::Null),
        }
    }

    /// Names the event's subject (see `subject_id`).
    pub fn about(self, subject_id: i64) -> NewEvent {
        NewEvent {
            subject_id: Some(subject_id),
            ..self
        }
    }

    /// An event about a thread (also delivered to subscribers of its network).
    pub fn in_thread<T: Serialize>(
        kind: EventKind,
        network_id: i64,
        thread_id: i64,
        actor_id: i64,
        payload: &T,
    ) -> NewEvent {
        NewEvent {
            topic: Topic::Thread(thread_id),
            thread_id: Some(thread_id),
            ..NewEvent::in_network(kind, network_id, actor_id, payload)
        }
    }
}

/// An appended event, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: ApiId,
    pub topic: String,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
}

/// Appends `events` inside the caller's transaction, as its last statements: only `Tx::commit`
/// calls this (see the module comment): the lock it takes on PostgreSQL is held until commit.
pub(crate) async fn append_all<C: ConnectionTrait>(
    txn: &C,
    events: Vec<NewEvent>,
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let is_postgres = txn.get_database_backend() == DatabaseBackend::Postgres;
    if is_postgres {
        txn.execute(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [EVENT_LOG_LOCK_KEY.into()],
        ))
        .await?;
    }
    let now = crate::clock::now();
    let mut last_id = 0;
    for event in events {
        let row = events::ActiveModel {
            topic: Set(event.topic.to_string()),
            kind: Set(event.kind.as_str().to_owned()),
            network_id: Set(event.network_id),
            thread_id: Set(event.thread_id),
            recipient_id: Set(event.recipient_id),
            actor_id: Set(event.actor_id),
            subject_id: Set(event.subject_id),
            payload: Set(event.payload),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        last_id = row.id;
    }
    if is_postgres {
        // Delivered at commit to every instance listening (see `live/listen.rs`); carries
        // only an id: listeners read the rows themselves from the log.
        txn.execute(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [NOTIFY_CHANNEL.into(), last_id.to_string().into()],
        ))
        .await?;
    }
    Ok(())
}

/// Rewrites the payloads of the earlier `kinds` events about `subject_id` to `payload`, in
/// the caller's transaction: when a post is edited or deleted (a thread, a resource, a help
/// request edited), a replay shows what the API shows now, never the removed or earlier
/// text.
pub async fn redact<C: ConnectionTrait>(
    txn: &C,
    kinds: &[EventKind],
    subject_id: i64,
    payload: serde_json::Value,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    events::Entity::update_many()
        .col_expr(events::Column::Payload, Expr::value(payload))
        .filter(events::Column::SubjectId.eq(subject_id))
        .filter(events::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .exec(txn)
        .await?;
    Ok(())
}

impl From<events::Model> for Event {
    fn from(row: events::Model) -> Self {
        Event {
            id: ApiId(row.id),
            topic: row.topic,
            kind: row.kind,
            at: row.created_at,
            data: row.payload,
        }
    }
}
