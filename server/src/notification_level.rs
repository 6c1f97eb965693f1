//! Follow levels, as Discourse has them: how much a member wants to hear about a network
//! or thread.

use serde::{Deserialize, Serialize};

/// - `watching`: notified of every new post.
/// - `tracking`: unread counts shown; notified when mentioned or replied to.
/// - `normal`: notified when mentioned or replied to.
/// - `muted`: never notified; hidden from "new" counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationLevel {
    Watching,
    Tracking,
    Normal,
    Muted,
}

impl NotificationLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationLevel::Watching => "watching",
            NotificationLevel::Tracking => "tracking",
            NotificationLevel::Normal => "normal",
            NotificationLevel::Muted => "muted",
        }
    }

    pub fn from_stored(stored: &str) -> NotificationLevel {
        match stored {
            "watching" => NotificationLevel::Watching,
            "tracking" => NotificationLevel::Tracking,
            "muted" => NotificationLevel::Muted,
            _ => NotificationLevel::Normal,
        }
    }
}

/// Body of the endpoints that set a level.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct LevelBody {
    pub level: NotificationLevel,
}
