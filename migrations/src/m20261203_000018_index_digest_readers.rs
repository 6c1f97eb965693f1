//! Indexes for the rows a digest reads by their member: a member's own help requests (for
//! the answers to them), the action items they own, the check-in reminders they were sent.
//! Without them each batch of a digest run scanned, or indexed anew, all of each table.

use crate::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            "idx_help_requests_author",
            HelpRequests::Table,
            vec![HelpRequests::AuthorId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_action_items_owner",
            ActionItems::Table,
            vec![ActionItems::OwnerId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_check_in_reminders_member",
            CheckInReminders::Table,
            vec![CheckInReminders::MemberId.into_iden()],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("idx_help_requests_author", HelpRequests::Table.into_iden()),
            ("idx_action_items_owner", ActionItems::Table.into_iden()),
            (
                "idx_check_in_reminders_member",
                CheckInReminders::Table.into_iden(),
            ),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum HelpRequests {
    Table,
    AuthorId,
}

#[derive(DeriveIden)]
enum ActionItems {
    Table,
    OwnerId,
}

#[derive(DeriveIden)]
enum CheckInReminders {
    Table,
    MemberId,
}
