//! Database connections and migrations.
//!
//! SQLite allows one writer at a time, and a deferred transaction that starts as a reader
//! and later writes fails with SQLITE_BUSY instead of waiting. So on SQLite all writes go
//! through a pool of exactly one connection (writers queue in the pool, never fail), while
//! reads use their own pool and never block under WAL. On PostgreSQL both handles share one
//! pool.

use crate::commits::{CommitSignal, Commits};
use crate::config::{Config, SqliteSync};
use anyhow::Context;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbBackend,
    DbErr, ExecResult, QueryResult, Statement,
};
use staffroom_migrations::{Migrator, MigratorTrait};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Db {
    reader: DatabaseConnection,
    writer: Writer,
}

/// The connection writes go through, with the `Commits` its transactions raise: a `Tx`
/// begun on it announces its commit (`tx.rs`), so no writer wakes the hub, the mail worker
/// or the search indexer by hand. Reads through it as through the connection it wraps.
#[derive(Clone, Debug)]
pub struct Writer {
    connection: DatabaseConnection,
    commits: Commits,
}

impl Writer {
    fn new(connection: DatabaseConnection) -> Writer {
        Writer {
            connection,
            commits: Commits::default(),
        }
    }

    pub fn commits(&self) -> &Commits {
        &self.commits
    }

    /// The bare connection, for what takes one by its type (migrations).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }
}

impl std::ops::Deref for Writer {
    type Target = DatabaseConnection;

    fn deref(&self) -> &DatabaseConnection {
        &self.connection
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Writer {
    fn get_database_backend(&self) -> DbBackend {
        self.connection.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.connection.execute(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.connection.execute_unprepared(sql).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.connection.query_one(stmt).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.connection.query_all(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.connection.support_returning()
    }
}

impl Db {
    pub async fn connect(config: &Config) -> anyhow::Result<Db> {
        let url = config.database_url();
        if url.starts_with("sqlite:") {
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!("creating data directory {}", config.data_dir.display())
            })?;
            let sync = config.sqlite_synchronous;
            let reader = connect_sqlite(&url, config.database_max_connections, sync).await?;
            let writer = Writer::new(connect_sqlite(&url, 1, sync).await?);
            Ok(Db { reader, writer })
        } else {
            let mut options = ConnectOptions::new(url);
            options
                .max_connections(config.database_max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .idle_timeout(MAINTENANCE_PERIOD)
                .max_lifetime(MAINTENANCE_PERIOD)
                .sqlx_logging(false);
            let pool = Database::connect(options)
                .await
                .context("connecting to the database")?;
            Ok(Db {
                reader: pool.clone(),
                writer: Writer::new(pool),
            })
        }
    }

    /// For queries that only read.
    pub fn reader(&self) -> &DatabaseConnection {
        &self.reader
    }

    /// For transactions that write (and for reads that must see their own writes).
    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// A signal for a consumer of what writes leave behind: it sees every commit of a `Tx`
    /// in this process from now on (see `commits.rs`).
    pub fn commits(&self) -> CommitSignal {
        self.writer.commits.subscribe()
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.writer.get_database_backend()
    }

    pub async fn migrate_up(&self) -> anyhow::Result<()> {
        Migrator::up(&self.writer.connection, None)
            .await
            .context("applying migrations")
    }

    pub async fn ping(&self) -> bool {
        self.reader.ping().await.is_ok()
    }

    pub async fn close(self) {
        let _ = self.reader.close().await;
        let _ = self.writer.connection.close().await;
    }
}

/// Lists of ids travel into raw SQL as one JSON array bound as one value: the statement
/// stays the same whatever the list's length (prepared once), and nothing is bound or
/// parsed thousands of times.
pub fn json_ids(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned())
}

/// A subquery of the ids in a JSON array bound as one `?` (`json_ids`): `x IN (…)`.
pub fn json_ids_subquery(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => {
            "(SELECT CAST(value AS bigint) FROM jsonb_array_elements_text(CAST(? AS jsonb)))"
        }
        _ => "(SELECT value FROM json_each(?))",
    }
}

/// Pairs of ids bound into raw SQL as one value and read back as a query of two columns,
/// `a` and `b` (`query`). When every pair packs into one `i64` as `a * k + b` (ids below
/// about three billion), they travel as one list of numbers and SQL unpacks them with
/// arithmetic: as an array of two-element arrays, SQLite parsed every pair's JSON again for
/// each column it read (a tenth of a digest run's CPU went there). SQLite reads the list as
/// JSON; PostgreSQL as a `bigint[]`, which it parses in a fraction of the time it takes
/// for JSON (whose numbers it reads as `numeric`, then as text, then as `bigint`).
pub struct IdPairs {
    /// The packed numbers, or the pairs, as a JSON array.
    json: String,
    /// `k`, when packed.
    packed_by: Option<i64>,
}

impl IdPairs {
    pub fn new(pairs: &[(i64, i64)]) -> IdPairs {
        let k = pairs
            .iter()
            .map(|(_, b)| *b)
            .max()
            .unwrap_or(0)
            .checked_add(1);
        let packed: Option<Vec<i64>> = k.and_then(|k| {
            pairs
                .iter()
                .map(|&(a, b)| {
                    if a < 0 || b < 0 {
                        return None;
                    }
                    a.checked_mul(k)?.checked_add(b)
                })
                .collect()
        });
        let json = |value: serde_json::Result<String>| value.unwrap_or_else(|_| "[]".to_owned());
        match (packed, k) {
            (Some(packed), Some(k)) => IdPairs {
                json: json(serde_json::to_string(&packed)),
                packed_by: Some(k),
            },
            _ => IdPairs {
                json: json(serde_json::to_string(pairs)),
                packed_by: None,
            },
        }
    }

    /// The pairs as a query of `a` and `b`, its `?`s bound to `values()` in order. The text
    /// is one of two, whatever the pairs, so a database prepares and plans it once.
    pub fn query(&self, backend: DatabaseBackend) -> &'static str {
        let postgres = backend == DatabaseBackend::Postgres;
        match self.packed_by {
            Some(_) if postgres => {
                "SELECT v / CAST(? AS bigint) AS a, v % CAST(? AS bigint) AS b \
                 FROM unnest(CAST(? AS bigint[])) AS v"
            }
            Some(_) => "SELECT value / ? AS a, value % ? AS b FROM json_each(?)",
            None if postgres => {
                "SELECT (e->>0)::bigint AS a, (e->>1)::bigint AS b \
                 FROM jsonb_array_elements(CAST(? AS jsonb)) AS e"
            }
            None => {
                "SELECT json_extract(value, '$[0]') AS a, json_extract(value, '$[1]') AS b \
                 FROM json_each(?)"
            }
        }
    }

    pub fn values(&self, backend: DatabaseBackend) -> Vec<sea_orm::Value> {
        match self.packed_by {
            // `[1,2,3]` as PostgreSQL writes an array: `{1,2,3}`.
            Some(k) if backend == DatabaseBackend::Postgres => {
                let numbers = &self.json[1..self.json.len() - 1];
                vec![k.into(), k.into(), format!("{{{numbers}}}").into()]
            }
            Some(k) => vec![k.into(), k.into(), self.json.clone().into()],
            None => vec![self.json.clone().into()],
        }
    }
}

/// Raw SQL written with `?` placeholders, as `backend` wants them (PostgreSQL: `$1`, `$2`…).
pub fn placeholders(backend: DatabaseBackend, sql: &str) -> String {
    if backend != DatabaseBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// sqlx 0.8's pool runs a maintenance pass every `min(idle_timeout, max_lifetime)` (10
/// minutes by default), and a race in it can leave the pass spinning a core forever
/// (launchbadge/sqlx#3645, fixed only in 0.9). Pools here are small and long-lived, so
/// connections are kept: the pass runs once, when the pool is created and nothing races it.
const MAINTENANCE_PERIOD: Duration = Duration::from_secs(365 * 24 * 3600);

/// `synchronous=FULL` by default: with WAL, `NORMAL` may lose the last commits to a power
/// cut, and an acknowledged write must survive one.
async fn connect_sqlite(
    url: &str,
    max_connections: u32,
    sync: SqliteSync,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .idle_timeout(MAINTENANCE_PERIOD)
        .max_lifetime(MAINTENANCE_PERIOD)
        // An SQLite connection lives in this process: pinging it before each use (sqlx's
        // default) is one more trip to its worker thread per query, for nothing.
        .test_before_acquire(false)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(match sync {
                    SqliteSync::Full => SqliteSynchronous::Full,
                    SqliteSync::Normal => SqliteSynchronous::Normal,
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    let connection = Database::connect(options)
        .await
        .with_context(|| format!("opening SQLite database {url}"))?;
    // Make sure the statement-level settings hold even for connections sqlx opened lazily.
    connection
        .execute_unprepared("PRAGMA foreign_keys = ON")
        .await?;
    Ok(connection)
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once: a
/// transaction that reads and then writes would otherwise fail at its first write, at once
/// and whatever the busy timeout, when another process (a server beside a CLI command)
/// wrote in between. In one process the single writer connection already serializes writes.
pub async fn begin_write(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let txn = db.begin().await?;
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        // Any write statement takes SQLite's write lock, even one that changes no row.
        txn.execute_unprepared("UPDATE members SET id = id WHERE id < 0")
            .await?;
    }
    Ok(txn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_pairs_pack_when_they_fit_and_travel_as_pairs_when_not() {
        let pairs = IdPairs::new(&[(7, 41), (1, 2)]);
        assert_eq!(pairs.packed_by, Some(42));
        assert_eq!(
            pairs.values(DatabaseBackend::Sqlite),
            [42i64.into(), 42i64.into(), "[335,44]".to_owned().into()]
        );
        assert_eq!(
            pairs.values(DatabaseBackend::Postgres),
            [42i64.into(), 42i64.into(), "{335,44}".to_owned().into()]
        );
        assert!(pairs
            .query(DatabaseBackend::Sqlite)
            .contains("value / ? AS a, value % ? AS b"));
        assert!(pairs
            .query(DatabaseBackend::Postgres)
            .contains("unnest(CAST(? AS bigint[]))"));
        assert_eq!(
            IdPairs::new(&[]).values(DatabaseBackend::Postgres)[2],
            "{}".to_owned().into()
        );

        let huge = IdPairs::new(&[(i64::MAX / 2, 5), (1, 2)]);
        assert_eq!(huge.packed_by, None);
        let expected = format!("[[{},5],[1,2]]", i64::MAX / 2);
        for backend in [DatabaseBackend::Sqlite, DatabaseBackend::Postgres] {
            assert_eq!(
                huge.values(backend),
                [sea_orm::Value::from(expected.clone())]
            );
        }
        assert!(huge.query(DatabaseBackend::Postgres).contains("e->>0"));
    }
}
