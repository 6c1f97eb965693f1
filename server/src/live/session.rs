//! One WebSocket connection: authentication, subscriptions (authorized one by one), replay
//! of missed events, live delivery, heartbeats, token expiry and orderly closing.
//!
//! Every frame the server sends goes through `Live::send`, bounded by
//! `live.send_timeout_secs`: a client that stops reading is dropped within it, whatever is
//! being sent (events, a replay, notices, replies), and the loop's other duties
//! (heartbeat, expiry, being kicked, shutdown) are never held up for longer.
//!
//! The socket is tungstenite's on the connection's own TCP stream (`upgrade.rs`); it answers
//! pings and close frames by itself.

use super::hub::{access_revoked, ConnectionId, Delivery, Grant, Kick, Stale};
use super::protocol::{ClientMessage, ServerMessage, TopicName};
use super::render::{parent_for, parent_id_of, render_event};
use crate::entities::{events, networks, threads};
use crate::events::EventKind;
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::networks::access;
use crate::networks::visibility::{self, VisibleNetworks};
use crate::AppState;
use actix_web::web;
use bytes::Bytes;
use bytestring::ByteString;
use futures_util::{SinkExt, StreamExt};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

/// A live connection's socket.
pub type Socket = WebSocketStream<TcpStream>;

/// How long a client may take to authenticate after connecting.
const AUTH_DEADLINE: Duration = Duration::from_secs(10);

/// Close code for authentication problems (application range, RFC 6455 §7.4.2).
const UNAUTHORIZED: u16 = 4401;

/// Most topics one `subscribe` may name.
const MAX_TOPICS: usize = 100;

/// Authorizing and registering is retried this often when access changes meanwhile.
const AUTHORIZE_ATTEMPTS: usize = 10;

fn close(code: u16, description: &'static str) -> CloseFrame {
    CloseFrame {
        code: CloseCode::from(code),
        reason: Utf8Bytes::from_static(description),
    }
}

fn policy(description: &'static str) -> CloseFrame {
    CloseFrame {
        code: CloseCode::Policy,
        reason: Utf8Bytes::from_static(description),
    }
}

/// How long a closing handshake may take before the connection is simply dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Sends a close frame and waits for the peer's (so that the frame is read before the TCP
/// connection goes), if the peer takes it promptly; a stuck peer is simply dropped.
async fn close_with(socket: &mut Socket, frame: CloseFrame) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        if socket.close(Some(frame)).await.is_ok() {
            while let Some(Ok(_)) = socket.next().await {}
        }
    })
    .await;
}

/// Why a connection ends.
#[derive(Debug)]
enum End {
    /// The client went away or the socket failed: nothing more to say.
    Gone,
    /// A frame was not taken within the send timeout.
    SlowConsumer,
}

struct Live {
    state: web::Data<AppState>,
    socket: Socket,
    member_id: i64,
    /// When the access token expires (Unix seconds); renewed by `auth` messages.
    expires_at: i64,
    connection: ConnectionId,
    /// Ids replayed ahead of the live queue, skipped when they arrive live.
    replayed: BTreeSet<i64>,
    send_timeout: Duration,
}

/// Runs a connection to its end. `authenticated` is `(member_id, expires_at)` when the
/// token came in the query string.
pub async fn run(
    state: web::Data<AppState>,
    mut socket: Socket,
    authenticated: Option<(i64, i64)>,
) {
    let send_timeout = Duration::from_secs(state.config.live.send_timeout_secs.max(1));
    let Some((member_id, expires_at)) = (match authenticated {
        Some(auth) => Some(auth),
        // Boxed, as the handling of a message below: the connection's task keeps only
        // what an idle connection needs, not room for the largest step it may take.
        None => Box::pin(await_auth(&state, &mut socket, send_timeout)).await,
    }) else {
        return;
    };
    state.visits.seen(MemberId(member_id));
    let hub = state.hub.clone();
    let (connection, mut queue, kick) = hub.register(member_id);
    let mut live = Live {
        state: state.clone(),
        socket,
        member_id,
        expires_at,
        connection,
        replayed: BTreeSet::new(),
        send_timeout,
    };
    let greeting = ServerMessage::Authenticated {
        member_id: ApiId(member_id),
        expires_at,
    };
    let outcome = match live.send(greeting.to_json().into()).await {
        Ok(()) => live.serve(&mut queue, &kick).await,
        Err(end) => end,
    };
    if let End::SlowConsumer = outcome {
        close_with(
            &mut live.socket,
            policy("slow consumer: events were not read in time"),
        )
        .await;
    }
    hub.unregister(connection);
}

impl Live {
    /// The connection's loop, until it ends. Closing frames for the endings it decides on
    /// (expiry, heartbeat, kick, shutdown) are sent here.
    async fn serve(&mut self, queue: &mut super::queue::Receiver, kick: &Arc<Kick>) -> End {
        let heartbeat_every = Duration::from_secs(self.state.config.live.heartbeat_secs.max(1));
        let mut heartbeat = tokio::time::interval(heartbeat_every);
        let mut last_heard = Instant::now();
        let mut shutdown = self.state.shutdown.signal();
        loop {
            let until_expiry = Duration::from_secs(
                u64::try_from(self.expires_at - chrono::Utc::now().timestamp()).unwrap_or(0),
            );
            let step = tokio::select! {
                message = self.socket.next() => {
                    last_heard = Instant::now();
                    match message {
                        // Boxed: subscribing and replaying hold database futures that
                        // would otherwise be part of every idle connection's task.
                        Some(Ok(Message::Text(text))) => Box::pin(self.handle_text(&text)).await,
                        Some(Ok(Message::Binary(_))) => self.error("unsupported", "Send JSON text frames.").await,
                        Some(Ok(Message::Close(_))) => {
                            // tungstenite has queued the answering close frame: send it.
                            let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.socket.flush()).await;
                            Err(End::Gone)
                        }
                        None | Some(Err(_)) => Err(End::Gone),
                        // Pings are answered by tungstenite; pongs only show the client is there.
                        Some(Ok(_)) => Ok(()),
                    }
                }
                delivery = queue.recv() => match delivery {
                    Some(Delivery::Event { id, text }) => {
                        // Everything replayed below a live id has been passed: forget it.
                        self.replayed = self.replayed.split_off(&id);
                        if self.replayed.remove(&id) {
                            Ok(())
                        } else {
                            self.send(text).await
                        }
                    }
                    Some(Delivery::Notice(text)) => self.send(text).await,
                    None => Err(End::Gone),
                },
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > heartbeat_every * 3 {
                        close_with(&mut self.socket, close(4408, "heartbeat timeout")).await;
                        Err(End::Gone)
                    } else {
                        self.send_message(Message::Ping(Bytes::from_static(b"staffroom"))).await
                    }
                }
                _ = tokio::time::sleep(until_expiry) => {
                    close_with(&mut self.socket, close(UNAUTHORIZED, "access token expired; reconnect with a fresh one")).await;
                    Err(End::Gone)
                }
                reason = kick.fired() => {
                    close_with(&mut self.socket, policy(reason)).await;
                    Err(End::Gone)
                }
                _ = shutdown.triggered() => {
                    close_with(&mut self.socket, CloseFrame { code: CloseCode::Away, reason: Utf8Bytes::from_static("server shutting down") }).await;
                    Err(End::Gone)
                }
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// Sends a frame, bounded by the send timeout.
    async fn send_message(&mut self, message: Message) -> Result<(), End> {
        match tokio::time::timeout(self.send_timeout, self.socket.send(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Gone),
            Err(_) => Err(End::SlowConsumer),
        }
    }

    async fn send(&mut self, text: ByteString) -> Result<(), End> {
        // The text is shared with every other receiver of the event: no copy.
        let text = Utf8Bytes::try_from(text.into_bytes()).map_err(|_| End::Gone)?;
        self.send_message(Message::Text(text)).await
    }

    async fn error(&mut self, code: &str, message: &str) -> Result<(), End> {
        let text = ServerMessage::Error {
            code,
            message: message.to_owned(),
        }
        .to_json();
        self.send(text.into()).await
    }

    async fn handle_text(&mut self, text: &str) -> Result<(), End> {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(err) => {
                return self
                    .error(
                        "bad_message",
                        &format!("Not a message of this protocol: {err}"),
                    )
                    .await
            }
        };
        match message {
            ClientMessage::Ping => self.send(ServerMessage::Pong.to_json().into()).await,
            ClientMessage::Auth { access_token } => self.renew(&access_token).await,
            ClientMessage::Unsubscribe { topics } => {
                let parsed: Vec<TopicName> =
                    topics.iter().filter_map(|t| TopicName::parse(t)).collect();
                self.state.hub.unsubscribe(self.connection, &parsed);
                let text = ServerMessage::Unsubscribed {
                    topics: parsed.iter().map(|t| t.to_string()).collect(),
                }
                .to_json();
                self.send(text.into()).await
            }
            ClientMessage::Subscribe {
                topics,
                last_event_id,
            } => self.subscribe(topics, last_event_id).await,
        }
    }

    /// A fresh token for the same member extends the session, and everything subscribed is
    /// authorized again: a connection never outlives its member's access by more than a
    /// token's lifetime, even if a change went unnoticed.
    async fn renew(&mut self, access_token: &str) -> Result<(), End> {
        match self.state.tokens.verify_access_until(access_token) {
            Some((member_id, expires_at)) if member_id == self.member_id => {
                self.expires_at = expires_at;
                self.reauthorize().await?;
                let text = ServerMessage::Authenticated {
                    member_id: ApiId(member_id),
                    expires_at,
                }
                .to_json();
                self.send(text.into()).await
            }
            Some(_) => {
                self.error(
                    "unauthorized",
                    "A connection stays with the member who opened it.",
                )
                .await
            }
            None => {
                self.error("unauthorized", "That access token is invalid or expired.")
                    .await
            }
        }
    }

    /// Checks every current topic again; those no longer allowed end with `access_revoked`.
    async fn reauthorize(&mut self) -> Result<(), End> {
        let topics = self.state.hub.topics(self.connection);
        for _ in 0..AUTHORIZE_ATTEMPTS {
            let generation = self.state.hub.access_generation();
            let Some(visible) = self.visible().await else {
                return self
                    .error("unavailable", "Access could not be checked; reconnect.")
                    .await;
            };
            let mut lost = Vec::new();
            for topic in &topics {
                if self.authorize(*topic).await.is_none() {
                    lost.push(*topic);
                }
            }
            self.state.hub.unsubscribe(self.connection, &lost);
            // Registering nothing new records the fresh view of what the member sees (their
            // `me` topic is filtered by it).
            match self
                .state
                .hub
                .subscribe(self.connection, &[], i64::MAX, visible, generation)
            {
                Ok(_) => {
                    if !lost.is_empty() {
                        self.send(access_revoked(&lost)).await?;
                    }
                    return Ok(());
                }
                Err(Stale) => continue,
            }
        }
        self.error("unavailable", "Access kept changing; reconnect.")
            .await
    }

    /// What the member may see now; `None` if the database cannot say.
    async fn visible(&self) -> Option<VisibleNetworks> {
        visibility::visible_networks(self.state.db.reader(), MemberId(self.member_id))
            .await
            .ok()
    }

    /// Authorizes each topic (refusals are errors, never events), starts live delivery, then
    /// replays what was missed: everything after `last_event_id`, or, without one,
    /// whatever committed while the subscription was being set up.
    async fn subscribe(
        &mut self,
        topics: Vec<String>,
        last_event_id: Option<ApiId>,
    ) -> Result<(), End> {
        let before = self.state.hub.topics(self.connection);
        let parsed: Vec<(String, Option<TopicName>)> = topics
            .into_iter()
            .take(MAX_TOPICS)
            .map(|raw| {
                let topic = TopicName::parse(&raw);
                (raw, topic)
            })
            .collect();
        let mut outcome = None;
        for _ in 0..AUTHORIZE_ATTEMPTS {
            let generation = self.state.hub.access_generation();
            let Some(visible) = self.visible().await else {
                break;
            };
            let since = match last_event_id {
                Some(ApiId(after)) => after,
                None => match latest_event_id(&self.state).await {
                    Some(latest) => latest,
                    None => break,
                },
            };
            let mut granted = Vec::new();
            let mut refused = Vec::new();
            for (raw, topic) in &parsed {
                match topic {
                    Some(topic) => match self.authorize(*topic).await {
                        Some(grant) => granted.push(grant),
                        None => refused.push(raw.clone()),
                    },
                    None => refused.push(raw.clone()),
                }
            }
            let registered = self.state.hub.subscribe(
                self.connection,
                &granted,
                since,
                visible.clone(),
                generation,
            );
            if let Ok(upto) = registered {
                outcome = Some((granted, refused, since, upto, visible));
                break;
            }
        }
        let Some((granted, refused, since, upto, visible)) = outcome else {
            return self
                .error(
                    "unavailable",
                    "Subscriptions could not be checked; try again.",
                )
                .await;
        };
        for raw in refused {
            self.error(
                "forbidden_topic",
                &format!("`{raw}` is not a topic you can subscribe to."),
            )
            .await?;
        }
        if granted.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = granted.iter().map(|g| g.topic.to_string()).collect();
        let subscribed = ServerMessage::Subscribed {
            topics: names,
            last_event_id: ApiId(since),
        };
        self.send(subscribed.to_json().into()).await?;
        let granted: Vec<TopicName> = granted.iter().map(|g| g.topic).collect();
        self.replay(since, upto, &granted, &before, &visible).await
    }

    async fn authorize(&self, topic: TopicName) -> Option<Grant> {
        let db = self.state.db.reader();
        match topic {
            TopicName::Me => Some(Grant {
                topic,
                network_id: None,
            }),
            TopicName::Network(id) => {
                crate::networks::network_access(db, MemberId(self.member_id), NetworkId(id))
                    .await
                    .ok()
                    .map(|_| Grant {
                        topic,
                        network_id: Some(id),
                    })
            }
            TopicName::Thread(id) => {
                access::load::<threads::Entity>(db, MemberId(self.member_id), id)
                    .await
                    .ok()
                    .map(|(thread, _)| Grant {
                        topic,
                        network_id: Some(thread.network_id),
                    })
            }
        }
    }

    /// Sends what `granted` carried after `after` and up to `upto` (the live queue has the
    /// rest), as the API shows it now: nothing of deleted threads, nothing on `me` from
    /// networks out of sight, parents only where they may be named.
    async fn replay(
        &mut self,
        after: i64,
        upto: i64,
        granted: &[TopicName],
        before: &[TopicName],
        visible: &VisibleNetworks,
    ) -> Result<(), End> {
        let window = self.state.config.live.replay_window;
        let mut condition = Condition::any();
        for topic in granted {
            condition = condition.add(match *topic {
                TopicName::Me => {
                    let mut mine =
                        Condition::all().add(events::Column::RecipientId.eq(self.member_id));
                    if let VisibleNetworks::Only(ids) = visible {
                        mine = mine.add(
                            Condition::any()
                                .add(events::Column::NetworkId.is_null())
                                .add(events::Column::NetworkId.is_in(ids.iter().copied())),
                        );
                    }
                    mine
                }
                TopicName::Network(id) => Condition::all()
                    .add(events::Column::RecipientId.is_null())
                    .add(events::Column::NetworkId.eq(id)),
                TopicName::Thread(id) => Condition::all()
                    .add(events::Column::RecipientId.is_null())
                    .add(events::Column::ThreadId.eq(id)),
            });
        }
        let deleted_threads = Query::select()
            .column(threads::Column::Id)
            .from(threads::Entity)
            .and_where(threads::Column::DeletedAt.is_not_null())
            .to_owned();
        let not_of_deleted_threads = Condition::any()
            .add(events::Column::ThreadId.is_null())
            .add(events::Column::Kind.eq(EventKind::ThreadDeleted.as_str()))
            .add(events::Column::ThreadId.not_in_subquery(deleted_threads));
        // Read past `upto` too, so that whether too much was missed does not depend on how
        // far the hub has got.
        let missed = events::Entity::find()
            .filter(events::Column::Id.gt(after))
            .filter(condition)
            .filter(not_of_deleted_threads)
            .order_by_asc(events::Column::Id)
            .limit(window + 1)
            .all(self.state.db.reader())
            .await;
        let Ok(missed) = missed else {
            return self
                .error("replay_failed", "Missed events could not be read; reload.")
                .await;
        };
        if missed.len() as u64 > window {
            return self.send(ServerMessage::Reset.to_json().into()).await;
        }
        let missed: Vec<events::Model> = missed.into_iter().filter(|e| e.id <= upto).collect();
        let parents = self.parents_of(&missed).await;
        for event in missed {
            // Events of topics subscribed before this request were delivered live already.
            if shown_as(&event, before, self.member_id).is_some() {
                continue;
            }
            let Some(topic) = shown_as(&event, granted, self.member_id) else {
                continue;
            };
            let kind = EventKind::parse(&event.kind);
            let parent = parent_id_of(&event, kind).and_then(|id| parents.get(&id));
            // A receiver-shaped event shows what it shows now, as it would live.
            let frames = match self.state.hub.per_receiver().for_kind(kind) {
                Some(renderer) => renderer
                    .frames(self.state.db.reader(), &event, &[self.member_id])
                    .await
                    .ok()
                    .flatten(),
                None => None,
            };
            let data = frames.as_ref().map(|f| f.for_receiver(self.member_id).1);
            self.replayed.insert(event.id);
            self.send(render_event(
                &event,
                topic,
                parent_for(parent, visible),
                data,
            ))
            .await?;
        }
        Ok(())
    }

    /// The parent networks named by `network.*` events among `missed`.
    async fn parents_of(&self, missed: &[events::Model]) -> HashMap<i64, networks::Model> {
        let ids: Vec<i64> = missed
            .iter()
            .filter_map(|e| parent_id_of(e, EventKind::parse(&e.kind)))
            .collect();
        if ids.is_empty() {
            return HashMap::new();
        }
        networks::Entity::find()
            .filter(networks::Column::Id.is_in(ids))
            .all(self.state.db.reader())
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|n| (n.id, n))
            .collect()
    }
}

/// The newest event id committed (0 for an empty log).
async fn latest_event_id(state: &AppState) -> Option<i64> {
    events::Entity::find()
        .select_only()
        .column_as(events::Column::Id.max(), "max")
        .into_tuple::<Option<i64>>()
        .one(state.db.reader())
        .await
        .ok()
        .map(|max| max.flatten().unwrap_or(0))
}

/// Waits for `{"type":"auth"}` as the first message.
async fn await_auth(
    state: &AppState,
    socket: &mut Socket,
    send_timeout: Duration,
) -> Option<(i64, i64)> {
    let first = tokio::time::timeout(AUTH_DEADLINE, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => return Some(text),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                // Pings are answered by tungstenite.
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .ok()
    .flatten();
    let verified = first
        .and_then(|text| serde_json::from_str::<ClientMessage>(&text).ok())
        .and_then(|message| match message {
            ClientMessage::Auth { access_token } => state.tokens.verify_access_until(&access_token),
            _ => None,
        });
    if verified.is_none() {
        let error = ServerMessage::Error {
            code: "unauthorized",
            message: "Authenticate first with a valid access token.".into(),
        };
        let _ = tokio::time::timeout(
            send_timeout,
            socket.send(Message::Text(error.to_json().into())),
        )
        .await;
        close_with(socket, close(UNAUTHORIZED, "authentication required")).await;
    }
    verified
}

/// The topic an event is shown under for these topics, if any.
fn shown_as(event: &events::Model, topics: &[TopicName], member_id: i64) -> Option<TopicName> {
    if event.recipient_id.is_some() {
        return (topics.contains(&TopicName::Me) && event.recipient_id == Some(member_id))
            .then_some(TopicName::Me);
    }
    let thread = event
        .thread_id
        .map(TopicName::Thread)
        .filter(|t| topics.contains(t));
    let network = event
        .network_id
        .map(TopicName::Network)
        .filter(|t| topics.contains(t));
    thread.or(network)
}
