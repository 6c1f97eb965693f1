//! That a member opened a help request, poll, convening, resource, initiative or test of
//! change, and when they last read it. Threads have read markers by post
//! (`threads::following`); these things are read as a whole, so one time says what is new
//! in them. The feed's `new` and `unread` read these rows; opening a thing writes them.

use crate::entities::item_reads;
use crate::ids::MemberId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// What kind of thing was read. The string forms are stored, and are the `subject_type`
/// of notifications about the same things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadItem {
    HelpRequest,
    Poll,
    Convening,
    Resource,
    Initiative,
    Test,
}

impl ReadItem {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadItem::HelpRequest => "help_request",
            ReadItem::Poll => "poll",
            ReadItem::Convening => "convening",
            ReadItem::Resource => "resource",
            ReadItem::Initiative => "initiative",
            ReadItem::Test => "test",
        }
    }
}

/// Records that `member` read `item` `id` now: the first time also says when it was first
/// opened, later times only move `read_at` forward.
pub async fn record(
    db: &impl ConnectionTrait,
    member: MemberId,
    item: ReadItem,
    id: i64,
) -> Result<(), DbErr> {
    let now = crate::clock::now();
    item_reads::Entity::insert(item_reads::ActiveModel {
        member_id: Set(member.get()),
        subject_type: Set(item.as_str().to_owned()),
        subject_id: Set(id),
        first_opened_at: Set(now),
        read_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            item_reads::Column::MemberId,
            item_reads::Column::SubjectType,
            item_reads::Column::SubjectId,
        ])
        .update_column(item_reads::Column::ReadAt)
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
