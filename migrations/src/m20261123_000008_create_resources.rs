//! The resource library: shared files, links, lesson plans, tools and templates, their
//! versions (content-addressed files), labels, and "this was helpful" votes.

use crate::m20261123_000001_create_members::Members;
use crate::m20261123_000002_create_networks::Networks;
use crate::m20261123_000003_create_threads::Threads;
use crate::{foreign_id, id_column, optional_timestamp, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn to_resources(table: ResourceRefs) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, ResourceRefs::ResourceId)
        .to(Resources::Table, Resources::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Resources::Table)
                    .col(id_column(Resources::Id))
                    .col(foreign_id(Resources::NetworkId))
                    .col(foreign_id(Resources::AuthorId))
                    .col(ColumnDef::new(Resources::Kind).string().not_null())
                    .col(ColumnDef::new(Resources::Title).string().not_null())
                    .col(ColumnDef::new(Resources::Description).text().not_null())
                    .col(ColumnDef::new(Resources::DescriptionHtml).text().not_null())
                    .col(ColumnDef::new(Resources::Url).string().null())
                    .col(
                        ColumnDef::new(Resources::DiscussionThreadId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Resources::CurrentVersion).integer().null())
                    .col(
                        ColumnDef::new(Resources::HelpfulCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Resources::DownloadCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(Resources::CreatedAt))
                    .col(timestamp(Resources::UpdatedAt))
                    .col(optional_timestamp(Resources::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Resources::Table, Resources::NetworkId)
                            .to(Networks::Table, Networks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Resources::Table, Resources::AuthorId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Resources::Table, Resources::DiscussionThreadId)
                            .to(Threads::Table, Threads::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_resources_recent", Resources::CreatedAt),
            ("idx_resources_helpful", Resources::HelpfulCount),
            ("idx_resources_downloads", Resources::DownloadCount),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Resources::Table)
                        .col(Resources::NetworkId)
                        .col(column)
                        .col(Resources::Id)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ResourceLabels::Table)
                    .col(foreign_id(ResourceLabels::ResourceId))
                    .col(ColumnDef::new(ResourceLabels::Facet).string().not_null())
                    .col(ColumnDef::new(ResourceLabels::Value).string().not_null())
                    .primary_key(
                        Index::create()
                            .col(ResourceLabels::ResourceId)
                            .col(ResourceLabels::Facet)
                            .col(ResourceLabels::Value),
                    )
                    .foreign_key(&mut to_resources(ResourceRefs::ResourceLabels))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_resource_labels_value")
                    .table(ResourceLabels::Table)
                    .col(ResourceLabels::Facet)
                    .col(ResourceLabels::Value)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ResourceVersions::Table)
                    .col(id_column(ResourceVersions::Id))
                    .col(foreign_id(ResourceVersions::ResourceId))
                    .col(
                        ColumnDef::new(ResourceVersions::Version)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ResourceVersions::Sha256).string().not_null())
                    .col(
                        ColumnDef::new(ResourceVersions::FileName)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResourceVersions::MediaType)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ResourceVersions::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ResourceVersions::Note).text().not_null())
                    .col(foreign_id(ResourceVersions::UploadedBy))
                    .col(timestamp(ResourceVersions::CreatedAt))
                    .foreign_key(&mut to_resources(ResourceRefs::ResourceVersions))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_resource_versions_number")
                    .table(ResourceVersions::Table)
                    .col(ResourceVersions::ResourceId)
                    .col(ResourceVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ResourceVotes::Table)
                    .col(foreign_id(ResourceVotes::ResourceId))
                    .col(foreign_id(ResourceVotes::MemberId))
                    .col(timestamp(ResourceVotes::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ResourceVotes::ResourceId)
                            .col(ResourceVotes::MemberId),
                    )
                    .foreign_key(&mut to_resources(ResourceRefs::ResourceVotes))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceVotes::Table, ResourceVotes::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ResourceVotes::Table.into_iden(),
            ResourceVersions::Table.into_iden(),
            ResourceLabels::Table.into_iden(),
            Resources::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Table and column names used only in foreign keys.
#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)] // they are table names, which do share a prefix
enum ResourceRefs {
    ResourceLabels,
    ResourceVersions,
    ResourceVotes,
    ResourceId,
}

#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
    NetworkId,
    AuthorId,
    Kind,
    Title,
    Description,
    DescriptionHtml,
    Url,
    DiscussionThreadId,
    CurrentVersion,
    HelpfulCount,
    DownloadCount,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum ResourceLabels {
    Table,
    ResourceId,
    Facet,
    Value,
}

#[derive(DeriveIden)]
enum ResourceVersions {
    Table,
    Id,
    ResourceId,
    Version,
    Sha256,
    FileName,
    MediaType,
    SizeBytes,
    Note,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ResourceVotes {
    Table,
    ResourceId,
    MemberId,
    CreatedAt,
}
