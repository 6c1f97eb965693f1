//! The words read out of an uploaded file, once per file content (`sha256`), or why they
//! could not be read. Extraction runs in a child process under limits; keeping its outcome
//! means a restart, another instance or `search reindex` never reads a hostile file again,
//! and operators can list the files whose text could not be read.

use crate::{string, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FileTexts::Table)
                    .col(
                        ColumnDef::new(FileTexts::Sha256)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(string(FileTexts::MediaType))
                    .col(
                        ColumnDef::new(FileTexts::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    // `text` or `unreadable`.
                    .col(string(FileTexts::Outcome))
                    .col(ColumnDef::new(FileTexts::Body).text().null())
                    .col(ColumnDef::new(FileTexts::Reason).text().null())
                    // Which reader produced it: a newer reader reads the file again.
                    .col(
                        ColumnDef::new(FileTexts::ReaderVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(timestamp(FileTexts::ReadAt))
                    .to_owned(),
            )
            .await?;
        crate::index(
            manager,
            "idx_file_texts_outcome",
            FileTexts::Table,
            vec![
                FileTexts::Outcome.into_iden(),
                FileTexts::ReadAt.into_iden(),
            ],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FileTexts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum FileTexts {
    Table,
    Sha256,
    MediaType,
    SizeBytes,
    Outcome,
    Body,
    Reason,
    ReaderVersion,
    ReadAt,
}
