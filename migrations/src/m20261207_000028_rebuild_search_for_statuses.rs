//! Search documents now hold a status after its type (`help_request:open`, `poll:open`,
//! `test_of_change:studying`): the facet lists the values the filter accepts, and an open
//! poll is no longer counted with open help requests. Documents indexed before hold the bare
//! word, so every index is asked to rebuild itself from the database (as `staffroom search
//! reindex` asks): the instance feeding it fills a new index beside the one it serves and
//! swaps it in. The embedded index has a row only once someone asked for a rebuild, so one
//! is added for it as that request would, when there is anything to index. Nothing to undo:
//! `down` leaves the request, which rebuilds with the server's own documents either way.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        request_search_rebuild(manager).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

/// Asks every search index to rebuild itself from the database, as `staffroom search
/// reindex` does, adding the embedded index's row when there is anything to index. For
/// migrations that change what documents hold.
pub(crate) async fn request_search_rebuild(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // Timestamps as each backend stores them (SQLite: the text form the server writes).
    let now = if manager.get_database_backend() == DatabaseBackend::Postgres {
        "now()"
    } else {
        "strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000+00:00'"
    };
    let db = manager.get_connection();
    db.execute_unprepared(&format!(
        "INSERT INTO search_positions (index_uid, position, updated_at) \
         SELECT 'embedded', 0, {now} WHERE EXISTS (SELECT 1 FROM events) \
           AND NOT EXISTS (SELECT 1 FROM search_positions WHERE index_uid = 'embedded')"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "UPDATE search_positions SET rebuild_requested_at = {now}"
    ))
    .await?;
    Ok(())
}
