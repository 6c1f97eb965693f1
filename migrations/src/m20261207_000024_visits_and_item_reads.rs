//! What "new" and "unread" mean outside threads. `members` learns when each visit began
//! (`visit_started_at`, and the one before it, `previous_visit_at`, which the feed's `new`
//! filter counts from) and when the member was last seen (`last_seen_at`: a request after 30
//! minutes without one begins a new visit). `item_reads` records that a member opened a help
//! request, poll, convening, resource, initiative or test of change, and when they last read
//! it: threads keep their own read markers by post, these things are read as a whole.

use crate::m20261123_000001_create_members::Members;
use crate::{foreign_id, optional_timestamp, string, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [
            Visits::LastSeenAt,
            Visits::VisitStartedAt,
            Visits::PreviousVisitAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Members::Table)
                        .add_column(optional_timestamp(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ItemReads::Table)
                    .col(foreign_id(ItemReads::MemberId))
                    // `help_request`, `poll`, `convening`, `resource`, `initiative`, `test`.
                    .col(string(ItemReads::SubjectType))
                    .col(foreign_id(ItemReads::SubjectId))
                    .col(timestamp(ItemReads::FirstOpenedAt))
                    .col(timestamp(ItemReads::ReadAt))
                    .primary_key(
                        Index::create()
                            .col(ItemReads::MemberId)
                            .col(ItemReads::SubjectType)
                            .col(ItemReads::SubjectId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ItemReads::Table, ItemReads::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ItemReads::Table).to_owned())
            .await?;
        for column in [
            Visits::PreviousVisitAt,
            Visits::VisitStartedAt,
            Visits::LastSeenAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Members::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

// The columns are times, named as such.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
enum Visits {
    LastSeenAt,
    VisitStartedAt,
    PreviousVisitAt,
}

#[derive(DeriveIden)]
enum ItemReads {
    Table,
    MemberId,
    SubjectType,
    SubjectId,
    FirstOpenedAt,
    ReadAt,
}
