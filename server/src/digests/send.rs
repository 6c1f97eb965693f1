//! Sending one member's digest for one period, exactly once in effect: the delivery record
//! and the mail outbox row are written in one transaction, and the record's uniqueness
//! (member, frequency, period key) stops any second attempt, whether it comes from a
//! restart, another instance, `digest send --now` or a change of preferences.

use super::compose::{compose, Digest};
use super::render::{self, Links};
use super::schedule::Cadence;
use crate::entities::{digest_deliveries, members};
use crate::mail::unsubscribe::Unsubscribe;
use crate::mail::{ListHeaders, MailKind, OutgoingEmail};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Queued in the mail outbox, with this many items.
    Sent(usize),
    /// Nothing to tell: recorded, not sent.
    Empty,
    /// The period already had its digest.
    AlreadySent,
    /// Another instance is sending it right now.
    Busy,
}

/// Where the digest's window starts: the member's previous digest of this frequency, or
/// one period back; never more than two periods back (a member who turns digests on again
/// after months gets news, not an archive).
pub async fn since(
    db: &impl ConnectionTrait,
    member_id: i64,
    cadence: Cadence,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DbErr> {
    let last = digest_deliveries::Entity::find()
        .filter(digest_deliveries::Column::MemberId.eq(member_id))
        .filter(digest_deliveries::Column::Frequency.eq(cadence.as_str()))
        .order_by_desc(digest_deliveries::Column::CreatedAt)
        .one(db)
        .await?;
    let earliest = now - cadence.span() * 2;
    Ok(match last {
        Some(row) => row.created_at.max(earliest),
        None => now - cadence.span(),
    })
}

/// The email of a composed digest, with its one-click unsubscribe link.
pub fn email(state: &AppState, digest: &Digest, cadence: Cadence) -> (OutgoingEmail, ListHeaders) {
    let public_url = state.config.public_url();
    let token = state
        .unsubscribe
        .issue(digest.member_id, Unsubscribe::Digest);
    let unsubscribe = format!("{public_url}/unsubscribe?token={token}");
    let links = Links {
        settings: format!("{public_url}/settings"),
        unsubscribe: unsubscribe.clone(),
        public_url,
    };
    let list = ListHeaders {
        list_id: Some(
            state
                .mailer
                .list_id(&format!("{}-digest", cadence.as_str()), "Staffroom digest"),
        ),
        unsubscribe_url: Some(unsubscribe),
    };
    (render::email(digest, cadence, &links), list)
}

/// The digest `member` would get now, and its email: for previews, which record nothing.
pub async fn preview(
    state: &AppState,
    member: &members::Model,
    cadence: Cadence,
    now: DateTime<Utc>,
) -> Result<(Digest, OutgoingEmail), DbErr> {
    let db = state.db.reader();
    let since = since(db, member.id, cadence, now).await?;
    let digest = compose(db, member, since, now).await?;
    let (email, _) = email(state, &digest, cadence);
    Ok((digest, email))
}

/// Composes and queues `member`'s digest for period `key`, unless it already went.
pub async fn deliver(
    state: &AppState,
    member: &members::Model,
    cadence: Cadence,
    key: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    let txn = state.db.writer().begin().await?;
    // Instances share the run: whoever holds the member's row composes; the others move
    // on rather than wait.
    if !crate::members::queries::lock_for_mail(&txn, member.id).await? {
        return Ok(Outcome::Busy);
    }
    if already_sent(&txn, member.id, cadence, key).await? {
        return Ok(Outcome::AlreadySent);
    }
    let since = since(&txn, member.id, cadence, now).await?;
    let digest = compose(&txn, member, since, now).await?;
    let items = digest.items();
    let recorded = digest_deliveries::Entity::insert(digest_deliveries::ActiveModel {
        member_id: Set(member.id),
        frequency: Set(cadence.as_str().to_owned()),
        period_key: Set(key.to_owned()),
        items: Set(i32::try_from(items).unwrap_or(i32::MAX)),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            digest_deliveries::Column::MemberId,
            digest_deliveries::Column::Frequency,
            digest_deliveries::Column::PeriodKey,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if recorded == 0 {
        return Ok(Outcome::AlreadySent);
    }
    if digest.is_empty() {
        txn.commit().await?;
        return Ok(Outcome::Empty);
    }
    let (email, list) = email(state, &digest, cadence);
    state
        .mailer
        .queue_list(&txn, MailKind::Digest, &member.email, email, &list)
        .await?;
    crate::failpoint::hit("digest.before_commit");
    txn.commit().await?;
    state.mailer.wake();
    Ok(Outcome::Sent(items))
}

async fn already_sent(
    db: &impl ConnectionTrait,
    member_id: i64,
    cadence: Cadence,
    key: &str,
) -> Result<bool, DbErr> {
    Ok(digest_deliveries::Entity::find()
        .filter(digest_deliveries::Column::MemberId.eq(member_id))
        .filter(digest_deliveries::Column::Frequency.eq(cadence.as_str()))
        .filter(digest_deliveries::Column::PeriodKey.eq(key))
        .one(db)
        .await?
        .is_some())
}
