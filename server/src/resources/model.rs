//! The vocabulary of the resource library.

use crate::entities::resources;
use crate::networks::access::InNetwork;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    File,
    Link,
    LessonPlan,
    Tool,
    Template,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 5] = [
        Self::File,
        Self::Link,
        Self::LessonPlan,
        Self::Tool,
        Self::Template,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::File => "file",
            ResourceKind::Link => "link",
            ResourceKind::LessonPlan => "lesson_plan",
            ResourceKind::Tool => "tool",
            ResourceKind::Template => "template",
        }
    }

    pub fn parse(raw: &str) -> Option<ResourceKind> {
        ResourceKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw)
    }

    pub fn from_stored(stored: &str) -> ResourceKind {
        ResourceKind::parse(stored).unwrap_or(ResourceKind::File)
    }
}

/// The three kinds of label a resource carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Tag,
    GradeLevel,
    Subject,
}

impl Facet {
    pub fn as_str(self) -> &'static str {
        match self {
            Facet::Tag => "tag",
            Facet::GradeLevel => "grade_level",
            Facet::Subject => "subject",
        }
    }

    /// The request field that carries this facet.
    pub fn field(self) -> &'static str {
        match self {
            Facet::Tag => "tags",
            Facet::GradeLevel => "grade_levels",
            Facet::Subject => "subjects",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Recent,
    Helpful,
    Downloads,
}

impl Sort {
    pub fn parse(raw: &str) -> Option<Sort> {
        match raw {
            "recent" => Some(Sort::Recent),
            "helpful" => Some(Sort::Helpful),
            "downloads" => Some(Sort::Downloads),
            _ => None,
        }
    }
}

impl InNetwork for resources::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}
