//! Networks (with sub-networks), who belongs to them, and invitations to join.

use crate::m20261123_000001_create_members::Members;
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
                    .table(Networks::Table)
                    .col(id_column(Networks::Id))
                    .col(ColumnDef::new(Networks::ParentId).big_integer().null())
                    .col(ColumnDef::new(Networks::Name).string().not_null())
                    .col(
                        ColumnDef::new(Networks::Description)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(Networks::Visibility).string().not_null())
                    .col(ColumnDef::new(Networks::JoinPolicy).string().not_null())
                    .col(foreign_id(Networks::CreatedBy))
                    .col(timestamp(Networks::CreatedAt))
                    .col(timestamp(Networks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Networks::Table, Networks::ParentId)
                            .to(Networks::Table, Networks::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Networks::Table, Networks::CreatedBy)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_networks_parent")
                    .table(Networks::Table)
                    .col(Networks::ParentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NetworkMembers::Table)
                    .col(foreign_id(NetworkMembers::NetworkId))
                    .col(foreign_id(NetworkMembers::MemberId))
                    .col(ColumnDef::new(NetworkMembers::Role).string().not_null())
                    .col(
                        ColumnDef::new(NetworkMembers::NotificationLevel)
                            .string()
                            .not_null()
                            .default("normal"),
                    )
                    .col(timestamp(NetworkMembers::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(NetworkMembers::NetworkId)
                            .col(NetworkMembers::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NetworkMembers::Table, NetworkMembers::NetworkId)
                            .to(Networks::Table, Networks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NetworkMembers::Table, NetworkMembers::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_network_members_member")
                    .table(NetworkMembers::Table)
                    .col(NetworkMembers::MemberId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(id_column(Invitations::Id))
                    .col(foreign_id(Invitations::NetworkId))
                    .col(ColumnDef::new(Invitations::Email).string().not_null())
                    .col(ColumnDef::new(Invitations::Role).string().not_null())
                    .col(
                        ColumnDef::new(Invitations::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(foreign_id(Invitations::InvitedBy))
                    .col(timestamp(Invitations::CreatedAt))
                    .col(timestamp(Invitations::ExpiresAt))
                    .col(optional_timestamp(Invitations::AcceptedAt))
                    .col(ColumnDef::new(Invitations::AcceptedBy).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::NetworkId)
                            .to(Networks::Table, Networks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::InvitedBy)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Invitations::Table.into_iden(),
            NetworkMembers::Table.into_iden(),
            Networks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum Networks {
    Table,
    Id,
    ParentId,
    Name,
    Description,
    Visibility,
    JoinPolicy,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NetworkMembers {
    Table,
    NetworkId,
    MemberId,
    Role,
    NotificationLevel,
    JoinedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    NetworkId,
    Email,
    Role,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    AcceptedBy,
}
