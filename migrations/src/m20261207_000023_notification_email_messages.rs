//! Which queued email carries each notification (`email_message_id`), and a fingerprint of
//! the words it showed (`emailed_words`): before a notification email is sent, the mail
//! worker asks whether any of its posts or requests was deleted or edited since it was
//! queued, and if so withdraws it and puts its notifications back to be emailed afresh.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [Notifications::EmailMessageId, Notifications::EmailedWords] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Notifications::Table)
                        .add_column(ColumnDef::new(column).string().null())
                        .to_owned(),
                )
                .await?;
        }
        crate::index(
            manager,
            "idx_notifications_email_message_id",
            Notifications::Table,
            vec![Notifications::EmailMessageId.into_iden()],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_notifications_email_message_id")
                    .table(Notifications::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Notifications::EmailedWords, Notifications::EmailMessageId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Notifications::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    EmailMessageId,
    EmailedWords,
}
