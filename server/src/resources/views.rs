//! How resources appear in responses.

use super::model::ResourceKind;
use crate::auth::links::{LinkKeys, Linked, SignedLinks};
use crate::entities::{resource_versions, resources};
use crate::ids::ApiId;
use crate::members::views::MemberRef;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub version: i32,
    pub file_name: String,
    /// Detected from the file's content.
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub note: String,
    pub uploaded_by: Option<MemberRef>,
    pub created_at: DateTime<Utc>,
    pub download_url: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResourceView {
    pub id: ApiId,
    pub network_id: ApiId,
    pub kind: ResourceKind,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub url: Option<String>,
    pub tags: Vec<String>,
    pub grade_levels: Vec<String>,
    pub subjects: Vec<String>,
    pub author: Option<MemberRef>,
    /// The version downloads serve by default, if the resource has a file.
    pub current_version: Option<i32>,
    /// Newest first.
    pub versions: Vec<VersionView>,
    pub helpful_count: i32,
    pub helpful_by_me: bool,
    pub download_count: i32,
    pub discussion_thread_id: Option<ApiId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct ResourceExtras {
    pub tags: Vec<String>,
    pub grade_levels: Vec<String>,
    pub subjects: Vec<String>,
    pub author: Option<MemberRef>,
    pub versions: Vec<VersionView>,
    pub helpful_by_me: bool,
}

impl ResourceView {
    pub fn new(row: &resources::Model, extras: ResourceExtras) -> ResourceView {
        ResourceView {
            id: ApiId(row.id),
            network_id: ApiId(row.network_id),
            kind: ResourceKind::from_stored(&row.kind),
            title: row.title.clone(),
            description: row.description.clone(),
            description_html: row.description_html.clone(),
            url: row.url.clone(),
            tags: extras.tags,
            grade_levels: extras.grade_levels,
            subjects: extras.subjects,
            author: extras.author,
            current_version: row.current_version,
            versions: extras.versions,
            helpful_count: row.helpful_count,
            helpful_by_me: extras.helpful_by_me,
            download_count: row.download_count,
            discussion_thread_id: row.discussion_thread_id.map(ApiId),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl SignedLinks for ResourceView {
    /// Gives each version's `download_url` a link token for `member`, so a browser can
    /// follow it without a Bearer header (see `auth::links`).
    fn with_signed_links(mut self, keys: &LinkKeys, member: i64) -> Self {
        if self.versions.is_empty() {
            return self;
        }
        let token = keys.issue(
            member,
            Linked::Download {
                resource_id: self.id.0,
            },
        );
        for version in &mut self.versions {
            version.download_url = format!("{}&token={token}", version.download_url);
        }
        self
    }
}

impl VersionView {
    pub fn new(row: &resource_versions::Model, uploaded_by: Option<MemberRef>) -> VersionView {
        VersionView {
            version: row.version,
            file_name: row.file_name.clone(),
            media_type: row.media_type.clone(),
            size_bytes: row.size_bytes,
            sha256: row.sha256.clone(),
            note: row.note.clone(),
            uploaded_by,
            created_at: row.created_at,
            download_url: format!(
                "/api/v1/resources/{}/download?version={}",
                row.resource_id, row.version
            ),
        }
    }
}
