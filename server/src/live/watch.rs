//! `staffroom watch`: a small live-updates client for operators. Prints every message as a
//! JSON line and, when the connection drops, reconnects and resumes from the last event it
//! printed (so nothing is missed in between).

use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub struct WatchOptions {
    /// `ws://host:port` or `http://host:port` of a Staffroom server.
    pub server: String,
    pub access_token: String,
    pub topics: Vec<String>,
    pub last_event_id: Option<String>,
    /// Stop after this many events (useful in scripts); `None` runs until interrupted.
    pub max_events: Option<usize>,
}

fn endpoint(server: &str) -> String {
    let base = server.trim_end_matches('/');
    let base = base
        .strip_prefix("http://")
        .map(|rest| format!("ws://{rest}"))
        .or_else(|| {
            base.strip_prefix("https://")
                .map(|rest| format!("wss://{rest}"))
        })
        .unwrap_or_else(|| base.to_owned());
    format!("{base}/api/v1/live")
}

/// Runs until interrupted, `max_events` events were printed, or authentication fails.
pub async fn watch(options: WatchOptions, mut out: impl std::io::Write) -> anyhow::Result<()> {
    let mut last_event_id = options.last_event_id.clone();
    let mut printed = 0usize;
    let mut backoff = Duration::from_millis(500);
    loop {
        let (mut socket, _) =
            match tokio_tungstenite::connect_async(endpoint(&options.server)).await {
                Ok(connected) => connected,
                Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                    anyhow::bail!(
                        "the server refused the connection: HTTP {}",
                        response.status()
                    )
                }
                Err(err) => {
                    eprintln!("connection failed ({err}); retrying in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
            };
        backoff = Duration::from_millis(500);
        socket
            .send(Message::Text(
                serde_json::json!({"type": "auth", "access_token": options.access_token})
                    .to_string()
                    .into(),
            ))
            .await?;
        let mut subscribe = serde_json::json!({"type": "subscribe", "topics": options.topics});
        if let Some(id) = &last_event_id {
            subscribe["last_event_id"] = serde_json::json!(id);
        }
        socket
            .send(Message::Text(subscribe.to_string().into()))
            .await?;
        while let Some(message) = socket.next().await {
            let text = match message {
                Ok(Message::Text(text)) => text,
                Ok(Message::Close(frame)) => {
                    if frame.as_ref().is_some_and(|f| u16::from(f.code) == 4401) {
                        anyhow::bail!(
                            "authentication failed or expired: {}",
                            frame.map(|f| f.reason.to_string()).unwrap_or_default()
                        );
                    }
                    break;
                }
                Ok(_) => continue,
                Err(_) => break,
            };
            writeln!(out, "{text}")?;
            out.flush()?;
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if value["type"] == "event" {
                last_event_id = value["id"].as_str().map(str::to_owned);
                printed += 1;
                if options.max_events.is_some_and(|max| printed >= max) {
                    let _ = socket.close(None).await;
                    return Ok(());
                }
            }
        }
        eprintln!(
            "disconnected; reconnecting from event {}",
            last_event_id.as_deref().unwrap_or("(start)")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn server_addresses_become_websocket_endpoints() {
        assert_eq!(
            endpoint("http://127.0.0.1:8080/"),
            "ws://127.0.0.1:8080/api/v1/live"
        );
        assert_eq!(
            endpoint("https://staffroom.example.org"),
            "wss://staffroom.example.org/api/v1/live"
        );
        assert_eq!(endpoint("ws://h:1"), "ws://h:1/api/v1/live");
    }
}
