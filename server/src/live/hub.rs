//! The hub: one task tails the event log and fans each event out to the connections
//! subscribed to its topics. Each event is read from the database once, serialized once per
//! way it is shown, and handed to every subscriber through a bounded queue; a connection
//! whose queue is full is disconnected rather than buffered without limit.
//!
//! Access is re-decided as it changes: before an event after which someone may see less
//! (`EventKind::may_narrow_access`) is fanned out, the subscriptions of everyone it may
//! concern are re-authorized against the database (see `reauthorize.rs`), so no later
//! event reaches a member who can no longer see its network.

use super::protocol::TopicName;
use super::queue::{self, Refused};
use super::render::{
    parent_for, parent_id_of, render_event, Frames, Parent, PerReceiver, PerReceiverRenderers,
    Shape,
};
use crate::db::Db;
use crate::entities::{events, networks};
use crate::events::EventKind;
use crate::networks::visibility::VisibleNetworks;
use crate::shutdown::ShutdownSignal;
use bytestring::ByteString;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

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

/// An authorized topic: thread topics remember their network, so that losing sight of the
/// network ends them too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub topic: TopicName,
    pub network_id: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
struct Subscribed {
    network_id: Option<i64>,
    /// Events up to this id are the replay's business, not live delivery's.
    since: i64,
}

pub(super) struct Connection {
    pub(super) member_id: i64,
    queue: queue::Sender,
    subscriptions: HashMap<TopicName, Subscribed>,
    /// What the member could see when last authorized; `me` events from other networks are
    /// not delivered.
    pub(super) visible: VisibleNetworks,
    kick: Arc<Kick>,
}

#[derive(Default)]
pub(super) struct Registry {
    pub(super) connections: HashMap<ConnectionId, Connection>,
    /// Subscribers per topic key: `network:N`, `thread:T`, and `member:M` for `me`.
    by_key: HashMap<TopicKey, HashSet<ConnectionId>>,
    pub(super) by_member: HashMap<i64, Vec<ConnectionId>>,
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

/// Authorization was decided before an access change the hub has since applied: decide
/// again.
#[derive(Debug)]
pub struct Stale;

pub struct Hub {
    registry: Mutex<Registry>,
    wake: Notify,
    /// Id of the last event fanned out.
    position: AtomicI64,
    /// Bumped (under the registry lock) whenever the hub applies an access change.
    access_generation: AtomicU64,
    next_id: AtomicU64,
    queue_capacity: usize,
    /// How the kinds of event that look different to different receivers are rendered.
    per_receiver: PerReceiverRenderers,
}

impl Registry {
    fn remove_subscription(&mut self, connection: ConnectionId, topic: TopicName) {
        let Some(entry) = self.connections.get_mut(&connection) else {
            return;
        };
        entry.subscriptions.remove(&topic);
        let key = key_of(topic, entry.member_id);
        if let Some(set) = self.by_key.get_mut(&key) {
            set.remove(&connection);
            if set.is_empty() {
                self.by_key.remove(&key);
            }
        }
    }

    /// Applies what `member_id` may now see to each of their connections: subscriptions in
    /// networks they lost are ended, with an `access_revoked` notice naming them.
    pub(super) fn apply_visibility(&mut self, member_id: i64, visible: &VisibleNetworks) {
        let connections = self.by_member.get(&member_id).cloned().unwrap_or_default();
        for connection in connections {
            let Some(entry) = self.connections.get_mut(&connection) else {
                continue;
            };
            entry.visible = visible.clone();
            let lost: Vec<TopicName> = entry
                .subscriptions
                .iter()
                .filter(|(_, s)| s.network_id.is_some_and(|n| !visible.contains(n)))
                .map(|(topic, _)| *topic)
                .collect();
            if lost.is_empty() {
                continue;
            }
            let notice = access_revoked(&lost);
            let _ = entry.queue.try_send(Delivery::Notice(notice));
            for topic in lost {
                self.remove_subscription(connection, topic);
            }
        }
    }

    /// Members with a subscription in one of `networks`.
    pub(super) fn members_subscribed_in(&self, networks: &[i64]) -> Vec<i64> {
        let mut members: Vec<i64> = self
            .connections
            .values()
            .filter(|c| {
                c.subscriptions
                    .values()
                    .any(|s| s.network_id.is_some_and(|n| networks.contains(&n)))
            })
            .map(|c| c.member_id)
            .collect();
        members.sort_unstable();
        members.dedup();
        members
    }
}

/// The notice telling a client which topics it lost, and why.
pub fn access_revoked(topics: &[TopicName]) -> ByteString {
    let names: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
    ByteString::from(
        serde_json::json!({
            "type": "error",
            "code": "access_revoked",
            "message": "You can no longer see what these topics carry; their events stop.",
            "topics": names,
        })
        .to_string(),
    )
}

impl Hub {
    pub fn new(queue_capacity: usize) -> Hub {
        Hub {
            registry: Mutex::default(),
            wake: Notify::new(),
            position: AtomicI64::new(0),
            access_generation: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
            queue_capacity: queue_capacity.max(1),
            per_receiver: PerReceiverRenderers::default(),
        }
    }

    /// Renders the kinds of event `renderer` claims per receiver, live and in replays
    /// (registered when the application is assembled).
    pub fn with_per_receiver(mut self, renderer: Arc<dyn PerReceiver>) -> Hub {
        self.per_receiver.register(renderer);
        self
    }

    /// The per-receiver renderers registered (replays use them too).
    pub(super) fn per_receiver(&self) -> &PerReceiverRenderers {
        &self.per_receiver
    }

    pub(super) fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a connection; its deliveries arrive on the returned receiver. It sees nothing
    /// until its first subscription is authorized.
    pub fn register(&self, member_id: i64) -> (ConnectionId, queue::Receiver, Arc<Kick>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (queue, receiver) = queue::queue(self.queue_capacity);
        let kick = Arc::new(Kick::default());
        let mut registry = self.registry();
        registry.connections.insert(
            id,
            Connection {
                member_id,
                queue,
                subscriptions: HashMap::new(),
                visible: VisibleNetworks::Only(Vec::new()),
                kick: kick.clone(),
            },
        );
        registry.by_member.entry(member_id).or_default().push(id);
        (id, receiver, kick)
    }

    pub fn unregister(&self, connection: ConnectionId) {
        let mut registry = self.registry();
        let Some(gone) = registry.connections.remove(&connection) else {
            return;
        };
        for topic in gone.subscriptions.keys() {
            let key = key_of(*topic, gone.member_id);
            if let Some(set) = registry.by_key.get_mut(&key) {
                set.remove(&connection);
                if set.is_empty() {
                    registry.by_key.remove(&key);
                }
            }
        }
        if let Some(list) = registry.by_member.get_mut(&gone.member_id) {
            list.retain(|c| *c != connection);
            if list.is_empty() {
                registry.by_member.remove(&gone.member_id);
            }
        }
    }

    /// The access generation to read before authorizing (see `subscribe`).
    pub fn access_generation(&self) -> u64 {
        self.access_generation.load(Ordering::SeqCst)
    }

    /// Starts delivering events of `grants` after `since` to `connection`, with `visible`
    /// as what its member may see. All of it was decided at `generation`: if the hub has
    /// applied an access change since, nothing is registered and the caller decides again,
    /// so a revocation landing between authorizing and registering still applies.
    ///
    /// Returns the id of the last event fanned out before the registration: later events
    /// come live (after any revocation they cause); a replay must stop there, or it could
    /// send what a revocation the hub has yet to apply would have withheld.
    pub fn subscribe(
        &self,
        connection: ConnectionId,
        grants: &[Grant],
        since: i64,
        visible: VisibleNetworks,
        generation: u64,
    ) -> Result<i64, Stale> {
        let mut registry = self.registry();
        if self.access_generation.load(Ordering::SeqCst) != generation {
            return Err(Stale);
        }
        let position = self.position.load(Ordering::SeqCst);
        let Some(entry) = registry.connections.get_mut(&connection) else {
            return Ok(position);
        };
        let member_id = entry.member_id;
        entry.visible = visible;
        for grant in grants {
            entry.subscriptions.insert(
                grant.topic,
                Subscribed {
                    network_id: grant.network_id,
                    since,
                },
            );
        }
        for grant in grants {
            registry
                .by_key
                .entry(key_of(grant.topic, member_id))
                .or_default()
                .insert(connection);
        }
        Ok(position)
    }

    pub fn unsubscribe(&self, connection: ConnectionId, topics: &[TopicName]) {
        let mut registry = self.registry();
        for topic in topics {
            registry.remove_subscription(connection, *topic);
        }
    }

    /// The connection's current topics.
    pub fn topics(&self, connection: ConnectionId) -> Vec<TopicName> {
        self.registry()
            .connections
            .get(&connection)
            .map(|c| c.subscriptions.keys().copied().collect())
            .unwrap_or_default()
    }

    /// How many connections are open (for metrics and tests).
    pub fn connection_count(&self) -> usize {
        self.registry().connections.len()
    }

    /// Asks the pump to look at the log now (another instance committed, see `listen.rs`;
    /// commits in this process wake it by themselves).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Marks an access change as applied from now on (see `subscribe`). Takes the registry
    /// to be sure it happens under its lock, as `subscribe`'s comparison does.
    pub(super) fn bump_generation(&self, _locked: &mut Registry) {
        self.access_generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Starts the hub at the end of the log, before anyone can subscribe: what was written
    /// earlier is for replays.
    pub async fn start_at_end(&self, db: &Db) -> Result<(), sea_orm::DbErr> {
        let end = events::Entity::find()
            .select_only()
            .column_as(events::Column::Id.max(), "max")
            .into_tuple::<Option<i64>>()
            .one(db.reader())
            .await?
            .flatten()
            .unwrap_or(0);
        self.position.store(end, Ordering::SeqCst);
        Ok(())
    }

    /// Tails the event log until `shutdown` is triggered: wakes on every commit in this
    /// process, on `wake()` (PostgreSQL notifications, see `listen.rs`) and at least every
    /// `poll_interval` (for writes of other processes).
    pub async fn run(
        self: Arc<Self>,
        db: Db,
        poll_interval: Duration,
        mut shutdown: ShutdownSignal,
    ) {
        let mut commits = db.commits();
        loop {
            tokio::select! {
                _ = commits.committed() => {}
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(poll_interval) => {}
                _ = shutdown.triggered() => break,
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
                let kind = EventKind::parse(&event.kind);
                if kind.is_some_and(EventKind::may_narrow_access) {
                    super::reauthorize::after(self, db, event, kind).await;
                }
                let parent = match parent_id_of(event, kind) {
                    Some(parent_id) => {
                        networks::Entity::find_by_id(parent_id)
                            .one(db.reader())
                            .await?
                    }
                    None => None,
                };
                let frames = match self.per_receiver.for_kind(kind) {
                    Some(renderer) => self.frames(renderer, db, event).await?,
                    None => None,
                };
                self.fan_out(event, parent.as_ref(), frames.as_ref());
            }
            self.position.store(last, Ordering::SeqCst);
            if (batch.len() as u64) < BATCH {
                return Ok(());
            }
        }
    }

    /// How a receiver-shaped `event` looks now, for the members subscribed where it goes.
    async fn frames(
        &self,
        renderer: &dyn PerReceiver,
        db: &Db,
        event: &events::Model,
    ) -> Result<Option<Frames>, sea_orm::DbErr> {
        let candidates: Vec<i64> = {
            let registry = self.registry();
            let keys = [
                event.thread_id.map(TopicKey::Thread),
                event.network_id.map(TopicKey::Network),
            ];
            let mut members: Vec<i64> = keys
                .into_iter()
                .flatten()
                .filter_map(|key| registry.by_key.get(&key))
                .flatten()
                .filter_map(|connection| registry.connections.get(connection))
                .map(|c| c.member_id)
                .collect();
            members.sort_unstable();
            members.dedup();
            members
        };
        if candidates.is_empty() {
            return Ok(None);
        }
        renderer.frames(db.reader(), event, &candidates).await
    }

    /// Hands `event` to every connection that may have it. `parent`: the parent network a
    /// `network.*` event names, whose id only some receivers may see; `frames`: for a
    /// receiver-shaped event, how it looks now, in full for the members allowed and without
    /// what they may not see for the rest.
    fn fan_out(
        &self,
        event: &events::Model,
        parent: Option<&networks::Model>,
        frames: Option<&Frames>,
    ) {
        let registry = self.registry();
        // Under the lock: a subscription registered from now on gets this event by replay,
        // one registered before got it here (see `subscribe`).
        self.position.store(event.id, Ordering::SeqCst);
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
        let mut rendered: HashMap<(TopicName, Parent, Shape), ByteString> = HashMap::new();
        let mut dropped = Vec::new();
        for (connection, topic) in targets {
            let Some(entry) = registry.connections.get(&connection) else {
                continue;
            };
            let since = entry
                .subscriptions
                .get(&topic)
                .map_or(i64::MAX, |s| s.since);
            if event.id <= since {
                continue;
            }
            // `me` carries nothing from networks its member can no longer see.
            if topic == TopicName::Me
                && event.network_id.is_some_and(|n| !entry.visible.contains(n))
            {
                continue;
            }
            let shown = parent_for(parent, &entry.visible);
            let (shape, data) = match frames {
                Some(frames) => {
                    let (shape, data) = frames.for_receiver(entry.member_id);
                    (shape, Some(data))
                }
                None => (Shape::Full, None),
            };
            let text = rendered
                .entry((topic, shown, shape))
                .or_insert_with(|| render_event(event, topic, shown, data))
                .clone();
            match entry.queue.try_send(Delivery::Event { id: event.id, text }) {
                Ok(()) => {}
                Err(Refused::Full) => {
                    entry
                        .kick
                        .fire("slow consumer: too many undelivered events");
                    dropped.push(connection);
                }
                Err(Refused::Closed) => dropped.push(connection),
            }
        }
        drop(registry);
        for connection in dropped {
            self.unregister(connection);
        }
    }
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

    fn subscribe(hub: &Hub, connection: ConnectionId, network: i64) {
        let grant = Grant {
            topic: TopicName::Network(network),
            network_id: Some(network),
        };
        hub.subscribe(
            connection,
            &[grant],
            0,
            VisibleNetworks::Only(vec![network]),
            hub.access_generation(),
        )
        .unwrap();
    }

    #[tokio::test]
    async fn a_connection_that_does_not_keep_up_is_dropped_not_buffered() {
        let hub = Hub::new(2);
        let (slow, _never_read, kick) = hub.register(7);
        let (fast, mut fast_queue, _) = hub.register(8);
        subscribe(&hub, slow, 1);
        subscribe(&hub, fast, 1);
        for id in 1..=3 {
            hub.fan_out(&event(id, 1), None, None);
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
        subscribe(&hub, here, 1);
        hub.fan_out(&event(1, 2), None, None);
        hub.fan_out(&event(2, 1), None, None);
        match queue.recv().await {
            Some(Delivery::Event { id, text }) => {
                assert_eq!(id, 2);
                assert!(text.contains("\"topic\":\"network:1\""));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn an_authorization_decided_before_an_access_change_is_not_registered() {
        let hub = Hub::new(8);
        let (connection, _queue, _) = hub.register(7);
        let generation = hub.access_generation();
        hub.bump_generation(&mut hub.registry());
        let grant = Grant {
            topic: TopicName::Network(1),
            network_id: Some(1),
        };
        assert!(hub
            .subscribe(
                connection,
                &[grant],
                0,
                VisibleNetworks::Only(vec![1]),
                generation
            )
            .is_err());
        assert!(hub.topics(connection).is_empty());
    }

    #[tokio::test]
    async fn losing_sight_of_a_network_ends_its_topics_with_a_notice() {
        let hub = Hub::new(8);
        let (connection, mut queue, _) = hub.register(7);
        subscribe(&hub, connection, 1);
        hub.registry()
            .apply_visibility(7, &VisibleNetworks::Only(vec![2]));
        match queue.recv().await {
            Some(Delivery::Notice(text)) => assert!(text.contains("access_revoked")),
            other => panic!("unexpected {other:?}"),
        }
        assert!(hub.topics(connection).is_empty());
        hub.fan_out(&event(5, 1), None, None);
        assert!(queue.try_recv().is_none());
    }
}
