//! Improvement initiatives:
//! - `initiatives`: an aim and its measure in a network, the cycle stage, and its discussion
//!   thread; `baseline_from` is where the network chart's baseline starts after a
//!   re-baseline.
//! - `initiative_teams` and `initiative_team_members`: the teams (a school, a district
//!   office) doing the work. `network_id` is copied from the initiative so that the one
//!   access query reads a team's network directly. `bright_since` is the first period of the
//!   signal a team was last announced as a bright spot for (null while it is not one), so
//!   each signal is announced once.
//! - `check_ins` (one per team and period, unique) and `check_in_revisions` (the values a
//!   resubmission replaced).
//! - `tests_of_change`: PDSA cycles, with `adopted_from` linking a "try this" to the test
//!   it copied.
//! - `check_in_reminders`: one row per team, period and member reminded, so a reminder goes
//!   out once.

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
            .create_table(
                Table::create()
                    .table(Initiatives::Table)
                    .col(id_column(Initiatives::Id))
                    .col(foreign_id(Initiatives::NetworkId))
                    .col(foreign_id(Initiatives::CreatedBy))
                    .col(string(Initiatives::Title))
                    .col(text(Initiatives::Problem))
                    .col(text(Initiatives::ProblemHtml))
                    .col(text(Initiatives::Aim))
                    .col(string(Initiatives::MeasureName))
                    .col(string(Initiatives::MeasureUnit))
                    .col(string(Initiatives::Direction))
                    .col(string(Initiatives::Cadence))
                    .col(ColumnDef::new(Initiatives::Target).double().null())
                    .col(string(Initiatives::Stage))
                    .col(string(Initiatives::Status))
                    .col(
                        ColumnDef::new(Initiatives::DiscussionThreadId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Initiatives::BaselineFrom).date().null())
                    .col(timestamp(Initiatives::CreatedAt))
                    .col(timestamp(Initiatives::UpdatedAt))
                    .foreign_key(&mut cascade(
                        (Initiatives::Table, Initiatives::NetworkId),
                        (Networks::Table, Networks::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Initiatives::Table, Initiatives::CreatedBy),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_initiatives_network",
            Initiatives::Table,
            vec![
                Initiatives::NetworkId.into_iden(),
                Initiatives::Id.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InitiativeTeams::Table)
                    .col(id_column(InitiativeTeams::Id))
                    .col(foreign_id(InitiativeTeams::InitiativeId))
                    .col(foreign_id(InitiativeTeams::NetworkId))
                    .col(string(InitiativeTeams::Name))
                    .col(
                        ColumnDef::new(InitiativeTeams::Organization)
                            .string()
                            .null(),
                    )
                    .col(ColumnDef::new(InitiativeTeams::BaselineFrom).date().null())
                    .col(ColumnDef::new(InitiativeTeams::BrightSince).date().null())
                    .col(timestamp(InitiativeTeams::CreatedAt))
                    .col(timestamp(InitiativeTeams::UpdatedAt))
                    .col(optional_timestamp(InitiativeTeams::DeletedAt))
                    .foreign_key(&mut cascade(
                        (InitiativeTeams::Table, InitiativeTeams::InitiativeId),
                        (Initiatives::Table, Initiatives::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (InitiativeTeams::Table, InitiativeTeams::NetworkId),
                        (Networks::Table, Networks::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_initiative_teams_initiative",
            InitiativeTeams::Table,
            vec![InitiativeTeams::InitiativeId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InitiativeTeamMembers::Table)
                    .col(foreign_id(InitiativeTeamMembers::TeamId))
                    .col(foreign_id(InitiativeTeamMembers::MemberId))
                    .col(timestamp(InitiativeTeamMembers::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(InitiativeTeamMembers::TeamId)
                            .col(InitiativeTeamMembers::MemberId),
                    )
                    .foreign_key(&mut cascade(
                        (InitiativeTeamMembers::Table, InitiativeTeamMembers::TeamId),
                        (InitiativeTeams::Table, InitiativeTeams::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (
                            InitiativeTeamMembers::Table,
                            InitiativeTeamMembers::MemberId,
                        ),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_initiative_team_members_member",
            InitiativeTeamMembers::Table,
            vec![InitiativeTeamMembers::MemberId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckIns::Table)
                    .col(id_column(CheckIns::Id))
                    .col(foreign_id(CheckIns::TeamId))
                    .col(foreign_id(CheckIns::InitiativeId))
                    .col(ColumnDef::new(CheckIns::Period).date().not_null())
                    .col(ColumnDef::new(CheckIns::Value).double().not_null())
                    .col(text(CheckIns::Note))
                    .col(foreign_id(CheckIns::SubmittedBy))
                    .col(timestamp(CheckIns::SubmittedAt))
                    .col(timestamp(CheckIns::CreatedAt))
                    .foreign_key(&mut cascade(
                        (CheckIns::Table, CheckIns::TeamId),
                        (InitiativeTeams::Table, InitiativeTeams::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (CheckIns::Table, CheckIns::InitiativeId),
                        (Initiatives::Table, Initiatives::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (CheckIns::Table, CheckIns::SubmittedBy),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "check_ins_one_per_period",
            CheckIns::Table,
            vec![CheckIns::TeamId.into_iden(), CheckIns::Period.into_iden()],
            true,
        )
        .await?;
        index(
            manager,
            "idx_check_ins_initiative_period",
            CheckIns::Table,
            vec![
                CheckIns::InitiativeId.into_iden(),
                CheckIns::Period.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckInRevisions::Table)
                    .col(id_column(CheckInRevisions::Id))
                    .col(foreign_id(CheckInRevisions::CheckInId))
                    .col(ColumnDef::new(CheckInRevisions::Value).double().not_null())
                    .col(text(CheckInRevisions::Note))
                    .col(foreign_id(CheckInRevisions::SubmittedBy))
                    .col(timestamp(CheckInRevisions::SubmittedAt))
                    .col(timestamp(CheckInRevisions::ReplacedAt))
                    .foreign_key(&mut cascade(
                        (CheckInRevisions::Table, CheckInRevisions::CheckInId),
                        (CheckIns::Table, CheckIns::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (CheckInRevisions::Table, CheckInRevisions::SubmittedBy),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_check_in_revisions_check_in",
            CheckInRevisions::Table,
            vec![CheckInRevisions::CheckInId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TestsOfChange::Table)
                    .col(id_column(TestsOfChange::Id))
                    .col(foreign_id(TestsOfChange::InitiativeId))
                    .col(foreign_id(TestsOfChange::TeamId))
                    .col(foreign_id(TestsOfChange::NetworkId))
                    .col(foreign_id(TestsOfChange::CreatedBy))
                    .col(string(TestsOfChange::ChangeIdea))
                    .col(text(TestsOfChange::PlanWhat))
                    .col(text(TestsOfChange::PlanWho))
                    .col(text(TestsOfChange::PlanWhen))
                    .col(text(TestsOfChange::Prediction))
                    .col(string(TestsOfChange::Status))
                    .col(text(TestsOfChange::DoNotes))
                    .col(text(TestsOfChange::Study))
                    .col(ColumnDef::new(TestsOfChange::Act).string().null())
                    .col(
                        ColumnDef::new(TestsOfChange::DiscussionThreadId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(TestsOfChange::AdoptedFrom)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(TestsOfChange::StartedOn).date().null())
                    .col(timestamp(TestsOfChange::CreatedAt))
                    .col(timestamp(TestsOfChange::UpdatedAt))
                    .col(optional_timestamp(TestsOfChange::ActedAt))
                    .foreign_key(&mut cascade(
                        (TestsOfChange::Table, TestsOfChange::InitiativeId),
                        (Initiatives::Table, Initiatives::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (TestsOfChange::Table, TestsOfChange::TeamId),
                        (InitiativeTeams::Table, InitiativeTeams::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (TestsOfChange::Table, TestsOfChange::NetworkId),
                        (Networks::Table, Networks::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (TestsOfChange::Table, TestsOfChange::CreatedBy),
                        (Members::Table, Members::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TestsOfChange::Table, TestsOfChange::AdoptedFrom)
                            .to(TestsOfChange::Table, TestsOfChange::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tests_of_change_initiative",
            TestsOfChange::Table,
            vec![TestsOfChange::InitiativeId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_tests_of_change_adopted_from",
            TestsOfChange::Table,
            vec![TestsOfChange::AdoptedFrom.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckInReminders::Table)
                    .col(foreign_id(CheckInReminders::TeamId))
                    .col(ColumnDef::new(CheckInReminders::Period).date().not_null())
                    .col(foreign_id(CheckInReminders::MemberId))
                    .col(timestamp(CheckInReminders::SentAt))
                    .primary_key(
                        Index::create()
                            .col(CheckInReminders::TeamId)
                            .col(CheckInReminders::Period)
                            .col(CheckInReminders::MemberId),
                    )
                    .foreign_key(&mut cascade(
                        (CheckInReminders::Table, CheckInReminders::TeamId),
                        (InitiativeTeams::Table, InitiativeTeams::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (CheckInReminders::Table, CheckInReminders::MemberId),
                        (Members::Table, Members::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CheckInReminders::Table.into_iden(),
            TestsOfChange::Table.into_iden(),
            CheckInRevisions::Table.into_iden(),
            CheckIns::Table.into_iden(),
            InitiativeTeamMembers::Table.into_iden(),
            InitiativeTeams::Table.into_iden(),
            Initiatives::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Initiatives {
    Table,
    Id,
    NetworkId,
    CreatedBy,
    Title,
    Problem,
    ProblemHtml,
    Aim,
    MeasureName,
    MeasureUnit,
    Direction,
    Cadence,
    Target,
    Stage,
    Status,
    DiscussionThreadId,
    BaselineFrom,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InitiativeTeams {
    Table,
    Id,
    InitiativeId,
    NetworkId,
    Name,
    Organization,
    BaselineFrom,
    BrightSince,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum InitiativeTeamMembers {
    Table,
    TeamId,
    MemberId,
    AddedAt,
}

#[derive(DeriveIden)]
enum CheckIns {
    Table,
    Id,
    TeamId,
    InitiativeId,
    Period,
    Value,
    Note,
    SubmittedBy,
    SubmittedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CheckInRevisions {
    Table,
    Id,
    CheckInId,
    Value,
    Note,
    SubmittedBy,
    SubmittedAt,
    ReplacedAt,
}

#[derive(DeriveIden)]
enum TestsOfChange {
    Table,
    Id,
    InitiativeId,
    TeamId,
    NetworkId,
    CreatedBy,
    ChangeIdea,
    PlanWhat,
    PlanWho,
    PlanWhen,
    Prediction,
    Status,
    DoNotes,
    Study,
    Act,
    DiscussionThreadId,
    AdoptedFrom,
    StartedOn,
    CreatedAt,
    UpdatedAt,
    ActedAt,
}

#[derive(DeriveIden)]
enum CheckInReminders {
    Table,
    TeamId,
    Period,
    MemberId,
    SentAt,
}
