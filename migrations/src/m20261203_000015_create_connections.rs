//! Connections between convenings:
//! - `help_requests.is_anonymous`: the asker is shown as "a member of <network>" to
//!   everyone else (the row keeps `author_id`, which only the asker's own requests read);
//!   `help_requests.deleted_at`: removed by the asker or hidden by a facilitator (a
//!   tombstone, as for threads: gone for every reader).
//! - `conversations`, `conversation_participants` (with each one's read marker) and
//!   `direct_messages`: private conversations between members who share a network.
//! - `member_blocks`: who will take no new conversations or messages from whom.
//! - `polls`, `poll_options`, `poll_ballots` (one per voter: the number for a number poll)
//!   and `poll_choices` (the options a ballot chose).

use crate::m20261123_000001_create_members::Members;
use crate::m20261123_000002_create_networks::Networks;
use crate::{cascade, foreign_id, id_column, index, optional_timestamp, string, text, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(HelpRequests::Table)
                    .add_column(
                        ColumnDef::new(HelpRequests::IsAnonymous)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(HelpRequests::Table)
                    .add_column(optional_timestamp(HelpRequests::DeletedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .col(id_column(Conversations::Id))
                    .col(foreign_id(Conversations::CreatedBy))
                    .col(
                        ColumnDef::new(Conversations::LastMessageId)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(Conversations::LastMessageAt))
                    .col(timestamp(Conversations::CreatedAt))
                    .foreign_key(&mut cascade(
                        (Conversations::Table, Conversations::CreatedBy),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ConversationParticipants::Table)
                    .col(foreign_id(ConversationParticipants::ConversationId))
                    .col(foreign_id(ConversationParticipants::MemberId))
                    .col(
                        ColumnDef::new(ConversationParticipants::LastReadMessageId)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(ConversationParticipants::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(ConversationParticipants::ConversationId)
                            .col(ConversationParticipants::MemberId),
                    )
                    .foreign_key(&mut cascade(
                        (
                            ConversationParticipants::Table,
                            ConversationParticipants::ConversationId,
                        ),
                        (Conversations::Table, Conversations::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (
                            ConversationParticipants::Table,
                            ConversationParticipants::MemberId,
                        ),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_conversation_participants_member",
            ConversationParticipants::Table,
            vec![
                ConversationParticipants::MemberId.into_iden(),
                ConversationParticipants::ConversationId.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DirectMessages::Table)
                    .col(id_column(DirectMessages::Id))
                    .col(foreign_id(DirectMessages::ConversationId))
                    .col(foreign_id(DirectMessages::AuthorId))
                    .col(text(DirectMessages::Body))
                    .col(text(DirectMessages::BodyHtml))
                    .col(timestamp(DirectMessages::CreatedAt))
                    .foreign_key(&mut cascade(
                        (DirectMessages::Table, DirectMessages::ConversationId),
                        (Conversations::Table, Conversations::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (DirectMessages::Table, DirectMessages::AuthorId),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_direct_messages_conversation",
            DirectMessages::Table,
            vec![
                DirectMessages::ConversationId.into_iden(),
                DirectMessages::Id.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "idx_direct_messages_author_time",
            DirectMessages::Table,
            vec![
                DirectMessages::AuthorId.into_iden(),
                DirectMessages::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MemberBlocks::Table)
                    .col(foreign_id(MemberBlocks::BlockerId))
                    .col(foreign_id(MemberBlocks::BlockedId))
                    .col(timestamp(MemberBlocks::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MemberBlocks::BlockerId)
                            .col(MemberBlocks::BlockedId),
                    )
                    .foreign_key(&mut cascade(
                        (MemberBlocks::Table, MemberBlocks::BlockerId),
                        (Members::Table, Members::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (MemberBlocks::Table, MemberBlocks::BlockedId),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_member_blocks_blocked",
            MemberBlocks::Table,
            vec![MemberBlocks::BlockedId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Polls::Table)
                    .col(id_column(Polls::Id))
                    .col(foreign_id(Polls::NetworkId))
                    .col(ColumnDef::new(Polls::ThreadId).big_integer().null())
                    .col(foreign_id(Polls::AuthorId))
                    .col(string(Polls::Question))
                    .col(text(Polls::Description))
                    .col(text(Polls::DescriptionHtml))
                    .col(string(Polls::Kind))
                    .col(string(Polls::ResultsVisibility))
                    .col(
                        ColumnDef::new(Polls::IsAnonymous)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Polls::MinValue).double().null())
                    .col(ColumnDef::new(Polls::MaxValue).double().null())
                    .col(
                        ColumnDef::new(Polls::VoterCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(optional_timestamp(Polls::ClosesAt))
                    .col(optional_timestamp(Polls::ClosedAt))
                    .col(timestamp(Polls::CreatedAt))
                    .col(timestamp(Polls::UpdatedAt))
                    .col(optional_timestamp(Polls::DeletedAt))
                    .foreign_key(&mut cascade(
                        (Polls::Table, Polls::NetworkId),
                        (Networks::Table, Networks::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Polls::Table, Polls::AuthorId),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_polls_network",
            Polls::Table,
            vec![Polls::NetworkId.into_iden(), Polls::Id.into_iden()],
            false,
        )
        .await?;
        // The closer looks for open polls past their closing time.
        index(
            manager,
            "idx_polls_closing",
            Polls::Table,
            vec![Polls::ClosedAt.into_iden(), Polls::ClosesAt.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_polls_thread",
            Polls::Table,
            vec![Polls::ThreadId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PollOptions::Table)
                    .col(id_column(PollOptions::Id))
                    .col(foreign_id(PollOptions::PollId))
                    .col(ColumnDef::new(PollOptions::Position).integer().not_null())
                    .col(string(PollOptions::Label))
                    .col(
                        ColumnDef::new(PollOptions::VoteCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .foreign_key(&mut cascade(
                        (PollOptions::Table, PollOptions::PollId),
                        (Polls::Table, Polls::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_poll_options_poll",
            PollOptions::Table,
            vec![
                PollOptions::PollId.into_iden(),
                PollOptions::Position.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PollBallots::Table)
                    .col(foreign_id(PollBallots::PollId))
                    .col(foreign_id(PollBallots::MemberId))
                    .col(ColumnDef::new(PollBallots::Value).double().null())
                    .col(timestamp(PollBallots::CreatedAt))
                    .col(timestamp(PollBallots::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(PollBallots::PollId)
                            .col(PollBallots::MemberId),
                    )
                    .foreign_key(&mut cascade(
                        (PollBallots::Table, PollBallots::PollId),
                        (Polls::Table, Polls::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (PollBallots::Table, PollBallots::MemberId),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_poll_ballots_member_time",
            PollBallots::Table,
            vec![
                PollBallots::MemberId.into_iden(),
                PollBallots::UpdatedAt.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PollChoices::Table)
                    .col(foreign_id(PollChoices::PollId))
                    .col(foreign_id(PollChoices::MemberId))
                    .col(foreign_id(PollChoices::OptionId))
                    .primary_key(
                        Index::create()
                            .col(PollChoices::PollId)
                            .col(PollChoices::MemberId)
                            .col(PollChoices::OptionId),
                    )
                    .foreign_key(&mut cascade(
                        (PollChoices::Table, PollChoices::PollId),
                        (Polls::Table, Polls::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (PollChoices::Table, PollChoices::OptionId),
                        (PollOptions::Table, PollOptions::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (PollChoices::Table, PollChoices::MemberId),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PollChoices::Table.into_iden(),
            PollBallots::Table.into_iden(),
            PollOptions::Table.into_iden(),
            Polls::Table.into_iden(),
            MemberBlocks::Table.into_iden(),
            DirectMessages::Table.into_iden(),
            ConversationParticipants::Table.into_iden(),
            Conversations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(HelpRequests::Table)
                    .drop_column(HelpRequests::IsAnonymous)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(HelpRequests::Table)
                    .drop_column(HelpRequests::DeletedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum HelpRequests {
    Table,
    IsAnonymous,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    CreatedBy,
    LastMessageId,
    LastMessageAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ConversationParticipants {
    Table,
    ConversationId,
    MemberId,
    LastReadMessageId,
    JoinedAt,
}

#[derive(DeriveIden)]
enum DirectMessages {
    Table,
    Id,
    ConversationId,
    AuthorId,
    Body,
    BodyHtml,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MemberBlocks {
    Table,
    BlockerId,
    BlockedId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Polls {
    Table,
    Id,
    NetworkId,
    ThreadId,
    AuthorId,
    Question,
    Description,
    DescriptionHtml,
    Kind,
    ResultsVisibility,
    IsAnonymous,
    MinValue,
    MaxValue,
    VoterCount,
    ClosesAt,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum PollOptions {
    Table,
    Id,
    PollId,
    Position,
    Label,
    VoteCount,
}

#[derive(DeriveIden)]
enum PollBallots {
    Table,
    PollId,
    MemberId,
    Value,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PollChoices {
    Table,
    PollId,
    MemberId,
    OptionId,
}
