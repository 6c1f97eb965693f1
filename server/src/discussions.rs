//! Which thing a thread is the discussion of. A resource, an initiative and a test of change
//! each open one ordinary thread for their conversation; the feed and search show the thing,
//! never that thread, as the item, and both ask here.

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// A thing that owns a discussion thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Discussed {
    Resource(i64),
    Initiative(i64),
    TestOfChange(i64),
}

/// The things `thread` is the discussion of (none for an ordinary thread; one in practice).
/// Each lookup is one step of an index on `discussion_thread_id` (migrations 25 and 26).
pub async fn owners_of(db: &impl ConnectionTrait, thread: i64) -> Result<Vec<Discussed>, DbErr> {
    let backend = db.get_database_backend();
    let sql = "SELECT 'resource', id FROM resources WHERE discussion_thread_id = ? \
               UNION ALL SELECT 'initiative', id FROM initiatives WHERE discussion_thread_id = ? \
               UNION ALL SELECT 'test', id FROM tests_of_change WHERE discussion_thread_id = ?";
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            crate::db::placeholders(backend, sql),
            vec![thread.into(), thread.into(), thread.into()],
        ))
        .await?;
    let mut owners = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get_by(0)?;
        let id: i64 = row.try_get_by(1)?;
        owners.push(match kind.as_str() {
            "resource" => Discussed::Resource(id),
            "initiative" => Discussed::Initiative(id),
            _ => Discussed::TestOfChange(id),
        });
    }
    Ok(owners)
}
