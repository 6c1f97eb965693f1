//! Accounts, their expertise tags, and the credentials that sign them in.

use crate::{foreign_id, id_column, optional_timestamp, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Members::Table)
                    .col(id_column(Members::Id))
                    .col(
                        ColumnDef::new(Members::Email)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Members::Handle)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Members::DisplayName).string().not_null())
                    .col(ColumnDef::new(Members::PasswordHash).string().null())
                    .col(
                        ColumnDef::new(Members::Title)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Members::Organization)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(Members::Bio).text().not_null().default(""))
                    .col(
                        ColumnDef::new(Members::Timezone)
                            .string()
                            .not_null()
                            .default("UTC"),
                    )
                    .col(
                        ColumnDef::new(Members::DigestFrequency)
                            .string()
                            .not_null()
                            .default("weekly"),
                    )
                    .col(
                        ColumnDef::new(Members::DigestWeekday)
                            .small_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(Members::DigestHour)
                            .small_integer()
                            .not_null()
                            .default(7),
                    )
                    .col(
                        ColumnDef::new(Members::IsAdmin)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(timestamp(Members::CreatedAt))
                    .col(timestamp(Members::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MemberExpertise::Table)
                    .col(foreign_id(MemberExpertise::MemberId))
                    .col(ColumnDef::new(MemberExpertise::Tag).string().not_null())
                    .primary_key(
                        Index::create()
                            .col(MemberExpertise::MemberId)
                            .col(MemberExpertise::Tag),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberExpertise::Table, MemberExpertise::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_member_expertise_tag")
                    .table(MemberExpertise::Table)
                    .col(MemberExpertise::Tag)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(id_column(RefreshTokens::Id))
                    .col(foreign_id(RefreshTokens::MemberId))
                    .col(ColumnDef::new(RefreshTokens::FamilyId).string().not_null())
                    .col(
                        ColumnDef::new(RefreshTokens::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(timestamp(RefreshTokens::CreatedAt))
                    .col(timestamp(RefreshTokens::ExpiresAt))
                    .col(optional_timestamp(RefreshTokens::RotatedAt))
                    .col(optional_timestamp(RefreshTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefreshTokens::Table, RefreshTokens::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::FamilyId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MagicLinks::Table)
                    .col(id_column(MagicLinks::Id))
                    .col(foreign_id(MagicLinks::MemberId))
                    .col(
                        ColumnDef::new(MagicLinks::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(timestamp(MagicLinks::CreatedAt))
                    .col(timestamp(MagicLinks::ExpiresAt))
                    .col(optional_timestamp(MagicLinks::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MagicLinks::Table, MagicLinks::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MagicLinks::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            MemberExpertise::Table.into_iden(),
            Members::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum Members {
    Table,
    Id,
    Email,
    Handle,
    DisplayName,
    PasswordHash,
    Title,
    Organization,
    Bio,
    Timezone,
    DigestFrequency,
    DigestWeekday,
    DigestHour,
    IsAdmin,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MemberExpertise {
    Table,
    MemberId,
    Tag,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    MemberId,
    FamilyId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RotatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum MagicLinks {
    Table,
    Id,
    MemberId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
