//! Images put into posts: each belongs to the network it was uploaded in (only its members
//! may see it) and is kept twice in the file store, re-encoded without metadata: bounded in
//! size, and a smaller display size shown in posts.

use crate::{cascade, foreign_id, id_column, index, string, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Images {
    Table,
    Id,
    NetworkId,
    UploadedBy,
    Sha256,
    MediaType,
    Width,
    Height,
    DisplaySha256,
    DisplayMediaType,
    DisplayWidth,
    DisplayHeight,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Networks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Images::Table)
                    .col(id_column(Images::Id))
                    .col(foreign_id(Images::NetworkId))
                    .col(foreign_id(Images::UploadedBy))
                    .col(string(Images::Sha256))
                    .col(string(Images::MediaType))
                    .col(ColumnDef::new(Images::Width).integer().not_null())
                    .col(ColumnDef::new(Images::Height).integer().not_null())
                    .col(string(Images::DisplaySha256))
                    .col(string(Images::DisplayMediaType))
                    .col(ColumnDef::new(Images::DisplayWidth).integer().not_null())
                    .col(ColumnDef::new(Images::DisplayHeight).integer().not_null())
                    .col(timestamp(Images::CreatedAt))
                    .foreign_key(&mut cascade(
                        (Images::Table, Images::NetworkId),
                        (Networks::Table, Networks::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Images::Table, Images::UploadedBy),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_images_network",
            Images::Table,
            vec![Images::NetworkId.into_iden()],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Images::Table).to_owned())
            .await
    }
}
