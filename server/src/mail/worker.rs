//! The background worker that empties the mail outbox: woken after writes commit (and at
//! least every `mail.poll_interval_ms`), it claims due messages, sends each, and records the
//! outcome; failures are retried with exponential backoff and given up after
//! `mail.max_attempts`. Once an hour it deletes what is older than `mail.retention_hours`.

use super::content::{Template, TemplateWriter, TemplateWriters};
use super::outbox::{self, AfterFailure};
use super::recheck::Recheck;
use super::transport::{self, Transport};
use crate::config::{Config, MailConfig};
use crate::db::Db;
use crate::entities::mail_outbox;
use crate::shutdown::ShutdownSignal;
use chrono::Duration as ChronoDuration;
use futures_util::StreamExt;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// Messages claimed per round trip (and marked sent in one write): each is a durable commit
/// on the one writer, so fewer, larger batches leave it free for the writes members wait on.
/// The worker starts at `FIRST_BATCH` and adapts (`next_batch_size`) between the bounds.
const FIRST_BATCH: u64 = 256;
const BATCH_SIZES: std::ops::RangeInclusive<u64> = 32..=1024;
/// Blocking tasks a batch is written out by, at once: one per core of the machine this was
/// tuned on. More only made threads (each test's runtime has a blocking pool of its own).
const BUILD_PARTS: usize = 2;
/// Messages being handed to the transport at once.
const SENDS_IN_FLIGHT: usize = 8;
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// A claimed message, written out for the transport (or why it could not be).
type Built = (mail_outbox::Model, anyhow::Result<lettre::Message>);
/// A message handed to the transport, and whether it was accepted.
type Attempt = (mail_outbox::Model, anyhow::Result<()>);

/// The next claim's size after a round of `size` took `took`: larger while rounds are quick
/// (a digest run's thousands go out in few writes), smaller when a slow SMTP server makes
/// them long, so a batch stays well within the half of the lease it may take.
fn next_batch_size(size: u64, took: Duration, lease_secs: u64) -> u64 {
    let lease = Duration::from_secs(lease_secs);
    let next = if took < lease / 16 {
        size.saturating_mul(2)
    } else if took > lease / 8 {
        size / 2
    } else {
        size
    };
    next.clamp(*BATCH_SIZES.start(), *BATCH_SIZES.end())
}

/// What the worker has done since the process started, for `/metrics`.
#[derive(Debug, Default)]
pub struct MailCounters {
    pub sent: AtomicU64,
    pub failed_attempts: AtomicU64,
    pub given_up: AtomicU64,
}

pub struct MailWorker {
    db: Db,
    transport: Transport,
    config: MailConfig,
    outbox_dir: PathBuf,
    counters: Arc<MailCounters>,
    /// How many to claim next (`next_batch_size`), kept from one drain to the next.
    batch_size: AtomicU64,
    /// Asked before messages of their kind go (`recheck.rs`).
    rechecks: Vec<Arc<dyn Recheck>>,
    /// Write the bodies of messages kept as templates (`content.rs`).
    templates: Arc<TemplateWriters>,
}

impl MailWorker {
    pub fn new(config: &Config, db: Db, counters: Arc<MailCounters>) -> anyhow::Result<MailWorker> {
        Ok(MailWorker {
            db,
            transport: Transport::from_config(config)?,
            config: config.mail.clone(),
            outbox_dir: config.outbox_dir(),
            counters,
            batch_size: AtomicU64::new(FIRST_BATCH),
            rechecks: Vec::new(),
            templates: Arc::default(),
        })
    }

    /// Writes the bodies of messages kept as `template` with `writer` when they are sent.
    pub fn with_template(mut self, template: Template, writer: TemplateWriter) -> MailWorker {
        let templates = (*self.templates).clone().with(template, writer);
        self.templates = Arc::new(templates);
        self
    }

    /// Has `recheck` look at messages of its kind before they go.
    pub fn with_recheck(mut self, recheck: Arc<dyn Recheck>) -> MailWorker {
        self.rechecks.push(recheck);
        self
    }

    /// Works until `shutdown` is triggered, draining the outbox after every commit in this
    /// process and at least every poll interval. A message being sent then is finished
    /// first (bounded by the send timeout).
    pub async fn run(self, mut shutdown: ShutdownSignal) {
        let poll = Duration::from_millis(self.config.poll_interval_ms);
        let mut commits = self.db.commits();
        let mut last_prune: Option<Instant> = None;
        loop {
            if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                self.prune().await;
                last_prune = Some(Instant::now());
            }
            if let Err(err) = self.drain().await {
                tracing::warn!(error = %err, "mail worker could not read the outbox; retrying");
            }
            tokio::select! {
                _ = commits.committed() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.triggered() => break,
            }
        }
    }

    /// Sends everything due, batch by batch (what fails waits for its retry). A batch's
    /// messages go out a few at a time over the transport's pooled connections, and those
    /// accepted are marked sent together: one write per batch instead of one per message.
    /// The database and the SMTP server work side by side: while a batch is being sent, the
    /// next is claimed and the one before is recorded. A crash before a batch is recorded
    /// re-sends it with its `Message-ID`s, as the outbox promises for a crash after any
    /// hand-off.
    pub async fn drain(&self) -> Result<(), sea_orm::DbErr> {
        if !outbox::any_due(self.db.reader()).await? {
            return Ok(());
        }
        let lease = ChronoDuration::seconds(self.config.lease_secs as i64);
        let claim = |size: u64| async move {
            let claimed = outbox::claim(self.db.writer(), self.db.reader(), size, lease).await?;
            let claimed = self.withdraw_stale(claimed).await?;
            Ok::<_, sea_orm::DbErr>(self.build(claimed).await)
        };
        let mut size = self.batch_size.load(Ordering::Relaxed);
        let mut batch = claim(size).await?;
        let mut sent: Vec<Attempt> = Vec::new();
        while !batch.is_empty() {
            let started = Instant::now();
            let (attempts, next, recorded) = tokio::join!(
                self.send(batch),
                claim(size),
                self.record(std::mem::take(&mut sent))
            );
            size = next_batch_size(size, started.elapsed(), self.config.lease_secs);
            self.batch_size.store(size, Ordering::Relaxed);
            recorded?;
            sent = attempts;
            batch = match next {
                Ok(next) => next,
                Err(err) => {
                    // Record what was just sent before giving up, or it goes out again
                    // when its lease ends.
                    self.record(sent).await?;
                    return Err(err);
                }
            };
        }
        self.record(sent).await
    }

    /// Leaves out of a claimed batch, and withdraws, the messages whose cause changed since
    /// they were queued; their causes are put back to be composed again, in the same
    /// transaction (`recheck.rs`). Kinds nobody rechecks cost nothing here.
    async fn withdraw_stale(
        &self,
        mut claimed: Vec<outbox::Claimed>,
    ) -> Result<Vec<outbox::Claimed>, sea_orm::DbErr> {
        for recheck in &self.rechecks {
            let kind = recheck.kind().as_str();
            let messages: Vec<super::recheck::Claimed<'_>> = claimed
                .iter()
                .filter(|c| c.row.kind == kind)
                .map(|c| super::recheck::Claimed {
                    message_id: &c.row.message_id,
                    data: c.body.as_ref().and_then(|body| body.data.as_deref()),
                })
                .collect();
            if messages.is_empty() {
                continue;
            }
            let stale = recheck.stale(&self.db, &messages).await?;
            if stale.is_empty() {
                continue;
            }
            let txn = crate::db::begin_write(self.db.writer()).await?;
            // The capability reads what it needs of the messages before they go.
            recheck.requeue(&txn, &stale).await?;
            outbox::withdraw(&txn, &stale).await?;
            txn.commit().await?;
            tracing::info!(
                kind,
                withdrawn = stale.len(),
                "withdrew queued mail whose cause changed since"
            );
            let stale: HashSet<String> = stale.into_iter().collect();
            claimed.retain(|c| !stale.contains(&c.row.message_id));
        }
        Ok(claimed)
    }

    /// Writes out a claimed batch (bodies from their templates, then MIME): plain CPU work,
    /// done on the blocking pool, a few parts of the batch at once, while the batch before
    /// is being sent, so the async threads keep serving. A message that cannot be written
    /// fails its attempt.
    async fn build(&self, claimed: Vec<outbox::Claimed>) -> Vec<Built> {
        let mut parts = Vec::new();
        let part_size = claimed.len().div_ceil(BUILD_PARTS).max(1);
        let mut claimed = claimed.into_iter().peekable();
        while claimed.peek().is_some() {
            let part: Vec<outbox::Claimed> = claimed.by_ref().take(part_size).collect();
            let rows: Vec<mail_outbox::Model> = part.iter().map(|c| c.row.clone()).collect();
            let transport = self.transport.clone();
            let templates = self.templates.clone();
            let building = tokio::task::spawn_blocking(move || {
                part.into_iter()
                    .map(|message| {
                        let built = transport.build(&message, &templates);
                        (message.row, built)
                    })
                    .collect::<Vec<Built>>()
            });
            parts.push(async move {
                building.await.unwrap_or_else(|_| {
                    rows.into_iter()
                        .map(|row| {
                            (
                                row,
                                Err(anyhow::anyhow!("writing the message out panicked")),
                            )
                        })
                        .collect()
                })
            });
        }
        futures_util::future::join_all(parts)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Sends `batch`, `SENDS_IN_FLIGHT` at a time. A batch must end well within its lease,
    /// or another instance could take a message over while it is still being sent: results
    /// are taken until half the lease has gone (what is unfinished then is sent again once
    /// the lease runs out), and one stuck send gives up after a quarter of it.
    async fn send(&self, batch: Vec<Built>) -> Vec<Attempt> {
        let send_timeout = Duration::from_millis(self.config.lease_secs * 1000 / 4);
        let batch_time = Duration::from_millis(self.config.lease_secs * 1000 / 2);
        let deadline = tokio::time::Instant::now() + batch_time;
        let mut sending = futures_util::stream::iter(batch)
            .map(|(row, built)| async move {
                let span = tracing::info_span!("mail_send", outbox_id = row.id, kind = %row.kind, attempt = row.attempts);
                let sent = match built {
                    Ok(message) => {
                        match tokio::time::timeout(send_timeout, self.transport.send(&row, message))
                            .instrument(span)
                            .await
                        {
                            Ok(result) => result,
                            Err(_) => Err(anyhow::anyhow!("timed out after {send_timeout:?}")),
                        }
                    }
                    Err(err) => Err(err),
                };
                (row, sent)
            })
            .buffer_unordered(SENDS_IN_FLIGHT);
        let mut results = Vec::new();
        while let Ok(Some(result)) = tokio::time::timeout_at(deadline, sending.next()).await {
            results.push(result);
        }
        results
    }

    /// Marks the accepted messages of a batch sent, in one write, and records each failure.
    async fn record(&self, attempts: Vec<Attempt>) -> Result<(), sea_orm::DbErr> {
        if attempts.is_empty() {
            return Ok(());
        }
        let mut sent_ids = Vec::new();
        for (row, sent) in attempts {
            match sent {
                Ok(()) => {
                    crate::failpoint::hit("mail.after_send");
                    sent_ids.push(row.id);
                }
                Err(err) => self.failed(&row, &err).await?,
            }
        }
        outbox::mark_sent(self.db.writer(), &sent_ids).await?;
        self.counters
            .sent
            .fetch_add(sent_ids.len() as u64, Ordering::Relaxed);
        tracing::info!(count = sent_ids.len(), "emails sent");
        Ok(())
    }

    async fn failed(
        &self,
        row: &mail_outbox::Model,
        err: &anyhow::Error,
    ) -> Result<(), sea_orm::DbErr> {
        let span = tracing::info_span!("mail_send", outbox_id = row.id, kind = %row.kind, attempt = row.attempts);
        async {
            self.counters
                .failed_attempts
                .fetch_add(1, Ordering::Relaxed);
            let error = format!("{:?}", crate::error::ErrorChain(err));
            match outbox::record_failure(self.db.writer(), &self.config, row, &error).await? {
                AfterFailure::RetryAt(at) => {
                    tracing::warn!(error, retry_at = %at, "email not sent; will retry");
                }
                AfterFailure::GivenUp => {
                    self.counters.given_up.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(
                        error,
                        "email not sent; given up (see `staffroom mail list --failed`)"
                    );
                }
            }
            Ok(())
        }
        .instrument(span)
        .await
    }

    async fn prune(&self) {
        let retention = Duration::from_secs(self.config.retention_hours * 3600);
        match outbox::prune(
            self.db.writer(),
            ChronoDuration::hours(self.config.retention_hours as i64),
        )
        .await
        {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "pruned old messages from the mail outbox"),
            Err(err) => tracing::warn!(error = %err, "could not prune the mail outbox"),
        }
        let dir = self.outbox_dir.clone();
        match tokio::task::spawn_blocking(move || transport::prune_files(&dir, retention)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(removed)) => {
                tracing::info!(removed, "pruned old .eml files from the file outbox")
            }
            Ok(Err(err)) => tracing::warn!(error = %err, "could not prune the file outbox"),
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_grow_while_rounds_are_quick_and_shrink_when_slow() {
        let quick = Duration::from_millis(150);
        let slow = Duration::from_secs(20);
        assert_eq!(next_batch_size(256, quick, 120), 512);
        assert_eq!(next_batch_size(1024, quick, 120), 1024);
        assert_eq!(next_batch_size(256, Duration::from_secs(10), 120), 256);
        assert_eq!(next_batch_size(256, slow, 120), 128);
        assert_eq!(next_batch_size(32, slow, 120), 32);
    }
}
