//! An index for reading a network's tests of change. The feed reads the tests in a member's
//! networks for every page; without it each page scanned the whole table (SQLite even built
//! an automatic index for it on each query).

use crate::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            "idx_tests_of_change_network",
            TestsOfChange::Table,
            vec![TestsOfChange::NetworkId.into_iden()],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_tests_of_change_network")
                    .table(TestsOfChange::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum TestsOfChange {
    Table,
    NetworkId,
}
