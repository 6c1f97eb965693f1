//! The `mail_outbox` table: queueing, claiming, recording outcomes, pruning, and what
//! operators see of it.

use super::content::Content;
use super::{ListHeaders, MailKind, OutgoingEmail};
use crate::config::MailConfig;
use crate::entities::mail_bodies;
use crate::entities::mail_outbox::{self, Column, Entity};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

/// Longest `last_error` kept: enough for an SMTP reply, not a novel.
const MAX_ERROR_CHARS: usize = 1000;

/// One message to queue: to whom, what, and its list headers.
pub struct Queued<'a> {
    pub to: &'a str,
    pub subject: String,
    pub content: Content,
    pub list: ListHeaders,
}

impl<'a> Queued<'a> {
    /// A message whose bodies are written already.
    pub fn written(to: &'a str, email: OutgoingEmail, list: ListHeaders) -> Queued<'a> {
        Queued {
            to,
            subject: email.subject,
            content: Content::Written {
                text: email.text,
                html: email.html,
            },
            list,
        }
    }
}

/// Queues `messages` in one statement (none is read back: the caller has all it needs);
/// their `Message-ID`s, in order.
pub(super) async fn insert(
    txn: &impl ConnectionTrait,
    kind: MailKind,
    messages: Vec<Queued<'_>>,
    domain: &str,
) -> Result<Vec<String>, DbErr> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let now = crate::clock::now();
    let mut rows = Vec::with_capacity(messages.len());
    let mut bodies = Vec::with_capacity(messages.len());
    let mut message_ids = Vec::with_capacity(messages.len());
    // Message-IDs start with the time they were queued (microseconds, zero-padded): the
    // outbox's and the bodies' indexes on them then grow at one end, as rows do. Random
    // ones landed all over both indexes, and a batch of 250 dirtied hundreds of pages of
    // each for the WAL to write.
    let queued_at = format!("{:017}", now.timestamp_micros().max(0));
    for m in messages {
        // Fixed when queued, so that a resend after a crash is recognisably the same message.
        let message_id = format!("<{queued_at}.{}@{}>", crate::random::random_token(), domain);
        rows.push(mail_outbox::ActiveModel {
            kind: Set(kind.as_str().to_owned()),
            recipient: Set(m.to.to_owned()),
            subject: Set(m.subject),
            message_id: Set(message_id.clone()),
            headers: Set(m.list.to_json()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            claimed_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            failed_at: Set(None),
            ..Default::default()
        });
        message_ids.push(message_id.clone());
        let body = m.content.to_row(message_id);
        bodies.push(mail_bodies::ActiveModel {
            message_id: Set(body.message_id),
            text_body: Set(body.text_body),
            html_body: Set(body.html_body),
            template: Set(body.template),
            data: Set(body.data),
        });
    }
    Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    mail_bodies::Entity::insert_many(bodies)
        .exec_without_returning(txn)
        .await?;
    Ok(message_ids)
}

/// Withdraws the unsent messages `message_ids` (their bodies go with them); how many.
pub async fn withdraw(txn: &impl ConnectionTrait, message_ids: &[String]) -> Result<u64, DbErr> {
    mail_bodies::Entity::delete_many()
        .filter(mail_bodies::Column::MessageId.is_in(message_ids.iter().cloned()))
        .exec(txn)
        .await?;
    let withdrawn = Entity::delete_many()
        .filter(Column::MessageId.is_in(message_ids.iter().cloned()))
        .filter(Column::SentAt.is_null())
        .exec(txn)
        .await?;
    Ok(withdrawn.rows_affected)
}

/// A claimed message with its bodies, ready to send (the bodies are written in the
/// transaction that queues the row; a row without them fails to send and says so).
pub struct Claimed {
    pub row: mail_outbox::Model,
    pub body: Option<mail_bodies::Model>,
}

/// Unsent, not given up, due, and not held by anyone's unexpired lease.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Column::SentAt.is_null())
        .add(Column::FailedAt.is_null())
        .add(Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(Column::ClaimedUntil.is_null())
                .add(Column::ClaimedUntil.lt(now)),
        )
}

/// Whether anything is due (asked on the read pool, so that an idle worker never takes
/// SQLite's single write connection).
pub async fn any_due(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(due(crate::clock::now()))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

/// Takes up to `limit` due messages for `lease`: until it ends nobody else sends them.
/// Rows another instance is claiming at this moment are skipped, not waited for
/// (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the write lock is taken first).
/// Their bodies, written once with the row and never changed, are read after the claim
/// commits, from `reader`: the writer is held for the claim alone.
pub async fn claim(
    writer: &DatabaseConnection,
    reader: &DatabaseConnection,
    limit: u64,
    lease: Duration,
) -> Result<Vec<Claimed>, DbErr> {
    let txn = crate::db::begin_write(writer).await?;
    let now = crate::clock::now();
    let mut rows = Entity::find()
        .filter(due(now))
        .order_by_asc(Column::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let claimed_until = now + lease;
    Entity::update_many()
        .col_expr(Column::ClaimedUntil, Expr::value(claimed_until))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .filter(Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    let mut bodies: HashMap<String, mail_bodies::Model> = mail_bodies::Entity::find()
        .filter(mail_bodies::Column::MessageId.is_in(rows.iter().map(|r| r.message_id.clone())))
        .all(reader)
        .await?
        .into_iter()
        .map(|body| (body.message_id.clone(), body))
        .collect();
    for row in &mut rows {
        row.claimed_until = Some(claimed_until);
        row.attempts += 1;
    }
    Ok(rows
        .into_iter()
        .map(|row| Claimed {
            body: bodies.remove(&row.message_id),
            row,
        })
        .collect())
}

pub async fn mark_sent(db: &impl ConnectionTrait, ids: &[i64]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    Entity::update_many()
        .col_expr(Column::SentAt, Expr::value(crate::clock::now()))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// What became of a failed attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(DateTime<Utc>),
    GivenUp,
}

/// Wait before attempt `attempts + 1`: the initial wait, doubled per earlier failure, capped.
pub fn backoff(config: &MailConfig, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.max(1) - 1).unwrap_or(0).min(30);
    let secs = config
        .retry_initial_secs
        .saturating_mul(1u64 << doublings)
        .min(config.retry_max_secs);
    Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
}

pub async fn record_failure(
    db: &impl ConnectionTrait,
    config: &MailConfig,
    row: &mail_outbox::Model,
    error: &str,
) -> Result<AfterFailure, DbErr> {
    let now = crate::clock::now();
    let outcome = if row.attempts >= i32::try_from(config.max_attempts).unwrap_or(i32::MAX) {
        AfterFailure::GivenUp
    } else {
        AfterFailure::RetryAt(now + backoff(config, row.attempts))
    };
    let mut update = Entity::update_many()
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            Column::LastError,
            Expr::value(error.chars().take(MAX_ERROR_CHARS).collect::<String>()),
        )
        .filter(Column::Id.eq(row.id));
    update = match outcome {
        AfterFailure::RetryAt(at) => update.col_expr(Column::NextAttemptAt, Expr::value(at)),
        AfterFailure::GivenUp => update.col_expr(Column::FailedAt, Expr::value(now)),
    };
    update.exec(db).await?;
    Ok(outcome)
}

/// Deletes sent and given-up messages older than `retention`. Returns how many went.
pub async fn prune(db: &impl ConnectionTrait, retention: Duration) -> Result<u64, DbErr> {
    let cutoff = crate::clock::now() - retention;
    Ok(Entity::delete_many()
        .filter(
            Condition::any()
                .add(Column::SentAt.lt(cutoff))
                .add(Column::FailedAt.lt(cutoff)),
        )
        .exec(db)
        .await?
        .rows_affected)
}

/// `(waiting to be sent, given up)`, for `/metrics`.
pub async fn counts(db: &impl ConnectionTrait) -> Result<(u64, u64), DbErr> {
    let pending = Entity::find()
        .filter(Column::SentAt.is_null())
        .filter(Column::FailedAt.is_null())
        .count(db)
        .await?;
    let failed = Entity::find()
        .filter(Column::FailedAt.is_not_null())
        .count(db)
        .await?;
    Ok((pending, failed))
}

/// Which messages an operator lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Listing {
    /// Not sent yet (including those waiting for a retry).
    Pending,
    /// Given up after `mail.max_attempts`.
    Failed,
    Sent,
    All,
}

pub async fn list(
    db: &impl ConnectionTrait,
    listing: Listing,
    limit: u64,
) -> Result<Vec<mail_outbox::Model>, DbErr> {
    let query = Entity::find();
    let query = match listing {
        Listing::Pending => query
            .filter(Column::SentAt.is_null())
            .filter(Column::FailedAt.is_null()),
        Listing::Failed => query.filter(Column::FailedAt.is_not_null()),
        Listing::Sent => query.filter(Column::SentAt.is_not_null()),
        Listing::All => query,
    };
    query.order_by_desc(Column::Id).limit(limit).all(db).await
}

/// Puts given-up messages (all of them, or one) back in the queue, due now, with a fresh
/// count of attempts. Returns how many.
pub async fn retry(db: &impl ConnectionTrait, id: Option<i64>) -> Result<u64, DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::FailedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::NextAttemptAt, Expr::value(crate::clock::now()))
        .filter(Column::FailedAt.is_not_null());
    if let Some(id) = id {
        update = update.filter(Column::Id.eq(id));
    }
    Ok(update.exec(db).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let config = MailConfig {
            retry_initial_secs: 30,
            retry_max_secs: 3600,
            ..crate::config::Config::default().mail
        };
        let waits: Vec<i64> = (1..=9)
            .map(|attempts| backoff(&config, attempts).num_seconds())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(&config, 10_000).num_seconds(), 3600);
    }
}
