//! Getting a network started: an invitation may name its invitee (a bulk invitation's
//! `name`, offered as their display name when they accept), and a network may have
//! invitation links a facilitator shares in a meeting: anyone signed in who holds one joins
//! as a member, until it expires, is used up or is revoked. Only the token's hash is kept,
//! as for invitations: a link is shown once, when it is made.

use crate::{cascade, foreign_id, id_column, index, optional_timestamp, string, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Name,
}

#[derive(DeriveIden)]
enum InviteLinks {
    Table,
    Id,
    NetworkId,
    TokenHash,
    Role,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    MaxUses,
    Uses,
    RevokedAt,
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
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(ColumnDef::new(Invitations::Name).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InviteLinks::Table)
                    .col(id_column(InviteLinks::Id))
                    .col(foreign_id(InviteLinks::NetworkId))
                    .col(string(InviteLinks::TokenHash).unique_key())
                    .col(string(InviteLinks::Role))
                    .col(foreign_id(InviteLinks::CreatedBy))
                    .col(timestamp(InviteLinks::CreatedAt))
                    .col(optional_timestamp(InviteLinks::ExpiresAt))
                    .col(ColumnDef::new(InviteLinks::MaxUses).integer().null())
                    .col(
                        ColumnDef::new(InviteLinks::Uses)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(optional_timestamp(InviteLinks::RevokedAt))
                    .foreign_key(&mut cascade(
                        (InviteLinks::Table, InviteLinks::NetworkId),
                        (Networks::Table, Networks::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (InviteLinks::Table, InviteLinks::CreatedBy),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_invite_links_network",
            InviteLinks::Table,
            vec![InviteLinks::NetworkId.into_iden()],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InviteLinks::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .drop_column(Invitations::Name)
                    .to_owned(),
            )
            .await
    }
}
