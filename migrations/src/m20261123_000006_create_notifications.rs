//! Notification records, one per recipient: what happened, about what, and whether it has
//! been read. Delivery (live and by email) reads these.

use crate::m20261123_000001_create_members::Members;
use crate::{foreign_id, id_column, optional_timestamp, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(id_column(Notifications::Id))
                    .col(foreign_id(Notifications::RecipientId))
                    .col(ColumnDef::new(Notifications::Kind).string().not_null())
                    .col(
                        ColumnDef::new(Notifications::SubjectType)
                            .string()
                            .not_null(),
                    )
                    .col(foreign_id(Notifications::SubjectId))
                    .col(
                        ColumnDef::new(Notifications::NetworkId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Notifications::ActorId).big_integer().null())
                    .col(ColumnDef::new(Notifications::Data).json().not_null())
                    .col(timestamp(Notifications::CreatedAt))
                    .col(optional_timestamp(Notifications::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notifications::Table, Notifications::RecipientId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_recipient")
                    .table(Notifications::Table)
                    .col(Notifications::RecipientId)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    RecipientId,
    Kind,
    SubjectType,
    SubjectId,
    NetworkId,
    ActorId,
    Data,
    CreatedAt,
    ReadAt,
}
