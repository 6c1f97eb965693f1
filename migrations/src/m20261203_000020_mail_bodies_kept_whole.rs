//! PostgreSQL compresses any row over about 2 KB (pglz) before it stores it. A digest's
//! letter is about 3.4 KB of JSON: inserting a batch of 250 took 14 ms, more than any
//! other write of a digest run, most of it compressing, to save space that the outbox
//! gives back after its retention period anyway. Rows of `mail_bodies` up to a page are now kept as they are;
//! written bodies (text and HTML, about 15 KB) are still compressed. SQLite never
//! compresses: nothing to do there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE mail_bodies SET (toast_tuple_target = 8160)")
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE mail_bodies RESET (toast_tuple_target)")
            .await
            .map(|_| ())
    }
}
