//! The mail worker's queue in the order it is taken. The worker asks for the first unsent,
//! not given up, due and unclaimed messages by id. The first index served only the first
//! three of those, so each claim sorted every due row and read each one's lease from the
//! table row, past bodies of 15 KB: claims slowed as a digest run filled the queue. This one
//! holds the rows in id order with their due time and lease, so a claim reads the index
//! until it has its batch.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_mail_outbox_due")
                    .table(MailOutbox::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_outbox_queue")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::SentAt)
                    .col(MailOutbox::FailedAt)
                    .col(MailOutbox::Id)
                    .col(MailOutbox::NextAttemptAt)
                    .col(MailOutbox::ClaimedUntil)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_mail_outbox_queue")
                    .table(MailOutbox::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_outbox_due")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::SentAt)
                    .col(MailOutbox::FailedAt)
                    .col(MailOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }
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
