//! Events as clients see them: the `{"type":"event",…}` frame, with what depends on the
//! receiver resolved for them.

use super::protocol::TopicName;
use crate::entities::{events, networks};
use crate::events::EventKind;
use crate::ids::ApiId;
use crate::networks::visibility::{parent_visible_to, VisibleNetworks};
use bytestring::ByteString;

/// How much of a `network.*` event's parent a receiver may see: the parent of a listed
/// sub-network is named only to those who may know the parent exists (it is listed, or they
/// see it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parent {
    Shown,
    Hidden,
}

/// The parent network named in `event`'s payload, for the events whose payload names one.
pub fn parent_id_of(event: &events::Model, kind: Option<EventKind>) -> Option<i64> {
    match kind {
        Some(EventKind::NetworkCreated | EventKind::NetworkUpdated) => event
            .payload
            .get("parent_id")
            .and_then(|v| v.as_str())
            .and_then(|v| v.parse().ok()),
        _ => None,
    }
}

/// Whether a receiver who sees `visible` may see `parent` (absent: there is none, or it no
/// longer exists, and nothing is named).
pub fn parent_for(parent: Option<&networks::Model>, visible: &VisibleNetworks) -> Parent {
    match parent {
        Some(parent) if parent_visible_to(parent, visible) => Parent::Shown,
        _ => Parent::Hidden,
    }
}

/// How much of a receiver-shaped event (a poll's, whose results only some may see) one
/// receiver gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Everything the event may show anyone (every event that is not receiver-shaped).
    Full,
    /// Without what this receiver may not see.
    Withheld,
}

/// Whether events of `kind` are rendered per receiver from the current row rather than from
/// their stored payload: a poll's (see `polls/audience.rs`).
pub fn is_receiver_shaped(kind: Option<EventKind>) -> bool {
    matches!(
        kind,
        Some(EventKind::PollCreated | EventKind::PollUpdated | EventKind::PollVoted)
    )
}

/// The frame of `event` shown under `topic`: its stored payload, or `data` in its place
/// (a receiver-shaped event rendered from the current row).
pub fn render_event(
    event: &events::Model,
    topic: TopicName,
    parent: Parent,
    data: Option<&serde_json::Value>,
) -> ByteString {
    let mut data = data.cloned().unwrap_or_else(|| event.payload.clone());
    if parent == Parent::Hidden {
        if let Some(object) = data.as_object_mut().filter(|o| o.contains_key("parent_id")) {
            object.insert("parent_id".to_owned(), serde_json::Value::Null);
        }
    }
    ByteString::from(
        serde_json::json!({
            "type": "event",
            "id": ApiId(event.id),
            "topic": topic.to_string(),
            "kind": event.kind,
            "at": event.created_at,
            "data": data,
        })
        .to_string(),
    )
}
