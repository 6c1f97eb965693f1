//! What digests and notification emails need:
//! - `digest_deliveries`: one row per member, frequency and period key (the ISO week or the
//!   date, in the member's timezone when it was sent), written in the transaction that queues
//!   the digest in the mail outbox. Its uniqueness is what makes a digest go out once per
//!   period whatever crashes, restarts, other instances or preference changes happen.
//! - `email_opt_outs`: the kinds of notification email a member turned off (every kind is on
//!   until turned off, so kinds added later need no migration).
//! - `resource_downloads`: who downloaded a resource (first time), so that a digest does not
//!   recommend what its reader already has.
//! - `notifications.emailed_at`: when a notification went out by email (or was decided not
//!   to), so that a burst becomes one email and nothing is emailed twice.

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
                    .table(DigestDeliveries::Table)
                    .col(id_column(DigestDeliveries::Id))
                    .col(foreign_id(DigestDeliveries::MemberId))
                    .col(
                        ColumnDef::new(DigestDeliveries::Frequency)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(DigestDeliveries::PeriodKey)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(DigestDeliveries::Items)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(DigestDeliveries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DigestDeliveries::Table, DigestDeliveries::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("digest_deliveries_once")
                    .table(DigestDeliveries::Table)
                    .col(DigestDeliveries::MemberId)
                    .col(DigestDeliveries::Frequency)
                    .col(DigestDeliveries::PeriodKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailOptOuts::Table)
                    .col(foreign_id(EmailOptOuts::MemberId))
                    .col(ColumnDef::new(EmailOptOuts::Kind).string().not_null())
                    .col(timestamp(EmailOptOuts::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(EmailOptOuts::MemberId)
                            .col(EmailOptOuts::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EmailOptOuts::Table, EmailOptOuts::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResourceDownloads::Table)
                    .col(foreign_id(ResourceDownloads::ResourceId))
                    .col(foreign_id(ResourceDownloads::MemberId))
                    .col(timestamp(ResourceDownloads::FirstAt))
                    .primary_key(
                        Index::create()
                            .col(ResourceDownloads::ResourceId)
                            .col(ResourceDownloads::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceDownloads::Table, ResourceDownloads::ResourceId)
                            .to(Resources::Table, Resources::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceDownloads::Table, ResourceDownloads::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .add_column(optional_timestamp(Notifications::EmailedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_to_email")
                    .table(Notifications::Table)
                    .col(Notifications::EmailedAt)
                    .col(Notifications::RecipientId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("notifications_to_email")
                    .table(Notifications::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .drop_column(Notifications::EmailedAt)
                    .to_owned(),
            )
            .await?;
        for table in [
            ResourceDownloads::Table.into_iden(),
            EmailOptOuts::Table.into_iden(),
            DigestDeliveries::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DigestDeliveries {
    Table,
    Id,
    MemberId,
    Frequency,
    PeriodKey,
    Items,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EmailOptOuts {
    Table,
    MemberId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ResourceDownloads {
    Table,
    ResourceId,
    MemberId,
    FirstAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    RecipientId,
    EmailedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
}
