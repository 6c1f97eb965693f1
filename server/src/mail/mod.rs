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

pub mod content;
pub mod layout;
pub mod outbox;
pub mod recheck;
pub mod routes;
pub mod templates;
pub mod transport;
pub mod unsubscribe;
pub mod worker;

use crate::config::Config;
use anyhow::Context;
use lettre::message::Mailbox;
use sea_orm::{ConnectionTrait, DbErr};

/// A composed email, before addressing.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The headers of mail a member can leave; none for one-off mail (sign-in links,
/// invitations).
#[derive(Debug, Clone, Default)]
pub struct ListHeaders {
    /// `List-Id`.
    pub list_id: Option<String>,
    /// The one-click unsubscribe URL (`List-Unsubscribe`, with `List-Unsubscribe-Post`).
    pub unsubscribe_url: Option<String>,
}

impl ListHeaders {
    pub fn to_json(&self) -> serde_json::Value {
        let mut headers = serde_json::Map::new();
        if let Some(id) = &self.list_id {
            headers.insert("List-Id".into(), id.clone().into());
        }
        if let Some(url) = &self.unsubscribe_url {
            headers.insert("List-Unsubscribe".into(), format!("<{url}>").into());
            headers.insert(
                "List-Unsubscribe-Post".into(),
                "List-Unsubscribe=One-Click".into(),
            );
        }
        serde_json::Value::Object(headers)
    }
}

/// Why a message is sent. Stored with it, shown to operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    MagicLink,
    Digest,
    Notification,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::MagicLink => "magic_link",
            MailKind::Digest => "digest",
            MailKind::Notification => "notification",
        }
    }
}

/// What capabilities use to queue mail. Queued mail commits with the caller's `Tx`, whose
/// commit wakes the worker.
#[derive(Clone)]
pub struct Mailer {
    /// Domain of `mail_from`, the right-hand side of every `Message-ID`.
    domain: String,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("mail_from `{}` is not a valid mailbox", config.mail_from))?;
        Ok(Mailer {
            domain: from.email.domain().to_owned(),
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
        let message = outbox::Queued::written(to, email, ListHeaders::default());
        outbox::insert(txn, kind, vec![message], &self.domain).await?;
        Ok(())
    }

    /// Queues mail sent to a list a member can leave: with `List-Id` and RFC 8058 one-click
    /// `List-Unsubscribe` headers. Its `Message-ID`.
    pub async fn queue_list(
        &self,
        txn: &impl ConnectionTrait,
        kind: MailKind,
        to: &str,
        email: OutgoingEmail,
        list: &ListHeaders,
    ) -> Result<String, DbErr> {
        let ids = outbox::insert(
            txn,
            kind,
            vec![outbox::Queued::written(to, email, list.clone())],
            &self.domain,
        )
        .await?;
        Ok(ids.into_iter().next().unwrap_or_default())
    }

    /// Queues several messages to lists, as `queue_list` does, in one statement.
    pub async fn queue_many(
        &self,
        txn: &impl ConnectionTrait,
        kind: MailKind,
        messages: Vec<outbox::Queued<'_>>,
    ) -> Result<(), DbErr> {
        outbox::insert(txn, kind, messages, &self.domain).await?;
        Ok(())
    }

    /// `<name>.<domain of mail_from>`: the `List-Id` of a kind of mail.
    pub fn list_id(&self, name: &str, label: &str) -> String {
        format!("{label} <{name}.{}>", self.domain)
    }
}
