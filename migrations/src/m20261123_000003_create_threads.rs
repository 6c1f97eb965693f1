//! Threads, their posts, and each member's relation to them: reactions, follow levels,
//! read markers and mentions.

use crate::m20261123_000001_create_members::Members;
use crate::m20261123_000002_create_networks::Networks;
use crate::{foreign_id, id_column, optional_timestamp, timestamp};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn cascade_to_members(
    table: Threads2Members,
    column: Threads2Members,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Members::Table, Members::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Threads::Table)
                    .col(id_column(Threads::Id))
                    .col(foreign_id(Threads::NetworkId))
                    .col(foreign_id(Threads::AuthorId))
                    .col(ColumnDef::new(Threads::Title).string().not_null())
                    .col(
                        ColumnDef::new(Threads::IsPinned)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Threads::IsLocked)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Threads::ReplyCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Threads::LastPostId).big_integer().null())
                    .col(timestamp(Threads::LastActivityAt))
                    .col(timestamp(Threads::CreatedAt))
                    .col(timestamp(Threads::UpdatedAt))
                    .col(optional_timestamp(Threads::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Threads::Table, Threads::NetworkId)
                            .to(Networks::Table, Networks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut cascade_to_members(
                        Threads2Members::Threads,
                        Threads2Members::AuthorId,
                    ))
                    .to_owned(),
            )
            .await?;
        // The thread list reads newest activity first, pinned on top, within one network.
        manager
            .create_index(
                Index::create()
                    .name("idx_threads_listing")
                    .table(Threads::Table)
                    .col(Threads::NetworkId)
                    .col(Threads::IsPinned)
                    .col(Threads::LastActivityAt)
                    .col(Threads::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ThreadTags::Table)
                    .col(foreign_id(ThreadTags::ThreadId))
                    .col(ColumnDef::new(ThreadTags::Tag).string().not_null())
                    .primary_key(
                        Index::create()
                            .col(ThreadTags::ThreadId)
                            .col(ThreadTags::Tag),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThreadTags::Table, ThreadTags::ThreadId)
                            .to(Threads::Table, Threads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_thread_tags_tag")
                    .table(ThreadTags::Table)
                    .col(ThreadTags::Tag)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Posts::Table)
                    .col(id_column(Posts::Id))
                    .col(foreign_id(Posts::ThreadId))
                    .col(foreign_id(Posts::AuthorId))
                    .col(ColumnDef::new(Posts::ReplyToPostId).big_integer().null())
                    .col(ColumnDef::new(Posts::PostNumber).integer().not_null())
                    .col(ColumnDef::new(Posts::Body).text().not_null())
                    .col(ColumnDef::new(Posts::BodyHtml).text().not_null())
                    .col(timestamp(Posts::CreatedAt))
                    .col(timestamp(Posts::UpdatedAt))
                    .col(optional_timestamp(Posts::EditedAt))
                    .col(optional_timestamp(Posts::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Posts::Table, Posts::ThreadId)
                            .to(Threads::Table, Threads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut cascade_to_members(
                        Threads2Members::Posts,
                        Threads2Members::AuthorId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_posts_thread")
                    .table(Posts::Table)
                    .col(Posts::ThreadId)
                    .col(Posts::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PostMentions::Table)
                    .col(foreign_id(PostMentions::PostId))
                    .col(foreign_id(PostMentions::MemberId))
                    .primary_key(
                        Index::create()
                            .col(PostMentions::PostId)
                            .col(PostMentions::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostMentions::Table, PostMentions::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut cascade_to_members(
                        Threads2Members::PostMentions,
                        Threads2Members::MemberId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reactions::Table)
                    .col(foreign_id(Reactions::PostId))
                    .col(foreign_id(Reactions::MemberId))
                    .col(ColumnDef::new(Reactions::Kind).string().not_null())
                    .col(timestamp(Reactions::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Reactions::PostId)
                            .col(Reactions::MemberId)
                            .col(Reactions::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reactions::Table, Reactions::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut cascade_to_members(
                        Threads2Members::Reactions,
                        Threads2Members::MemberId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ThreadSubscriptions::Table)
                    .col(foreign_id(ThreadSubscriptions::ThreadId))
                    .col(foreign_id(ThreadSubscriptions::MemberId))
                    .col(
                        ColumnDef::new(ThreadSubscriptions::Level)
                            .string()
                            .not_null(),
                    )
                    .col(timestamp(ThreadSubscriptions::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(ThreadSubscriptions::ThreadId)
                            .col(ThreadSubscriptions::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThreadSubscriptions::Table, ThreadSubscriptions::ThreadId)
                            .to(Threads::Table, Threads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut cascade_to_members(
                        Threads2Members::ThreadSubscriptions,
                        Threads2Members::MemberId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReadMarkers::Table)
                    .col(foreign_id(ReadMarkers::ThreadId))
                    .col(foreign_id(ReadMarkers::MemberId))
                    .col(foreign_id(ReadMarkers::LastReadPostId))
                    .col(timestamp(ReadMarkers::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(ReadMarkers::ThreadId)
                            .col(ReadMarkers::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReadMarkers::Table, ReadMarkers::ThreadId)
                            .to(Threads::Table, Threads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut cascade_to_members(
                        Threads2Members::ReadMarkers,
                        Threads2Members::MemberId,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReadMarkers::Table.into_iden(),
            ThreadSubscriptions::Table.into_iden(),
            Reactions::Table.into_iden(),
            PostMentions::Table.into_iden(),
            Posts::Table.into_iden(),
            ThreadTags::Table.into_iden(),
            Threads::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Table and column names used only to point foreign keys at `members`.
#[derive(DeriveIden)]
enum Threads2Members {
    Threads,
    Posts,
    PostMentions,
    Reactions,
    ThreadSubscriptions,
    ReadMarkers,
    AuthorId,
    MemberId,
}

#[derive(DeriveIden)]
pub(crate) enum Threads {
    Table,
    Id,
    NetworkId,
    AuthorId,
    Title,
    IsPinned,
    IsLocked,
    ReplyCount,
    LastPostId,
    LastActivityAt,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum ThreadTags {
    Table,
    ThreadId,
    Tag,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    ThreadId,
    AuthorId,
    ReplyToPostId,
    PostNumber,
    Body,
    BodyHtml,
    CreatedAt,
    UpdatedAt,
    EditedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum PostMentions {
    Table,
    PostId,
    MemberId,
}

#[derive(DeriveIden)]
enum Reactions {
    Table,
    PostId,
    MemberId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ThreadSubscriptions {
    Table,
    ThreadId,
    MemberId,
    Level,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReadMarkers {
    Table,
    ThreadId,
    MemberId,
    LastReadPostId,
    UpdatedAt,
}
