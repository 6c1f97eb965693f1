//! Where a shared search index (Meilisearch) stands in the event log, and which instance may
//! feed it: one row per index, with a lease, so that with several instances exactly one
//! indexes at a time and another takes over when it stops renewing. (The embedded engine
//! keeps its position inside its own index files.)

use crate::{optional_timestamp, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchPositions::Table)
                    .col(
                        ColumnDef::new(SearchPositions::IndexUid)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SearchPositions::Position)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(SearchPositions::Holder).string().null())
                    .col(optional_timestamp(SearchPositions::LeaseUntil))
                    .col(timestamp(SearchPositions::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchPositions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchPositions {
    Table,
    IndexUid,
    Position,
    Holder,
    LeaseUntil,
    UpdatedAt,
}
