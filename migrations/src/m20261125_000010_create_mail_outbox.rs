//! The mail outbox: every email is a row written in the transaction of the write that causes
//! it (an invitation, a sign-in link, later digests and notification emails) and sent by a
//! background worker that retries with backoff. A row is claimed for a while (a lease)
//! before sending, so instances sharing the database never send one twice at once.

use crate::{id_column, optional_timestamp, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .col(id_column(MailOutbox::Id))
                    .col(ColumnDef::new(MailOutbox::Kind).string().not_null())
                    .col(ColumnDef::new(MailOutbox::Recipient).string().not_null())
                    .col(ColumnDef::new(MailOutbox::Subject).string().not_null())
                    .col(ColumnDef::new(MailOutbox::TextBody).text().not_null())
                    .col(ColumnDef::new(MailOutbox::HtmlBody).text().not_null())
                    .col(
                        ColumnDef::new(MailOutbox::MessageId)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(MailOutbox::Headers).json().not_null())
                    .col(
                        ColumnDef::new(MailOutbox::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(MailOutbox::NextAttemptAt))
                    .col(optional_timestamp(MailOutbox::ClaimedUntil))
                    .col(ColumnDef::new(MailOutbox::LastError).text().null())
                    .col(timestamp(MailOutbox::CreatedAt))
                    .col(optional_timestamp(MailOutbox::SentAt))
                    .col(optional_timestamp(MailOutbox::FailedAt))
                    .to_owned(),
            )
            .await?;
        // The worker's question: unsent, not given up, due.
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

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailOutbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    Kind,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    MessageId,
    Headers,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
    FailedAt,
}
