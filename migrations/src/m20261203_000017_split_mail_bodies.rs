//! A message's bodies in a table of their own, `mail_bodies`, keyed by its `Message-ID`.
//! SQLite rewrites a whole row when one column changes: with 15 KB of text and HTML in the
//! outbox row, claiming a message and marking it sent each wrote its bodies again. The
//! outbox row now holds only what the worker changes; the bodies are written once and go
//! with their row when it is pruned.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailBodies::Table)
                    .col(
                        ColumnDef::new(MailBodies::MessageId)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(MailBodies::TextBody).text().not_null())
                    .col(ColumnDef::new(MailBodies::HtmlBody).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailBodies::Table, MailBodies::MessageId)
                            .to(MailOutbox::Table, MailOutbox::MessageId)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let copy = Query::insert()
            .into_table(MailBodies::Table)
            .columns([
                MailBodies::MessageId,
                MailBodies::TextBody,
                MailBodies::HtmlBody,
            ])
            .select_from(
                Query::select()
                    .columns([
                        MailOutbox::MessageId,
                        MailOutbox::TextBody,
                        MailOutbox::HtmlBody,
                    ])
                    .from(MailOutbox::Table)
                    .to_owned(),
            )
            .map_err(|err| DbErr::Migration(err.to_string()))?
            .to_owned();
        manager.exec_stmt(copy).await?;
        // One column per statement: SQLite drops one at a time.
        for column in [MailOutbox::TextBody, MailOutbox::HtmlBody] {
            manager
                .alter_table(
                    Table::alter()
                        .table(MailOutbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [MailOutbox::TextBody, MailOutbox::HtmlBody] {
            manager
                .alter_table(
                    Table::alter()
                        .table(MailOutbox::Table)
                        .add_column(ColumnDef::new(column).text().not_null().default(""))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(MailBodies::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    MessageId,
    TextBody,
    HtmlBody,
}

#[derive(DeriveIden)]
enum MailBodies {
    Table,
    MessageId,
    TextBody,
    HtmlBody,
}
