//! The hub: one task tails the event log and fans each event out to the connections
//! subscribed to its topics. Each event is read from the database once, serialized once per
//! topic it is shown under, and handed to every subscriber through a bounded queue; a
//! connection whose queue is full is disconnected rather than buffered without limit.

use super::protocol::TopicName;
use crate::db::Db;
use crate::entities::events;
use crate::ids::ApiId;
use bytestring::ByteString;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify};

/// Events read per database round trip while catching up.
const BATCH: u64 = 500;

pub type ConnectionId = u64;

/// What a connection's queue carries.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// An event, already rendered as the `{"type":"event",…}` text frame.
    Event { id: i64, text: ByteString },
    /// A server notice (an `error` message) that does not end the connection.
    Notice(ByteString),
}

/// Why the hub ended a connection.
#[derive(Debug, Default)]
pub struct Kick {
    notify: Notify,
    reason: Mutex<Option<&'static str>>,
}

impl Kick {
    fn fire(&self, reason: &'static str) {
        *self.reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        self.notify.notify_one();
    }

    /// Resolves once the hub has dropped the connection, with the reason.
    pub async fn fired(&self) -> &'static str {
        self.notify.notified().await;
        self.reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or("disconnected")
    }
}

/// An authorized subscription; thread topics remember their network so that removal from
/// the network ends them too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subscription {
    pub topic: TopicName,
    pub network_id: Option<i64>,
}

struct Connection {
    member_id: i64,
    queue: mpsc::Sender<Delivery>,
    subscriptions: HashSet<Subscription>,
    kick: Arc<Kick>,
}

#[derive(Default)]
struct Registry {
    connections: HashMap<ConnectionId, Connection>,
    /// Subscribers per topic key: `network:N`, `thread:T`, and `member:M` for `me`.
    by_key: HashMap<TopicKey, HashSet<ConnectionId>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TopicKey {
    Network(i64),
    Thread(i64),
    Member(i64),
}

fn key_of(topic: TopicName, member_id: i64) -> TopicKey {
    match topic {
        TopicName::Network(id) => TopicKey::Network(id),
        TopicName::Thread(id) => TopicKey::Thread(id),
        TopicName::Me => TopicKey::Member(member_id),
    }
}

pub struct Hub {
    registry: Mutex<Registry>,
    wake: Notify,
    /// Id of the last event fanned out.
    position: AtomicI64,
    next_id: AtomicU64,
    queue_capacity: usize,
    shutdown: watch::Sender<bool>,
}

impl Hub {
    pub fn new(queue_capacity: usize) -> Hub {
        Hub {
            registry: Mutex::default(),
            wake: Notify::new(),
            position: AtomicI64::new(0),
            next_id: AtomicU64::new(1),
            queue_capacity: queue_capacity.max(1),
            shutdown: watch::channel(false).0,
        }
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a connection; its deliveries arrive on the returned receiver.
    pub fn register(&self, member_id: i64) -> (ConnectionId, mpsc::Receiver<Delivery>, Arc<Kick>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (queue, receiver) = mpsc::channel(self.queue_capacity);
        let kick = Arc::new(Kick::default());
        self.registry().connections.insert(
            id,
            Connection {
                member_id,
                queue,
                subscriptions: HashSet::new(),
                kick: kick.clone(),
            },
        );
        (id, receiver, kick)
    }

    pub fn unregister(&self, connection: ConnectionId) {
        let mut registry = self.registry();
        if let Some(gone) = registry.connections.remove(&connection) {
            for subscription in gone.subscriptions {
                let key = key_of(subscription.topic, gone.member_id);
                if let Some(set) = registry.by_key.get_mut(&key) {
                    set.remove(&connection);
                    if set.is_empty() {
                        registry.by_key.remove(&key);
                    }
                }
            }
        }
    }

    /// Starts delivering events of `subscriptions` (already authorized) to `connection`.
    pub fn subscribe(&self, connection: ConnectionId, subscriptions: &[Subscription]) {
        let mut registry = self.registry();
        let Some(member_id) = registry.connections.get(&connection).map(|c| c.member_id) else {
            return;
        };
        for subscription in subscriptions {
            registry
                .by_key
                .entry(key_of(subscription.topic, member_id))
                .or_default()
                .insert(connection);
            if let Some(entry) = registry.connections.get_mut(&connection) {
                entry.subscriptions.insert(*subscription);
            }
        }
    }

    pub fn unsubscribe(&self, connection: ConnectionId, topics: &[TopicName]) {
        let mut registry = self.registry();
        let Some(entry) = registry.connections.get_mut(&connection) else {
            return;
        };
        let member_id = entry.member_id;
        entry.subscriptions.retain(|s| !topics.contains(&s.topic));
        for topic in topics {
            if let Some(set) = registry.by_key.get_mut(&key_of(*topic, member_id)) {
                set.remove(&connection);
            }
        }
    }

    /// The connection's current subscriptions.
    pub fn subscriptions(&self, connection: ConnectionId) -> Vec<Subscription> {
        self.registry()
            .connections
            .get(&connection)
            .map(|c| c.subscriptions.iter().copied().collect())
            .unwrap_or_default()
    }

    /// How many connections are open (for metrics and tests).
    pub fn connection_count(&self) -> usize {
        self.registry().connections.len()
    }

    /// Asks the pump to look at the log now (called after writes commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A receiver that turns `true` when the server is shutting down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Tells every connection to close with "going away", and stops the pump.
    pub fn shut_down(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Tails the event log until shutdown: wakes on `wake()`, on PostgreSQL notifications
    /// (see `listen.rs`) and at least every `poll_interval`.
    pub async fn run(self: Arc<Self>, db: Db, poll_interval: Duration) {
        let start = events::Entity::find()
            .select_only()
            .column_as(events::Column::Id.max(), "max")
            .into_tuple::<Option<i64>>()
            .one(db.reader())
            .await
            .ok()
            .flatten()
            .flatten()
            .unwrap_or(0);
        self.position.store(start, Ordering::SeqCst);
        let mut shutdown = self.shutdown_signal();
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(poll_interval) => {}
                _ = shutdown.changed() => break,
            }
            if let Err(err) = self.catch_up(&db).await {
                tracing::warn!(error = %err, "live hub could not read the event log; retrying");
            }
        }
    }

    async fn catch_up(&self, db: &Db) -> Result<(), sea_orm::DbErr> {
        loop {
            let after = self.position.load(Ordering::SeqCst);
            let batch = events::Entity::find()
                .filter(events::Column::Id.gt(after))
                .order_by_asc(events::Column::Id)
                .limit(BATCH)
                .all(db.reader())
                .await?;
            let Some(last) = batch.last().map(|e| e.id) else {
                return Ok(());
            };
            for event in &batch {
                self.fan_out(event);
            }
            self.position.store(last, Ordering::SeqCst);
            if (batch.len() as u64) < BATCH {
                return Ok(());
            }
        }
    }

    fn fan_out(&self, event: &events::Model) {
        let mut registry = self.registry();
        if event.kind == "member.removed" {
            revoke_removed_member(&mut registry, event);
        }
        // (connection, topic shown) for every subscriber, the most specific topic first.
        let mut targets: HashMap<ConnectionId, TopicName> = HashMap::new();
        if let Some(recipient) = event.recipient_id {
            for connection in registry
                .by_key
                .get(&TopicKey::Member(recipient))
                .into_iter()
                .flatten()
            {
                targets.insert(*connection, TopicName::Me);
            }
        } else {
            if let Some(thread) = event.thread_id {
                for connection in registry
                    .by_key
                    .get(&TopicKey::Thread(thread))
                    .into_iter()
                    .flatten()
                {
                    targets.insert(*connection, TopicName::Thread(thread));
                }
            }
            if let Some(network) = event.network_id {
                for connection in registry
                    .by_key
                    .get(&TopicKey::Network(network))
                    .into_iter()
                    .flatten()
                {
                    targets
                        .entry(*connection)
                        .or_insert(TopicName::Network(network));
                }
            }
        }
        if targets.is_empty() {
            return;
        }
        let mut rendered: HashMap<TopicName, ByteString> = HashMap::new();
        let mut dropped = Vec::new();
        for (connection, topic) in targets {
            let text = rendered
                .entry(topic)
                .or_insert_with(|| render_event(event, topic))
                .clone();
            let Some(entry) = registry.connections.get(&connection) else {
                continue;
            };
            match entry.queue.try_send(Delivery::Event { id: event.id, text }) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    entry
                        .kick
                        .fire("slow consumer: too many undelivered events");
                    dropped.push(connection);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => dropped.push(connection),
            }
        }
        drop(registry);
        for connection in dropped {
            self.unregister(connection);
        }
    }
}

/// Ends a removed member's subscriptions to the network and its threads, telling them why.
fn revoke_removed_member(registry: &mut Registry, event: &events::Model) {
    let member: Option<i64> = event
        .payload
        .get("member_id")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse().ok());
    let (Some(member), Some(network)) = (member, event.network_id) else {
        return;
    };
    let notice = ByteString::from(
        serde_json::json!({
            "type": "error",
            "code": "access_revoked",
            "message": format!("You are no longer a member of network {network}; its events stop."),
        })
        .to_string(),
    );
    let mut revoked: Vec<(ConnectionId, Subscription)> = Vec::new();
    for (id, connection) in registry.connections.iter_mut() {
        if connection.member_id != member {
            continue;
        }
        let lost: Vec<Subscription> = connection
            .subscriptions
            .iter()
            .filter(|s| s.network_id == Some(network) || s.topic == TopicName::Network(network))
            .copied()
            .collect();
        for subscription in &lost {
            connection.subscriptions.remove(subscription);
            revoked.push((*id, *subscription));
        }
        if !lost.is_empty() {
            let _ = connection.queue.try_send(Delivery::Notice(notice.clone()));
        }
    }
    for (id, subscription) in revoked {
        if let Some(set) = registry.by_key.get_mut(&key_of(subscription.topic, member)) {
            set.remove(&id);
        }
    }
}

/// The `{"type":"event",…}` frame of an event shown under `topic`.
pub fn render_event(event: &events::Model, topic: TopicName) -> ByteString {
    ByteString::from(
        serde_json::json!({
            "type": "event",
            "id": ApiId(event.id),
            "topic": topic.to_string(),
            "kind": event.kind,
            "at": event.created_at,
            "data": event.payload,
        })
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, network_id: i64) -> events::Model {
        events::Model {
            id,
            topic: format!("network:{network_id}"),
            kind: "post.created".to_owned(),
            network_id: Some(network_id),
            thread_id: None,
            recipient_id: None,
            actor_id: Some(1),
            subject_id: None,
            payload: serde_json::json!({}),
            created_at: chrono::Utc::now(),
        }
    }

    #[tokio::test]
    async fn a_connection_that_does_not_keep_up_is_dropped_not_buffered() {
        let hub = Hub::new(2);
        let (slow, _never_read, kick) = hub.register(7);
        let (fast, mut fast_queue, _) = hub.register(8);
        let subscription = Subscription {
            topic: TopicName::Network(1),
            network_id: Some(1),
        };
        hub.subscribe(slow, &[subscription]);
        hub.subscribe(fast, &[subscription]);
        for id in 1..=3 {
            hub.fan_out(&event(id, 1));
            assert!(fast_queue.recv().await.is_some());
        }
        assert_eq!(
            kick.fired().await,
            "slow consumer: too many undelivered events"
        );
        assert_eq!(
            hub.connection_count(),
            1,
            "only the slow connection is gone"
        );
    }

    #[tokio::test]
    async fn events_go_only_to_subscribers_of_their_topics() {
        let hub = Hub::new(8);
        let (here, mut queue, _) = hub.register(7);
        hub.subscribe(
            here,
            &[Subscription {
                topic: TopicName::Network(1),
                network_id: Some(1),
            }],
        );
        hub.fan_out(&event(1, 2));
        hub.fan_out(&event(2, 1));
        match queue.recv().await {
            Some(Delivery::Event { id, text }) => {
                assert_eq!(id, 2);
                assert!(text.contains("\"topic\":\"network:1\""));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
