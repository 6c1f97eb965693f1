//! Convenings (a network's meetings) and the action items that carry their work forward.

use crate::m20261123_000001_create_members::Members;
use crate::m20261123_000002_create_networks::Networks;
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
                    .table(Convenings::Table)
                    .col(id_column(Convenings::Id))
                    .col(foreign_id(Convenings::NetworkId))
                    .col(foreign_id(Convenings::CreatedBy))
                    .col(ColumnDef::new(Convenings::Title).string().not_null())
                    .col(timestamp(Convenings::StartsAt))
                    .col(timestamp(Convenings::EndsAt))
                    .col(ColumnDef::new(Convenings::Timezone).string().not_null())
                    .col(ColumnDef::new(Convenings::Location).string().null())
                    .col(ColumnDef::new(Convenings::VirtualUrl).string().null())
                    .col(ColumnDef::new(Convenings::Agenda).text().not_null())
                    .col(ColumnDef::new(Convenings::AgendaHtml).text().not_null())
                    .col(ColumnDef::new(Convenings::Notes).text().not_null())
                    .col(ColumnDef::new(Convenings::NotesHtml).text().not_null())
                    .col(
                        ColumnDef::new(Convenings::Sequence)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(Convenings::CreatedAt))
                    .col(timestamp(Convenings::UpdatedAt))
                    .col(optional_timestamp(Convenings::CancelledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Convenings::Table, Convenings::NetworkId)
                            .to(Networks::Table, Networks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Convenings::Table, Convenings::CreatedBy)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_convenings_network_start")
                    .table(Convenings::Table)
                    .col(Convenings::NetworkId)
                    .col(Convenings::StartsAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActionItems::Table)
                    .col(id_column(ActionItems::Id))
                    .col(foreign_id(ActionItems::ConveningId))
                    .col(ColumnDef::new(ActionItems::Title).string().not_null())
                    .col(ColumnDef::new(ActionItems::OwnerId).big_integer().null())
                    .col(ColumnDef::new(ActionItems::DueOn).date().null())
                    .col(ColumnDef::new(ActionItems::Status).string().not_null())
                    .col(foreign_id(ActionItems::CreatedBy))
                    .col(timestamp(ActionItems::CreatedAt))
                    .col(timestamp(ActionItems::UpdatedAt))
                    .col(optional_timestamp(ActionItems::CompletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionItems::Table, ActionItems::ConveningId)
                            .to(Convenings::Table, Convenings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionItems::Table, ActionItems::OwnerId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_action_items_convening")
                    .table(ActionItems::Table)
                    .col(ActionItems::ConveningId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActionItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Convenings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Convenings {
    Table,
    Id,
    NetworkId,
    CreatedBy,
    Title,
    StartsAt,
    EndsAt,
    Timezone,
    Location,
    VirtualUrl,
    Agenda,
    AgendaHtml,
    Notes,
    NotesHtml,
    Sequence,
    CreatedAt,
    UpdatedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum ActionItems {
    Table,
    Id,
    ConveningId,
    Title,
    OwnerId,
    DueOn,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    CompletedAt,
}
