//! How members appear in responses.

use super::profile::{DigestFrequency, DigestPreferences, EmailNotifications};
use crate::entities::members;
use crate::ids::ApiId;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A member as other members sharing a network see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicProfile {
    pub id: ApiId,
    /// Used in `@mentions`.
    pub handle: String,
    pub display_name: String,
    pub title: String,
    pub organization: String,
    pub bio: String,
    pub expertise: Vec<String>,
    /// Help-request responses of theirs that were accepted (on the profile page only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_answers: Option<u64>,
}

/// The compact form embedded in posts and lists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberRef {
    pub id: ApiId,
    pub handle: String,
    pub display_name: String,
}

/// The signed-in member's own profile and settings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub id: ApiId,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub title: String,
    pub organization: String,
    pub bio: String,
    pub expertise: Vec<String>,
    pub timezone: String,
    pub digest: DigestPreferences,
    pub email_notifications: EmailNotifications,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

impl MemberView {
    /// The view of `member`, with their expertise and email preferences read from `db`.
    pub async fn load(
        db: &impl sea_orm::ConnectionTrait,
        member: &members::Model,
    ) -> Result<MemberView, sea_orm::DbErr> {
        let expertise = super::queries::expertise_of(db, member.id).await?;
        let opted_out = super::queries::email_opt_outs(db, member.id).await?;
        Ok(MemberView::new(
            member,
            expertise,
            EmailNotifications::without(opted_out),
        ))
    }

    fn new(
        member: &members::Model,
        expertise: Vec<String>,
        email_notifications: EmailNotifications,
    ) -> MemberView {
        MemberView {
            id: ApiId(member.id),
            email: member.email.clone(),
            handle: member.handle.clone(),
            display_name: member.display_name.clone(),
            title: member.title.clone(),
            organization: member.organization.clone(),
            bio: member.bio.clone(),
            expertise,
            timezone: member.timezone.clone(),
            digest: DigestPreferences {
                frequency: DigestFrequency::from_stored(&member.digest_frequency),
                weekday: u8::try_from(member.digest_weekday).unwrap_or(1),
                hour: u8::try_from(member.digest_hour).unwrap_or(7),
            },
            email_notifications,
            is_admin: member.is_admin,
            created_at: member.created_at,
        }
    }
}

impl PublicProfile {
    pub fn new(member: &members::Model, expertise: Vec<String>) -> PublicProfile {
        PublicProfile {
            id: ApiId(member.id),
            handle: member.handle.clone(),
            display_name: member.display_name.clone(),
            title: member.title.clone(),
            organization: member.organization.clone(),
            bio: member.bio.clone(),
            expertise,
            accepted_answers: None,
        }
    }
}

impl From<&members::Model> for MemberRef {
    fn from(member: &members::Model) -> Self {
        MemberRef {
            id: ApiId(member.id),
            handle: member.handle.clone(),
            display_name: member.display_name.clone(),
        }
    }
}
