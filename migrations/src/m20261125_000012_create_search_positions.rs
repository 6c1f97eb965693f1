//! Where a shared search index (Meilisearch) stands in the event log, and which instance may
//! feed it: one row per index, with a lease, so that with several instances exactly one
//! indexes at a time and another takes over when it stops renewing. (The embedded engine
//! keeps its position inside its own index files.) The row also carries a request to rebuild
//! the index from the database and that rebuild's progress, so that any instance, or the
//! CLI, can ask and watch while the instance that feeds the index does it.

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
                    .col(optional_timestamp(SearchPositions::RebuildRequestedAt))
                    .col(optional_timestamp(SearchPositions::RebuildStartedAt))
                    .col(optional_timestamp(SearchPositions::RebuildFinishedAt))
                    .col(
                        ColumnDef::new(SearchPositions::RebuildDone)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(SearchPositions::RebuildTotal)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(SearchPositions::RebuildError).text().null())
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
    RebuildRequestedAt,
    RebuildStartedAt,
    RebuildFinishedAt,
    RebuildDone,
    RebuildTotal,
    RebuildError,
}
