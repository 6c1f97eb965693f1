//! The mail worker's queue in the order it is taken. The worker asks for the first unsent,
//! not given up, due and unclaimed messages by id. The first index served only the first
//! three of those, so each claim sorted every due row and read each one's lease from the
//! table row, past bodies of 15 KB: claims slowed as a digest run filled the queue. This one
//! holds the rows in id order with their due time and lease, so a claim reads the index
//! until it has its batch.

use crate::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, "idx_mail_outbox_due").await?;
        index(
            manager,
            "idx_mail_outbox_queue",
            MailOutbox::Table,
            vec![
                MailOutbox::SentAt.into_iden(),
                MailOutbox::FailedAt.into_iden(),
                MailOutbox::Id.into_iden(),
                MailOutbox::NextAttemptAt.into_iden(),
                MailOutbox::ClaimedUntil.into_iden(),
            ],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, "idx_mail_outbox_queue").await?;
        index(
            manager,
            "idx_mail_outbox_due",
            MailOutbox::Table,
            vec![
                MailOutbox::SentAt.into_iden(),
                MailOutbox::FailedAt.into_iden(),
                MailOutbox::NextAttemptAt.into_iden(),
            ],
            false,
        )
        .await
    }
}

async fn drop_index(manager: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(MailOutbox::Table).to_owned())
        .await
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    NextAttemptAt,
    ClaimedUntil,
    SentAt,
    FailedAt,
}
