//! The messages of `GET /api/v1/live`, both ways.

use crate::ids::ApiId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Authenticates (first message) or renews the session's token before it expires.
    Auth {
        access_token: String,
    },
    Subscribe {
        topics: Vec<String>,
        /// Replay every event after this id on these topics first.
        last_event_id: Option<ApiId>,
    },
    Unsubscribe {
        topics: Vec<String>,
    },
    Ping,
}

/// What the server sends (events are pre-serialized by the hub, see `hub.rs`).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    Authenticated {
        member_id: ApiId,
        expires_at: i64,
    },
    Subscribed {
        topics: Vec<String>,
        /// Events after this id on these topics follow (replayed, then live): a client
        /// that had no position yet resumes from here after a lost connection.
        last_event_id: ApiId,
    },
    Unsubscribed {
        topics: Vec<String>,
    },
    Pong,
    /// Too much was missed to replay: reload, then subscribe without `last_event_id`.
    Reset,
    Error {
        code: &'a str,
        message: String,
    },
}

impl ServerMessage<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            "{\"type\":\"error\",\"code\":\"internal\",\"message\":\"\"}".to_owned()
        })
    }
}

/// A topic as clients name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicName {
    Network(i64),
    Thread(i64),
    Me,
}

impl TopicName {
    pub fn parse(raw: &str) -> Option<TopicName> {
        if raw == "me" {
            return Some(TopicName::Me);
        }
        let (kind, id) = raw.split_once(':')?;
        let id: ApiId = id.parse().ok()?;
        match kind {
            "network" => Some(TopicName::Network(id.0)),
            "thread" => Some(TopicName::Thread(id.0)),
            _ => None,
        }
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicName::Network(id) => write!(f, "network:{id}"),
            TopicName::Thread(id) => write!(f, "thread:{id}"),
            TopicName::Me => f.write_str("me"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_parse_and_print_the_same() {
        for raw in ["network:3", "thread:12", "me"] {
            assert_eq!(TopicName::parse(raw).unwrap().to_string(), raw);
        }
        for bad in [
            "network:",
            "thread:x",
            "member:3",
            "network:0",
            "everything",
        ] {
            assert!(TopicName::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn client_messages_follow_the_contract() {
        let subscribe: ClientMessage =
            serde_json::from_str(r#"{"type":"subscribe","topics":["me"],"last_event_id":"41"}"#)
                .unwrap();
        assert!(matches!(
            subscribe,
            ClientMessage::Subscribe {
                last_event_id: Some(ApiId(41)),
                ..
            }
        ));
        assert!(matches!(
            serde_json::from_str(r#"{"type":"ping"}"#).unwrap(),
            ClientMessage::Ping
        ));
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shout"}"#).is_err());
    }
}
