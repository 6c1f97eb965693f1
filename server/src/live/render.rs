//! Events as clients see them: the `{"type":"event",…}` frame, with what depends on the
//! receiver resolved for them.

use super::protocol::TopicName;
use crate::entities::{events, networks};
use crate::events::EventKind;
use crate::ids::ApiId;
use crate::networks::visibility::{parent_visible_to, VisibleNetworks};
use bytestring::ByteString;
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::HashSet;
use std::sync::Arc;

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

/// How much of a receiver-shaped event (one whose content only some may see in full) one
/// receiver gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Everything the event may show anyone (every event that is not receiver-shaped).
    Full,
    /// Without what this receiver may not see.
    Withheld,
}

/// The two ways a receiver-shaped event can look now, and who gets the fuller one.
pub struct Frames {
    /// The event's `data` with everything in it.
    pub full: serde_json::Value,
    /// The event's `data` without what only `allowed` may see.
    pub withheld: serde_json::Value,
    /// The receivers asked about who may see `full`.
    pub allowed: HashSet<i64>,
}

impl Frames {
    /// The `data` `receiver` is shown, and how much of it that is.
    pub fn for_receiver(&self, receiver: i64) -> (Shape, &serde_json::Value) {
        if self.allowed.contains(&receiver) {
            (Shape::Full, &self.full)
        } else {
            (Shape::Withheld, &self.withheld)
        }
    }
}

/// Renders some kinds of event per receiver from what is current rather than from their
/// stored payload. A capability whose events show some receivers less than others
/// implements it and registers it on the hub when the application is assembled (see
/// `state.rs`), so the hub and replays need not know what its events hold.
#[async_trait::async_trait]
pub trait PerReceiver: Send + Sync {
    /// The kinds of event it renders.
    fn kinds(&self) -> &'static [EventKind];

    /// How `event` looks now for `receivers` (never empty); `None`: as its stored payload
    /// says.
    async fn frames(
        &self,
        db: &DatabaseConnection,
        event: &events::Model,
        receivers: &[i64],
    ) -> Result<Option<Frames>, DbErr>;
}

/// The registered `PerReceiver` renderers, by the event kinds they claim. A handful at most:
/// looking one up is a short scan, and events nobody claims cost nothing more.
#[derive(Clone, Default)]
pub struct PerReceiverRenderers {
    by_kind: Vec<(EventKind, Arc<dyn PerReceiver>)>,
}

impl PerReceiverRenderers {
    /// Adds `renderer` for the kinds it names (a later registration for a kind wins).
    pub fn register(&mut self, renderer: Arc<dyn PerReceiver>) {
        for kind in renderer.kinds() {
            self.by_kind.retain(|(claimed, _)| claimed != kind);
            self.by_kind.push((*kind, renderer.clone()));
        }
    }

    /// The renderer of events of `kind`, if one claims them.
    pub fn for_kind(&self, kind: Option<EventKind>) -> Option<&dyn PerReceiver> {
        let kind = kind?;
        self.by_kind
            .iter()
            .find(|(claimed, _)| *claimed == kind)
            .map(|(_, renderer)| renderer.as_ref())
    }
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
