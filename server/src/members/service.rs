//! Creating members and changing their profiles.

use super::profile::{DigestPreferences, EmailNotificationsUpdate};
use super::queries;
use super::views::PublicProfile;
use crate::db::Writer;
use crate::display_name::DisplayName;
use crate::email_address::Email;
use crate::entities::{email_opt_outs, member_expertise, members};
use crate::error::{ApiError, ApiResult};
use crate::events::{EventKind, NewEvent, Topic};
use crate::ids::{ApiId, MemberId};
use crate::tags::Tag;
use crate::text::BoundedText;
use crate::timezone::Timezone;
use crate::tx::Tx;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Set,
    SqlErr, Statement,
};
use serde::Deserialize;

pub struct NewMember {
    pub email: Email,
    pub display_name: DisplayName,
    /// Argon2id hash; `None` for accounts that sign in by magic link only.
    pub password_hash: Option<String>,
    /// Instance admin regardless of whether others exist (the `admin create` command).
    pub is_admin: bool,
    /// Where they are (the browser's zone at registration); `None`: UTC until they say.
    pub timezone: Option<Timezone>,
}

/// Arbitrary constant naming the "first account" lock among PostgreSQL advisory locks.
const FIRST_ACCOUNT_LOCK_KEY: i64 = 0x0053_5446_4649_5253; // "STFFIRS"

/// Inserts a member. The very first account of an instance becomes its admin.
pub async fn create_member(
    txn: &impl ConnectionTrait,
    new: NewMember,
) -> ApiResult<members::Model> {
    if queries::find_by_email(txn, new.email.as_str())
        .await?
        .is_some()
    {
        return Err(email_taken());
    }
    let mut is_first = !queries::any_member_exists(txn).await?;
    if is_first && txn.get_database_backend() == DatabaseBackend::Postgres {
        // Two concurrent first registrations must not both become admin: the second waits
        // here until the first commits, then sees it.
        txn.execute(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [FIRST_ACCOUNT_LOCK_KEY.into()],
        ))
        .await?;
        is_first = !queries::any_member_exists(txn).await?;
    }
    let handle = unique_handle(txn, &new.display_name).await?;
    let now = crate::clock::now();
    let inserted = members::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        handle: Set(handle),
        display_name: Set(new.display_name.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        title: Set(String::new()),
        organization: Set(String::new()),
        bio: Set(String::new()),
        timezone: Set(new
            .timezone
            .as_ref()
            .map_or("UTC", Timezone::as_str)
            .to_owned()),
        digest_frequency: Set("weekly".to_owned()),
        digest_weekday: Set(1),
        digest_hour: Set(7),
        is_admin: Set(new.is_admin || is_first),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await;
    match inserted {
        Ok(member) => Ok(member),
        // A concurrent registration won the race for this email or handle.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            if queries::find_by_email(txn, new.email.as_str())
                .await
                .ok()
                .flatten()
                .is_some()
            {
                Err(email_taken())
            } else {
                Err(ApiError::Conflict(
                    "Someone registered at the same moment with the same name; please try again."
                        .into(),
                ))
            }
        }
        Err(err) => Err(err.into()),
    }
}

/// Words that `@` gives a meaning of their own in a network.
const RESERVED_HANDLES: [&str; 1] = [crate::markdown::mentions::FACILITATORS];

fn email_taken() -> ApiError {
    ApiError::Conflict("An account with this email already exists.".into())
}

/// `roxy-heiser`, or the first free `roxy-heiser-N`, found with one query. A handle that
/// `@` means something else by (`@facilitators`) is never given: `facilitators-2` instead.
async fn unique_handle(txn: &impl ConnectionTrait, name: &DisplayName) -> ApiResult<String> {
    let base = name.handle_base();
    let taken = queries::handles_like(txn, &base).await?;
    if !taken.contains(&base) && !RESERVED_HANDLES.contains(&base.as_str()) {
        return Ok(base);
    }
    let suffix = (2..)
        .find(|n| !taken.contains(&format!("{base}-{n}")))
        .expect("a free suffix exists among more numbers than there are rows");
    Ok(format!("{base}-{suffix}"))
}

/// `PATCH /me`: every field optional; absent fields are left as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub title: Option<String>,
    pub organization: Option<String>,
    pub bio: Option<String>,
    /// Replaces the member's expertise tags.
    pub expertise: Option<Vec<String>>,
    /// IANA name, e.g. `America/Chicago`.
    pub timezone: Option<String>,
    pub digest: Option<DigestPreferences>,
    /// Kinds of notification email to turn on or off; kinds not named stay as they are.
    pub email_notifications: Option<EmailNotificationsUpdate>,
}

pub async fn update_profile(
    db: &Writer,
    member_id: i64,
    update: ProfileUpdate,
) -> ApiResult<members::Model> {
    // Parse everything before touching the database: bad input changes nothing.
    let display_name = update
        .display_name
        .as_deref()
        .map(DisplayName::parse)
        .transpose()?;
    let title = update
        .title
        .as_deref()
        .map(|t| BoundedText::parse("title", t, 120).map(BoundedText::into_string))
        .transpose()?;
    let organization = update
        .organization
        .as_deref()
        .map(|t| BoundedText::parse("organization", t, 120).map(BoundedText::into_string))
        .transpose()?;
    let bio = update
        .bio
        .as_deref()
        .map(|t| BoundedText::parse("bio", t, 2000).map(BoundedText::into_string))
        .transpose()?;
    let expertise = update
        .expertise
        .as_deref()
        .map(|tags| Tag::parse_list("expertise", tags))
        .transpose()?;
    let timezone = update
        .timezone
        .as_deref()
        .map(Timezone::parse)
        .transpose()?;
    let digest = update.digest.map(DigestPreferences::validate).transpose()?;

    let txn = Tx::begin(db).await?;
    let member = queries::find(&txn, member_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut active: members::ActiveModel = member.into();
    if let Some(name) = display_name {
        active.display_name = Set(name.as_str().to_owned());
    }
    if let Some(title) = title {
        active.title = Set(title);
    }
    if let Some(organization) = organization {
        active.organization = Set(organization);
    }
    if let Some(bio) = bio {
        active.bio = Set(bio);
    }
    if let Some(timezone) = timezone {
        active.timezone = Set(timezone.as_str().to_owned());
    }
    if let Some(digest) = digest {
        active.digest_frequency = Set(digest.frequency.as_str().to_owned());
        active.digest_weekday = Set(i16::from(digest.weekday));
        active.digest_hour = Set(i16::from(digest.hour));
        active.digest_chosen_at = Set(Some(crate::clock::now()));
    }
    active.updated_at = Set(crate::clock::now());
    let member = active.update(&txn).await?;
    for (kind, on) in update
        .email_notifications
        .map(EmailNotificationsUpdate::changes)
        .unwrap_or_default()
    {
        email_opt_outs::Entity::delete_many()
            .filter(email_opt_outs::Column::MemberId.eq(member_id))
            .filter(email_opt_outs::Column::Kind.eq(kind.as_str()))
            .exec(&txn)
            .await?;
        if !on {
            email_opt_outs::Entity::insert(email_opt_outs::ActiveModel {
                member_id: Set(member_id),
                kind: Set(kind.as_str().to_owned()),
                created_at: Set(crate::clock::now()),
            })
            .exec_without_returning(&txn)
            .await?;
        }
    }
    if let Some(tags) = expertise {
        member_expertise::Entity::delete_many()
            .filter(member_expertise::Column::MemberId.eq(member_id))
            .exec(&txn)
            .await?;
        if !tags.is_empty() {
            member_expertise::Entity::insert_many(tags.into_iter().map(|tag| {
                member_expertise::ActiveModel {
                    member_id: Set(member_id),
                    tag: Set(tag.into()),
                }
            }))
            .exec(&txn)
            .await?;
        }
    }
    txn.emit(NewEvent {
        kind: EventKind::ProfileUpdated,
        topic: Topic::Member(member_id),
        network_id: None,
        thread_id: None,
        recipient_id: None,
        actor_id: Some(member_id),
        subject_id: Some(member_id),
        payload: serde_json::json!({ "member_id": ApiId(member_id) }),
    });
    txn.commit().await?;
    Ok(member)
}

/// A member's profile as `viewer` may see it: visible to members who share a network with
/// them, to themselves and to instance admins; 404 otherwise.
pub async fn public_profile(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    target: MemberId,
) -> ApiResult<PublicProfile> {
    let may_see = target == viewer
        || queries::share_a_network(db, viewer.get(), target.get()).await?
        || crate::networks::access::is_admin(db, viewer).await?;
    if !may_see {
        return Err(ApiError::NotFound);
    }
    let member = queries::find(db, target.get())
        .await?
        .ok_or(ApiError::NotFound)?;
    let expertise = queries::expertise_of(db, target.get()).await?;
    let mut profile = PublicProfile::new(&member, expertise);
    profile.accepted_answers = Some(queries::accepted_answer_count(db, target).await?);
    Ok(profile)
}
