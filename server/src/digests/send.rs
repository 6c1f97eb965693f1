//! Sending one member's digest for one period, exactly once in effect: the delivery record
//! and the mail outbox row are written in one transaction, and the record's uniqueness
//! (member, frequency, period key) stops any second attempt, whether it comes from a
//! restart, another instance, `digest send --now` or a change of preferences.

use super::compose::{compose, compose_many, Digest, NewsCache};
use super::render::{self, Letter, Links};
use super::schedule::Cadence;
use crate::entities::{digest_deliveries, members};
use crate::error::{ApiError, ApiResult};
use crate::mail::outbox::Queued;
use crate::mail::unsubscribe::Unsubscribe;
use crate::mail::{ListHeaders, MailKind, OutgoingEmail};
use crate::members::profile::DigestFrequency;
use crate::state::AppState;
use crate::tx::Tx;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Statement, Value,
};
use std::collections::{HashMap, HashSet};

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

/// Where `member_id`'s digest window starts now (see `window_start`).
pub async fn since(
    db: &impl ConnectionTrait,
    member_id: i64,
    cadence: Cadence,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DbErr> {
    let last = last_sent(db, &[member_id], cadence).await?;
    Ok(window_start(last.get(&member_id).copied(), cadence, now))
}

/// Where a digest's window starts: the member's previous digest of this frequency, or one
/// period back; never more than two periods back (a member who turns digests on again
/// after months gets news, not an archive).
fn window_start(
    last: Option<DateTime<Utc>>,
    cadence: Cadence,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    match last {
        Some(at) => at.max(furthest_back(cadence, now)),
        None => now - cadence.span(),
    }
}

/// The furthest back a window of `cadence` starts at `now`.
pub fn furthest_back(cadence: Cadence, now: DateTime<Utc>) -> DateTime<Utc> {
    now - cadence.span() * 2
}

/// The letter of a composed digest, with its one-click unsubscribe link, and the email's
/// list headers.
pub fn letter(state: &AppState, digest: Digest, cadence: Cadence) -> (Letter, ListHeaders) {
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
    (Letter::new(digest, cadence, links), list)
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
    let (letter, _) = letter(state, digest.clone(), cadence);
    Ok((digest, letter.email()))
}

/// The digest member `member_id` would get now and its email, of `frequency` (`daily` or
/// `weekly`) or else of their own (`own_cadence`): the preview a member asks for.
pub async fn preview_for(
    state: &AppState,
    member_id: i64,
    frequency: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<(Digest, OutgoingEmail)> {
    let member = crate::members::queries::find(state.db.reader(), member_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let cadence = match frequency {
        Some(frequency) => Cadence::parse(frequency)
            .ok_or_else(|| ApiError::invalid("frequency", "must be daily or weekly"))?,
        None => own_cadence(&member),
    };
    Ok(preview(state, &member, cadence, now).await?)
}

/// The cadence of `member`'s own digest, weekly when they turned digests off (what a
/// preview shows unless asked for another).
pub fn own_cadence(member: &members::Model) -> Cadence {
    Cadence::of(DigestFrequency::from_stored(&member.digest_frequency)).unwrap_or(Cadence::Weekly)
}

/// One member's digest to send, for one period.
#[derive(Debug, Clone)]
pub struct Pending {
    pub member: members::Model,
    pub cadence: Cadence,
    pub key: String,
}

/// Composes and queues the digests of `batch` (one cadence), unless they already went,
/// with an outcome per member in the order given. Composing reads from a reader
/// connection; then one short transaction takes the members' rows, checks again that
/// each period is unrecorded, and writes the records and outbox rows: a crash loses or
/// keeps the whole batch, and the writer is held only for the writes.
pub async fn deliver_batch(
    state: &AppState,
    batch: &[Pending],
    cadence: Cadence,
    now: DateTime<Utc>,
    news: &NewsCache,
) -> anyhow::Result<Vec<Outcome>> {
    let ids: Vec<i64> = batch.iter().map(|p| p.member.id).collect();
    let reader = state.db.reader();
    let sent_before = recorded(reader, &ids, cadence).await?;
    let last = last_sent(reader, &ids, cadence).await?;
    let todo: Vec<usize> = (0..batch.len())
        .filter(|n| !sent_before.contains(&(batch[*n].member.id, batch[*n].key.clone())))
        .collect();
    let readers: Vec<(&members::Model, DateTime<Utc>)> = todo
        .iter()
        .map(|n| {
            let member = &batch[*n].member;
            (
                member,
                window_start(last.get(&member.id).copied(), cadence, now),
            )
        })
        .collect();
    let digests = compose_many(reader, &readers, now, Some(news)).await?;
    // (index in the batch, items, what they were, the letter unless the digest is empty)
    let emails: Vec<(usize, usize, String, Option<Addressed>)> = todo
        .into_iter()
        .zip(digests)
        .map(|(n, digest)| {
            let items = digest.items();
            let shown = super::curate::stored(&digest.shown());
            let email = (!digest.is_empty()).then(|| letter(state, digest, cadence));
            (n, items, shown, email)
        })
        .collect();

    let txn = Tx::begin(state.db.writer()).await?;
    // Instances share a run: whoever holds a member's row records their digest; the
    // others move on rather than wait.
    let held = crate::members::queries::lock_many_for_mail(&txn, &ids).await?;
    let sent = recorded(&txn, &ids, cadence).await?;
    let mut outcomes = vec![Outcome::AlreadySent; batch.len()];
    let mut to_record = Vec::new();
    for (n, items, shown, email) in emails {
        let pending = &batch[n];
        if !held.contains(&pending.member.id) {
            outcomes[n] = Outcome::Busy;
        } else if !sent.contains(&(pending.member.id, pending.key.clone())) {
            to_record.push((n, items, shown, email));
        }
    }
    let records: Vec<Record> = to_record
        .iter()
        .map(|(n, items, shown, _)| Record {
            member_id: batch[*n].member.id,
            key: &batch[*n].key,
            items: *items,
            shown,
        })
        .collect();
    let recorded_now = record(&txn, &records, cadence, now).await?;
    let mut queued = Vec::new();
    for (n, items, _, email) in to_record {
        let pending = &batch[n];
        if !recorded_now.contains(&pending.member.id) {
            continue;
        }
        outcomes[n] = match email {
            None => Outcome::Empty,
            Some((letter, list)) => {
                queued.push(Queued {
                    to: &pending.member.email,
                    subject: render::subject(&letter),
                    content: letter.to_content()?,
                    list,
                });
                Outcome::Sent(items)
            }
        };
    }
    state
        .mailer
        .queue_many(&txn, MailKind::Digest, queued)
        .await?;
    crate::failpoint::hit("digest.before_commit");
    txn.commit().await?;
    Ok(outcomes)
}

/// A digest's letter and its email's list headers.
type Addressed = (Letter, ListHeaders);

/// A delivery to record.
struct Record<'a> {
    member_id: i64,
    key: &'a str,
    items: usize,
    /// `Digest::shown`, stored; empty for an empty digest.
    shown: &'a str,
}

/// Records `records` in one statement: the members whose record this wrote (a record
/// already there, written by whoever got there first, stops a second digest).
async fn record(
    db: &impl ConnectionTrait,
    records: &[Record<'_>],
    cadence: Cadence,
    now: DateTime<Utc>,
) -> Result<HashSet<i64>, DbErr> {
    if records.is_empty() {
        return Ok(HashSet::new());
    }
    let backend = db.get_database_backend();
    let rows = vec!["(?, ?, ?, ?, ?, ?)"; records.len()].join(", ");
    let sql = format!(
        "INSERT INTO digest_deliveries (member_id, frequency, period_key, items, shown, created_at) \
         VALUES {rows} ON CONFLICT (member_id, frequency, period_key) DO NOTHING \
         RETURNING member_id"
    );
    let mut values: Vec<Value> = Vec::with_capacity(records.len() * 6);
    for r in records {
        values.push(r.member_id.into());
        values.push(cadence.as_str().into());
        values.push(r.key.into());
        values.push(i32::try_from(r.items).unwrap_or(i32::MAX).into());
        // An empty digest shows nothing, and must not make the next forget the last.
        values.push((!r.shown.is_empty()).then(|| r.shown.to_owned()).into());
        values.push(now.into());
    }
    let written = db
        .query_all(Statement::from_sql_and_values(
            backend,
            crate::db::placeholders(backend, &sql),
            values,
        ))
        .await?;
    written
        .iter()
        .map(|row| row.try_get("", "member_id"))
        .collect()
}

/// `(member, period key)` already recorded for `cadence` among `members`, lately.
async fn recorded(
    db: &impl ConnectionTrait,
    members: &[i64],
    cadence: Cadence,
) -> Result<HashSet<(i64, String)>, DbErr> {
    let rows: Vec<(i64, String)> = digest_deliveries::Entity::find()
        .select_only()
        .column(digest_deliveries::Column::MemberId)
        .column(digest_deliveries::Column::PeriodKey)
        .filter(digest_deliveries::Column::MemberId.is_in(members.iter().copied()))
        .filter(digest_deliveries::Column::Frequency.eq(cadence.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// When each of `members` last had a digest of `cadence`.
async fn last_sent(
    db: &impl ConnectionTrait,
    members: &[i64],
    cadence: Cadence,
) -> Result<HashMap<i64, DateTime<Utc>>, DbErr> {
    let rows: Vec<(i64, Option<DateTime<Utc>>)> = digest_deliveries::Entity::find()
        .select_only()
        .column(digest_deliveries::Column::MemberId)
        .column_as(digest_deliveries::Column::CreatedAt.max(), "last")
        .filter(digest_deliveries::Column::MemberId.is_in(members.iter().copied()))
        .filter(digest_deliveries::Column::Frequency.eq(cadence.as_str()))
        .group_by(digest_deliveries::Column::MemberId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(member, last)| Some((member, last?)))
        .collect())
}
