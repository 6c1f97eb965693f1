//! A digest delivery remembers what it showed (`key@version` of each item, space
//! separated), so that the next digest leaves out what it already said unless it changed.
//! Deliveries recorded before have none: the first digest after this may repeat once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DigestDeliveries {
    Table,
    Shown,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(DigestDeliveries::Table)
                    .add_column(ColumnDef::new(DigestDeliveries::Shown).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(DigestDeliveries::Table)
                    .drop_column(DigestDeliveries::Shown)
                    .to_owned(),
            )
            .await
    }
}
