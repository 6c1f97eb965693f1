//! Email, durably. A capability never sends mail itself: it queues a message in the
//! `mail_outbox` table inside the transaction of the write that causes it (`Mailer::queue`),
//! so the message exists exactly when the write does. A background worker (`worker.rs`)
//! sends what is queued through the transport (`transport.rs`: SMTP through lettre when
//! `smtp_url` is configured, otherwise one `.eml` file per message in `<data_dir>/outbox/`),
//! retrying with exponential backoff; instances sharing a PostgreSQL database share the work
//! without sending a message twice at once (rows are claimed with `FOR UPDATE SKIP LOCKED`
//! and held for a lease).
//!
//! The guarantee: one outbox row per cause, never lost once the write is acknowledged;
//! delivered once, except that a crash between the SMTP server's acceptance and the row
//! being marked sent resends the same message, with the same `Message-ID`, so mail clients
//! fold the two.

pub mod outbox;
pub mod templates;
pub mod transport;
pub mod worker;

use crate::config::Config;
use anyhow::Context;
use lettre::message::Mailbox;
use sea_orm::{ConnectionTrait, DbErr};
use std::sync::Arc;
use tokio::sync::Notify;

/// A composed email, before addressing.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a message is sent. Stored with it, shown to operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    MagicLink,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::MagicLink => "magic_link",
        }
    }
}

/// What capabilities use to queue mail; shared with the worker it wakes.
#[derive(Clone)]
pub struct Mailer {
    /// Domain of `mail_from`, the right-hand side of every `Message-ID`.
    domain: String,
    wake: Arc<Notify>,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("mail_from `{}` is not a valid mailbox", config.mail_from))?;
        Ok(Mailer {
            domain: from.email.domain().to_owned(),
            wake: Arc::new(Notify::new()),
        })
    }

    /// Queues `email` to `to` in the caller's transaction. Nothing is sent before it commits.
    pub async fn queue(
        &self,
        txn: &impl ConnectionTrait,
        kind: MailKind,
        to: &str,
        email: OutgoingEmail,
    ) -> Result<(), DbErr> {
        outbox::insert(txn, kind, to, email, &self.domain).await
    }

    /// Asks the worker to look at the outbox now (called after writes commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn wake_signal(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}
