//! One WebSocket connection: authentication, subscriptions (authorized one by one), replay
//! of missed events, live delivery, heartbeats, token expiry and orderly closing.

use super::hub::{render_event, Delivery, Subscription};
use super::protocol::{ClientMessage, ServerMessage, TopicName};
use crate::entities::events;
use crate::ids::ApiId;
use crate::AppState;
use actix_web::web;
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How long a client may take to authenticate after connecting.
const AUTH_DEADLINE: Duration = Duration::from_secs(10);

/// Close code for authentication problems (application range, RFC 6455 §7.4.2).
const UNAUTHORIZED: u16 = 4401;

/// A frame the peer does not take within this time marks it as a slow consumer.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends a close frame if the peer takes it promptly; a stuck peer is simply dropped.
async fn close_with(session: &Session, reason: Option<CloseReason>) {
    let _ = tokio::time::timeout(Duration::from_secs(1), session.clone().close(reason)).await;
}

fn slow_consumer() -> Option<CloseReason> {
    Some(CloseReason {
        code: CloseCode::Policy,
        description: Some("slow consumer: events were not read in time".to_owned()),
    })
}

struct Live {
    state: web::Data<AppState>,
    session: Session,
    member_id: i64,
    /// When the access token expires (Unix seconds); renewed by `auth` messages.
    expires_at: i64,
    connection: super::hub::ConnectionId,
    /// Ids replayed ahead of the live queue, skipped when they arrive live.
    replayed: BTreeSet<i64>,
}

fn close(code: u16, description: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code: CloseCode::Other(code),
        description: Some(description.to_owned()),
    })
}

/// Runs a connection to its end. `authenticated` is `(member_id, expires_at)` when the
/// token came in the query string.
pub async fn run(
    state: web::Data<AppState>,
    mut session: Session,
    mut stream: MessageStream,
    authenticated: Option<(i64, i64)>,
) {
    let Some((member_id, expires_at)) = (match authenticated {
        Some(auth) => Some(auth),
        None => await_auth(&state, &mut session, &mut stream).await,
    }) else {
        return;
    };
    let hub = state.hub.clone();
    let (connection, mut queue, kick) = hub.register(member_id);
    let mut live = Live {
        state: state.clone(),
        session,
        member_id,
        expires_at,
        connection,
        replayed: BTreeSet::new(),
    };
    let greeting = ServerMessage::Authenticated {
        member_id: ApiId(member_id),
        expires_at,
    };
    let mut outcome = live.send(greeting.to_json()).await.then_some(()).ok_or(());

    let heartbeat_every = Duration::from_secs(state.config.live.heartbeat_secs.max(1));
    let mut heartbeat = tokio::time::interval(heartbeat_every);
    let mut last_heard = Instant::now();
    let mut shutdown = hub.shutdown_signal();
    while outcome.is_ok() {
        let until_expiry = Duration::from_secs(
            u64::try_from(live.expires_at - chrono::Utc::now().timestamp()).unwrap_or(0),
        );
        tokio::select! {
            message = stream.recv() => {
                last_heard = Instant::now();
                match message {
                    Some(Ok(Message::Text(text))) => outcome = live.handle_text(&text).await,
                    Some(Ok(Message::Ping(bytes))) => outcome = live.session.pong(&bytes).await.map_err(|_| ()),
                    Some(Ok(Message::Pong(_))) => {}
                    Some(Ok(Message::Binary(_))) => {
                        outcome = live.error("unsupported", "Send JSON text frames.").await;
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
            delivery = queue.recv() => match delivery {
                Some(Delivery::Event { id, text }) => {
                    // Everything replayed below a live id has been passed: forget it.
                    live.replayed = live.replayed.split_off(&id);
                    if !live.replayed.remove(&id) {
                        outcome = match tokio::time::timeout(SEND_TIMEOUT, live.session.text(text)).await {
                            Ok(sent) => sent.map_err(|_| ()),
                            Err(_) => {
                                close_with(&live.session, slow_consumer()).await;
                                Err(())
                            }
                        };
                    }
                }
                Some(Delivery::Notice(text)) => outcome = live.session.text(text).await.map_err(|_| ()),
                None => break,
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > heartbeat_every * 3 {
                    close_with(&live.session, close(4408, "heartbeat timeout")).await;
                    outcome = Err(());
                } else {
                    outcome = live.session.ping(b"staffroom").await.map_err(|_| ());
                }
            }
            _ = tokio::time::sleep(until_expiry) => {
                close_with(&live.session, close(UNAUTHORIZED, "access token expired; reconnect with a fresh one")).await;
                outcome = Err(());
            }
            reason = kick.fired() => {
                close_with(&live.session, Some(CloseReason { code: CloseCode::Policy, description: Some(reason.to_owned()) })).await;
                outcome = Err(());
            }
            _ = shutdown.changed() => {
                close_with(&live.session, Some(CloseReason { code: CloseCode::Away, description: Some("server shutting down".to_owned()) })).await;
                outcome = Err(());
            }
        }
    }
    hub.unregister(connection);
}

/// Waits for `{"type":"auth"}` as the first message.
async fn await_auth(
    state: &AppState,
    session: &mut Session,
    stream: &mut MessageStream,
) -> Option<(i64, i64)> {
    let first = tokio::time::timeout(AUTH_DEADLINE, async {
        loop {
            match stream.recv().await {
                Some(Ok(Message::Text(text))) => return Some(text),
                Some(Ok(Message::Ping(bytes))) => {
                    let _ = session.pong(&bytes).await;
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
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
        let _ = session.text(error.to_json()).await;
        close_with(session, close(UNAUTHORIZED, "authentication required")).await;
    }
    verified
}

impl Live {
    async fn send(&mut self, text: String) -> bool {
        self.session.text(text).await.is_ok()
    }

    async fn error(&mut self, code: &str, message: &str) -> Result<(), ()> {
        let text = ServerMessage::Error {
            code,
            message: message.to_owned(),
        }
        .to_json();
        self.session.text(text).await.map_err(|_| ())
    }

    async fn handle_text(&mut self, text: &str) -> Result<(), ()> {
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
            ClientMessage::Ping => self
                .session
                .text(ServerMessage::Pong.to_json())
                .await
                .map_err(|_| ()),
            ClientMessage::Auth { access_token } => {
                match self.state.tokens.verify_access_until(&access_token) {
                    Some((member_id, expires_at)) if member_id == self.member_id => {
                        self.expires_at = expires_at;
                        let text = ServerMessage::Authenticated {
                            member_id: ApiId(member_id),
                            expires_at,
                        }
                        .to_json();
                        self.session.text(text).await.map_err(|_| ())
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
            ClientMessage::Unsubscribe { topics } => {
                let parsed: Vec<TopicName> =
                    topics.iter().filter_map(|t| TopicName::parse(t)).collect();
                self.state.hub.unsubscribe(self.connection, &parsed);
                let text = ServerMessage::Unsubscribed {
                    topics: parsed.iter().map(|t| t.to_string()).collect(),
                }
                .to_json();
                self.session.text(text).await.map_err(|_| ())
            }
            ClientMessage::Subscribe {
                topics,
                last_event_id,
            } => self.subscribe(topics, last_event_id).await,
        }
    }

    /// Authorizes each topic (refusals are errors, never events), starts live delivery, then
    /// replays what was missed.
    async fn subscribe(
        &mut self,
        topics: Vec<String>,
        last_event_id: Option<ApiId>,
    ) -> Result<(), ()> {
        let before = self.state.hub.subscriptions(self.connection);
        let mut granted = Vec::new();
        for raw in topics.iter().take(100) {
            match self.authorize(raw).await {
                Some(subscription) => granted.push(subscription),
                None => {
                    self.error(
                        "forbidden_topic",
                        &format!("`{raw}` is not a topic you can subscribe to."),
                    )
                    .await?;
                }
            }
        }
        if granted.is_empty() {
            return Ok(());
        }
        // Live delivery starts before the replay is read, so nothing falls between the two;
        // what arrives twice is recognised by its id.
        self.state.hub.subscribe(self.connection, &granted);
        let names: Vec<String> = granted.iter().map(|s| s.topic.to_string()).collect();
        self.session
            .text(ServerMessage::Subscribed { topics: names }.to_json())
            .await
            .map_err(|_| ())?;
        if let Some(ApiId(after)) = last_event_id {
            self.replay(after, &granted, &before).await?;
        }
        Ok(())
    }

    async fn authorize(&self, raw: &str) -> Option<Subscription> {
        let topic = TopicName::parse(raw)?;
        let db = self.state.db.reader();
        match topic {
            TopicName::Me => Some(Subscription {
                topic,
                network_id: None,
            }),
            TopicName::Network(id) => crate::networks::network_access(db, self.member_id, id)
                .await
                .ok()
                .map(|_| Subscription {
                    topic,
                    network_id: Some(id),
                }),
            TopicName::Thread(id) => crate::threads::access::thread_access(db, self.member_id, id)
                .await
                .ok()
                .map(|(thread, _)| Subscription {
                    topic,
                    network_id: Some(thread.network_id),
                }),
        }
    }

    async fn replay(
        &mut self,
        after: i64,
        granted: &[Subscription],
        before: &[Subscription],
    ) -> Result<(), ()> {
        let window = self.state.config.live.replay_window;
        let mut condition = Condition::any();
        for subscription in granted {
            condition = match subscription.topic {
                TopicName::Me => condition.add(events::Column::RecipientId.eq(self.member_id)),
                TopicName::Network(id) => condition.add(
                    Condition::all()
                        .add(events::Column::RecipientId.is_null())
                        .add(events::Column::NetworkId.eq(id)),
                ),
                TopicName::Thread(id) => condition.add(
                    Condition::all()
                        .add(events::Column::RecipientId.is_null())
                        .add(events::Column::ThreadId.eq(id)),
                ),
            };
        }
        let missed = events::Entity::find()
            .filter(events::Column::Id.gt(after))
            .filter(condition)
            .order_by_asc(events::Column::Id)
            .limit(window + 1)
            .all(self.state.db.reader())
            .await;
        let missed = match missed {
            Ok(missed) => missed,
            Err(_) => {
                return self
                    .error("replay_failed", "Missed events could not be read; reload.")
                    .await
            }
        };
        if missed.len() as u64 > window {
            return self
                .session
                .text(ServerMessage::Reset.to_json())
                .await
                .map_err(|_| ());
        }
        for event in missed {
            // Events of topics subscribed before this request were delivered live already.
            if shown_as(&event, before, self.member_id).is_some() {
                continue;
            }
            let Some(topic) = shown_as(&event, granted, self.member_id) else {
                continue;
            };
            self.replayed.insert(event.id);
            self.session
                .text(render_event(&event, topic))
                .await
                .map_err(|_| ())?;
        }
        Ok(())
    }
}

/// The topic an event is shown under for these subscriptions, if any.
fn shown_as(
    event: &events::Model,
    subscriptions: &[Subscription],
    member_id: i64,
) -> Option<TopicName> {
    if event.recipient_id.is_some() {
        return subscriptions
            .iter()
            .any(|s| s.topic == TopicName::Me && event.recipient_id == Some(member_id))
            .then_some(TopicName::Me);
    }
    let thread = event
        .thread_id
        .map(TopicName::Thread)
        .filter(|t| subscriptions.iter().any(|s| s.topic == *t));
    let network = event
        .network_id
        .map(TopicName::Network)
        .filter(|t| subscriptions.iter().any(|s| s.topic == *t));
    thread.or(network)
}
