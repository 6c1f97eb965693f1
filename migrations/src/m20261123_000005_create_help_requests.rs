//! Help requests: a member asks peers for help; peers offer help and respond; the asker
//! accepts the response that solved it.

use crate::m20261123_000001_create_members::Members;
use crate::m20261123_000002_create_networks::Networks;
use crate::{foreign_id, id_column, optional_timestamp, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn to_members(table: HelpRequestRefs, column: HelpRequestRefs) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Members::Table, Members::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn to_requests(table: HelpRequestRefs) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, HelpRequestRefs::HelpRequestId)
        .to(HelpRequests::Table, HelpRequests::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HelpRequests::Table)
                    .col(id_column(HelpRequests::Id))
                    .col(foreign_id(HelpRequests::NetworkId))
                    .col(foreign_id(HelpRequests::AuthorId))
                    .col(ColumnDef::new(HelpRequests::Title).string().not_null())
                    .col(ColumnDef::new(HelpRequests::Body).text().not_null())
                    .col(ColumnDef::new(HelpRequests::BodyHtml).text().not_null())
                    .col(ColumnDef::new(HelpRequests::Urgency).string().not_null())
                    .col(ColumnDef::new(HelpRequests::Status).string().not_null())
                    .col(
                        ColumnDef::new(HelpRequests::AcceptedResponseId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(HelpRequests::ResponseCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(HelpRequests::CreatedAt))
                    .col(timestamp(HelpRequests::UpdatedAt))
                    .col(optional_timestamp(HelpRequests::AnsweredAt))
                    .col(optional_timestamp(HelpRequests::ResolvedAt))
                    .col(optional_timestamp(HelpRequests::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HelpRequests::Table, HelpRequests::NetworkId)
                            .to(Networks::Table, Networks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut to_members(
                        HelpRequestRefs::HelpRequests,
                        HelpRequestRefs::AuthorId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_help_requests_listing")
                    .table(HelpRequests::Table)
                    .col(HelpRequests::NetworkId)
                    .col(HelpRequests::Status)
                    .col(HelpRequests::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HelpRequestTags::Table)
                    .col(foreign_id(HelpRequestTags::HelpRequestId))
                    .col(ColumnDef::new(HelpRequestTags::Tag).string().not_null())
                    .primary_key(
                        Index::create()
                            .col(HelpRequestTags::HelpRequestId)
                            .col(HelpRequestTags::Tag),
                    )
                    .foreign_key(&mut to_requests(HelpRequestRefs::HelpRequestTags))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HelpResponses::Table)
                    .col(id_column(HelpResponses::Id))
                    .col(foreign_id(HelpResponses::HelpRequestId))
                    .col(foreign_id(HelpResponses::AuthorId))
                    .col(ColumnDef::new(HelpResponses::Body).text().not_null())
                    .col(ColumnDef::new(HelpResponses::BodyHtml).text().not_null())
                    .col(timestamp(HelpResponses::CreatedAt))
                    .col(timestamp(HelpResponses::UpdatedAt))
                    .foreign_key(&mut to_requests(HelpRequestRefs::HelpResponses))
                    .foreign_key(&mut to_members(
                        HelpRequestRefs::HelpResponses,
                        HelpRequestRefs::AuthorId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_help_responses_request")
                    .table(HelpResponses::Table)
                    .col(HelpResponses::HelpRequestId)
                    .col(HelpResponses::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HelpOffers::Table)
                    .col(foreign_id(HelpOffers::HelpRequestId))
                    .col(foreign_id(HelpOffers::MemberId))
                    .col(timestamp(HelpOffers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(HelpOffers::HelpRequestId)
                            .col(HelpOffers::MemberId),
                    )
                    .foreign_key(&mut to_requests(HelpRequestRefs::HelpOffers))
                    .foreign_key(&mut to_members(
                        HelpRequestRefs::HelpOffers,
                        HelpRequestRefs::MemberId,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HelpOffers::Table.into_iden(),
            HelpResponses::Table.into_iden(),
            HelpRequestTags::Table.into_iden(),
            HelpRequests::Table.into_iden(),
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
enum HelpRequestRefs {
    HelpRequests,
    HelpRequestTags,
    HelpResponses,
    HelpOffers,
    HelpRequestId,
    AuthorId,
    MemberId,
}

#[derive(DeriveIden)]
enum HelpRequests {
    Table,
    Id,
    NetworkId,
    AuthorId,
    Title,
    Body,
    BodyHtml,
    Urgency,
    Status,
    AcceptedResponseId,
    ResponseCount,
    CreatedAt,
    UpdatedAt,
    AnsweredAt,
    ResolvedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum HelpRequestTags {
    Table,
    HelpRequestId,
    Tag,
}

#[derive(DeriveIden)]
enum HelpResponses {
    Table,
    Id,
    HelpRequestId,
    AuthorId,
    Body,
    BodyHtml,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HelpOffers {
    Table,
    HelpRequestId,
    MemberId,
    CreatedAt,
}
