//! A real WebSocket client (tokio-tungstenite) for `/api/v1/live`.

use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct LiveClient {
    pub socket: Socket,
}

/// How a connection ended, as the client saw it.
#[derive(Debug)]
pub struct Ended {
    pub code: Option<CloseCode>,
    pub reason: String,
}

impl LiveClient {
    pub async fn connect(
        app: &TestApp,
        token: Option<&str>,
    ) -> Result<LiveClient, tokio_tungstenite::tungstenite::Error> {
        LiveClient::connect_to(&app.address, token).await
    }

    /// Connects to the server at `address` (`http://host:port`).
    pub async fn connect_to(
        address: &str,
        token: Option<&str>,
    ) -> Result<LiveClient, tokio_tungstenite::tungstenite::Error> {
        let base = address.replace("http://", "ws://");
        let url = match token {
            Some(token) => format!("{base}/api/v1/live?access_token={token}"),
            None => format!("{base}/api/v1/live"),
        };
        let (socket, _) = tokio_tungstenite::connect_async(url).await?;
        Ok(LiveClient { socket })
    }

    pub async fn signed_in(app: &TestApp, who: &Account) -> LiveClient {
        let mut client = LiveClient::connect(app, Some(&who.access_token))
            .await
            .expect("connected");
        assert_eq!(
            client.expect("authenticated").await["member_id"],
            who.id.as_str()
        );
        client
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("sent");
    }

    /// The next JSON message, or how the connection ended.
    pub async fn next(&mut self, timeout: Duration) -> Result<Value, Ended> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.socket.next()).await {
                Err(_) => panic!("no message within {timeout:?}"),
                Ok(Some(Ok(Message::Text(text)))) => {
                    return Ok(serde_json::from_str(&text).expect("JSON"))
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return Err(Ended {
                        code: frame.as_ref().map(|f| f.code),
                        reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    })
                }
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) | Ok(None) => {
                    return Err(Ended {
                        code: None,
                        reason: String::new(),
                    })
                }
            }
        }
    }

    /// The next message, which must be of `kind` (`type`).
    pub async fn expect(&mut self, kind: &str) -> Value {
        let message = self
            .next(Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("closed ({e:?}) waiting for {kind}"));
        assert_eq!(message["type"], kind, "unexpected message: {message}");
        message
    }

    pub async fn subscribe(&mut self, topics: &[&str], last_event_id: Option<&str>) -> Value {
        let mut message = json!({"type": "subscribe", "topics": topics});
        if let Some(id) = last_event_id {
            message["last_event_id"] = json!(id);
        }
        self.send(message).await;
        self.expect("subscribed").await
    }

    /// The next event, skipping nothing: anything else is a failure.
    pub async fn event(&mut self) -> Value {
        self.expect("event").await
    }

    /// Reads until the connection ends, returning how.
    pub async fn ended(&mut self, timeout: Duration) -> Ended {
        loop {
            match self.next(timeout).await {
                Ok(_) => continue,
                Err(ended) => return ended,
            }
        }
    }
}
