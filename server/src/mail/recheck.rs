//! A last look before queued mail of one kind goes: what caused it may have changed since it
//! was queued (a post deleted, or edited, while the SMTP server was down). The capability
//! that queued the mail says which messages must not go as they are; the worker withdraws
//! them, and the capability puts their causes back to be composed afresh, in the same
//! transaction. Registered when the application is assembled, so mail knows no capability.

use super::MailKind;
use crate::db::Db;
use sea_orm::{DatabaseTransaction, DbErr};

/// A claimed message as a recheck sees it.
pub struct Claimed<'a> {
    pub message_id: &'a str,
    /// The data its template writes it from, when it is kept as one (a digest's letter).
    pub data: Option<&'a str>,
}

#[async_trait::async_trait]
pub trait Recheck: Send + Sync {
    /// The kind of mail it looks at.
    fn kind(&self) -> MailKind;

    /// Of these claimed messages, the `Message-ID`s of those that must not go as they are.
    async fn stale(&self, db: &Db, messages: &[Claimed<'_>]) -> Result<Vec<String>, DbErr>;

    /// In the transaction that withdraws `message_ids`, before their rows go: puts what
    /// they were about back to be composed again.
    async fn requeue(&self, txn: &DatabaseTransaction, message_ids: &[String])
        -> Result<(), DbErr>;
}
