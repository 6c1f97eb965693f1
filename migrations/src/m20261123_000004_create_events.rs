//! The durable event log every asynchronous consumer reads (live updates, search indexing,
//! notifications, digests). Rows are appended in the same transaction as the write they
//! describe; see `server/src/events.rs` for how ids are kept in commit order.

use crate::{id_column, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(id_column(Events::Id))
                    .col(ColumnDef::new(Events::Topic).string().not_null())
                    .col(ColumnDef::new(Events::Kind).string().not_null())
                    .col(ColumnDef::new(Events::NetworkId).big_integer().null())
                    .col(ColumnDef::new(Events::ThreadId).big_integer().null())
                    .col(ColumnDef::new(Events::RecipientId).big_integer().null())
                    .col(ColumnDef::new(Events::ActorId).big_integer().null())
                    .col(ColumnDef::new(Events::Payload).json().not_null())
                    .col(timestamp(Events::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // Replays read "everything after id N on these networks/threads/for this member".
        for (name, column) in [
            ("idx_events_network", Events::NetworkId),
            ("idx_events_thread", Events::ThreadId),
            ("idx_events_recipient", Events::RecipientId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Events::Table)
                        .col(column)
                        .col(Events::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Topic,
    Kind,
    NetworkId,
    ThreadId,
    RecipientId,
    ActorId,
    Payload,
    CreatedAt,
}
