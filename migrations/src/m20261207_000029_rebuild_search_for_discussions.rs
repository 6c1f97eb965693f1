//! A thing's discussion thread is now part of that thing in search: the thread and its
//! replies are no longer documents of their own, and the resource, initiative or test of
//! change holds its replies' words and their count; a test of change's title names its
//! team; every document counts its replies and helpful marks, knows its newest activity and
//! its author (for `@handle` in a query). Documents indexed before are
//! none of these, so every index is asked to rebuild itself (as migration 28 asked). Nothing
//! to undo.

use super::m20261207_000028_rebuild_search_for_statuses::request_search_rebuild;
use sea_orm_migration::prelude::*;

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
