//! A write transaction that appends its events last.
//!
//! Capabilities `emit` events while their transaction runs; `commit` appends them all just
//! before committing. Two things follow. On PostgreSQL the event-log lock (see `events.rs`)
//! is taken after every row lock of the transaction and held only for the inserts and the
//! commit, so lock order is the same in every writer and a writer holding a row lock never
//! waits for an appender that waits for that row (no deadlock, 40P01). And a write, its
//! events and its mail (a `mail_outbox` row inserted through the same transaction) commit
//! together or not at all. So do the feed's rows of the things those events are about
//! (`feed/activity.rs`), refreshed just before the events are appended.

use crate::commits::Commits;
use crate::db::Writer;
use crate::events::{self, NewEvent};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};
use std::sync::Mutex;

pub struct Tx {
    inner: DatabaseTransaction,
    /// Events in the order they were emitted.
    pending: Mutex<Vec<NewEvent>>,
    /// Told once the transaction has committed.
    commits: Commits,
}

impl Tx {
    pub async fn begin(db: &Writer) -> Result<Tx, DbErr> {
        Ok(Tx {
            inner: crate::db::begin_write(db).await?,
            pending: Mutex::new(Vec::new()),
            commits: db.commits().clone(),
        })
    }

    /// Queues `event`; it is appended to the log when the transaction commits.
    pub fn emit(&self, event: NewEvent) {
        self.pending().push(event);
    }

    /// Appends the queued events, then commits, then announces the commit: the live hub,
    /// the mail worker and the search indexer read its events and mail now, whoever wrote.
    /// Dropping a `Tx` instead rolls it back, with its events.
    pub async fn commit(self) -> Result<(), DbErr> {
        let pending = std::mem::take(&mut *self.pending());
        // The feed's rows of what these events changed, in this transaction (see
        // `feed/activity.rs`).
        crate::feed::activity::refresh_for(&self.inner, &pending).await?;
        events::append_all(&self.inner, pending).await?;
        self.inner.commit().await?;
        self.commits.announce();
        Ok(())
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Vec<NewEvent>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Tx {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.inner.execute(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.inner.execute_unprepared(sql).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.inner.query_one(stmt).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.inner.query_all(stmt).await
    }
}
