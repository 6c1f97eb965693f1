//! A message's bodies may be kept as the data a template writes them from, and written
//! when the message is sent. A weekly digest's text and HTML are about 15 KB, its data
//! about 3 KB: a run for 10,000 members wrote 150 MB of bodies, twice on SQLite (to the
//! WAL, then to the database at checkpoint). A row now holds either its `text_body` and
//! `html_body`, or its `template` and `data`.
//!
//! PostgreSQL alters the table in place. SQLite cannot drop NOT NULL from a column, so
//! there the table is built again (same name, same key, same cascade from its outbox row)
//! and the bodies copied over.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return rebuild(manager, true).await;
        }
        let mut alter = Table::alter();
        alter
            .table(MailBodies::Table)
            .modify_column(ColumnDef::new(MailBodies::TextBody).text().null())
            .modify_column(ColumnDef::new(MailBodies::HtmlBody).text().null())
            .add_column(ColumnDef::new(MailBodies::Template).string().null())
            .add_column(ColumnDef::new(MailBodies::Data).text().null());
        manager.alter_table(alter.to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Templated bodies cannot be written out here: their messages lose them (and fail
        // to send, saying so), as a message whose bodies are missing does.
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(MailBodies::Table)
                    .and_where(Expr::col(MailBodies::Template).is_not_null())
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return rebuild(manager, false).await;
        }
        let mut alter = Table::alter();
        alter
            .table(MailBodies::Table)
            .drop_column(MailBodies::Template)
            .drop_column(MailBodies::Data)
            .modify_column(ColumnDef::new(MailBodies::TextBody).text().not_null())
            .modify_column(ColumnDef::new(MailBodies::HtmlBody).text().not_null());
        manager.alter_table(alter.to_owned()).await
    }
}

/// Builds `mail_bodies` again, with or without templates, keeping its written bodies.
async fn rebuild(manager: &SchemaManager<'_>, templates: bool) -> Result<(), DbErr> {
    manager
        .rename_table(
            Table::rename()
                .table(MailBodies::Table, MailBodiesOld::Table)
                .to_owned(),
        )
        .await?;
    let mut table = Table::create();
    table.table(MailBodies::Table).col(
        ColumnDef::new(MailBodies::MessageId)
            .string()
            .not_null()
            .primary_key(),
    );
    if templates {
        table
            .col(ColumnDef::new(MailBodies::TextBody).text().null())
            .col(ColumnDef::new(MailBodies::HtmlBody).text().null())
            .col(ColumnDef::new(MailBodies::Template).string().null())
            .col(ColumnDef::new(MailBodies::Data).text().null());
    } else {
        table
            .col(ColumnDef::new(MailBodies::TextBody).text().not_null())
            .col(ColumnDef::new(MailBodies::HtmlBody).text().not_null());
    }
    table.foreign_key(
        ForeignKey::create()
            .name("fk_mail_bodies_message_id")
            .from(MailBodies::Table, MailBodies::MessageId)
            .to(MailOutbox::Table, MailOutbox::MessageId)
            .on_delete(ForeignKeyAction::Cascade),
    );
    manager.create_table(table.to_owned()).await?;
    let columns = [
        MailBodies::MessageId,
        MailBodies::TextBody,
        MailBodies::HtmlBody,
    ];
    let copy = Query::insert()
        .into_table(MailBodies::Table)
        .columns(columns)
        .select_from(
            Query::select()
                .columns(columns)
                .from(MailBodiesOld::Table)
                .to_owned(),
        )
        .map_err(|err| DbErr::Migration(err.to_string()))?
        .to_owned();
    manager.exec_stmt(copy).await?;
    manager
        .drop_table(Table::drop().table(MailBodiesOld::Table).to_owned())
        .await
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    MessageId,
}

#[derive(DeriveIden, Clone, Copy)]
enum MailBodies {
    Table,
    MessageId,
    TextBody,
    HtmlBody,
    Template,
    Data,
}

#[derive(DeriveIden)]
enum MailBodiesOld {
    Table,
}
