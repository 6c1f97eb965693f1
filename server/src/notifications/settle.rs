//! Settling: when a member reads what their notifications told them of, those notifications
//! are marked read in the transaction of the read, and every tab they have open hears of it
//! in one `notification.read` event on their `me` topic.

use super::service::{unread_count, UnreadCount};
use crate::entities::{action_items, initiative_teams, notifications, posts};
use crate::error::ApiResult;
use crate::events::{EventKind, NewEvent, Topic};
use crate::ids::{ApiId, MemberId, PostId, ThreadId};
use crate::item_reads::{self, ReadItem};
use crate::tx::Tx;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// What a member has just read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A thread's posts up to and including this one: their read marker is there now.
    ThreadUpTo(ThreadId, PostId),
    /// A help request: responses, offers, an accepted answer, a call for expertise.
    HelpRequest(i64),
    Poll(i64),
    /// A convening, with the action items of it assigned to the member.
    Convening(i64),
    Resource(i64),
    /// An initiative: its bright spots, and the check-in reminders of its teams (the
    /// initiative's page shows which checked in).
    Initiative(i64),
    /// A test of change: other teams trying it.
    TestOfChange(i64),
    /// A direct conversation.
    Conversation(i64),
}

impl Subject {
    /// The notifications about this subject, of any recipient.
    fn about(self) -> Condition {
        use notifications::Column as N;
        let is = |subject_type: &str, id: i64| {
            Condition::all()
                .add(N::SubjectType.eq(subject_type))
                .add(N::SubjectId.eq(id))
        };
        match self {
            Subject::ThreadUpTo(thread, post) => {
                Condition::all().add(N::SubjectType.eq("post")).add(
                    N::SubjectId.in_subquery(
                        Query::select()
                            .column(posts::Column::Id)
                            .from(posts::Entity)
                            .and_where(posts::Column::ThreadId.eq(thread.get()))
                            .and_where(posts::Column::Id.lte(post.get()))
                            .to_owned(),
                    ),
                )
            }
            Subject::HelpRequest(id) => is("help_request", id),
            Subject::Poll(id) => is("poll", id),
            Subject::Convening(id) => Condition::any().add(is("convening", id)).add(
                Condition::all().add(N::SubjectType.eq("action_item")).add(
                    N::SubjectId.in_subquery(
                        Query::select()
                            .column(action_items::Column::Id)
                            .from(action_items::Entity)
                            .and_where(action_items::Column::ConveningId.eq(id))
                            .to_owned(),
                    ),
                ),
            ),
            Subject::Resource(id) => is("resource", id),
            Subject::Initiative(id) => Condition::any().add(is("initiative", id)).add(
                Condition::all().add(N::SubjectType.eq("team")).add(
                    N::SubjectId.in_subquery(
                        Query::select()
                            .column(initiative_teams::Column::Id)
                            .from(initiative_teams::Entity)
                            .and_where(initiative_teams::Column::InitiativeId.eq(id))
                            .to_owned(),
                    ),
                ),
            ),
            Subject::TestOfChange(id) => is("test_of_change", id),
            Subject::Conversation(id) => is("conversation", id),
        }
    }
}

/// Marks read `member`'s unread notifications about `subject`, in `txn`, and tells their
/// tabs; returns the ids it marked (none: no event).
pub async fn settle(txn: &Tx, member: MemberId, subject: Subject) -> Result<Vec<i64>, DbErr> {
    mark(txn, member, subject.about()).await
}

/// `member` opened `item` `id`, which the caller has decided they may see: records it
/// (`item_reads`), settles their notifications about it, and answers with how many of
/// their notifications are still unread.
pub async fn opened(txn: &Tx, member: MemberId, item: ReadItem, id: i64) -> ApiResult<UnreadCount> {
    item_reads::record(txn, member, item, id).await?;
    let subject = match item {
        ReadItem::HelpRequest => Subject::HelpRequest(id),
        ReadItem::Poll => Subject::Poll(id),
        ReadItem::Convening => Subject::Convening(id),
        ReadItem::Resource => Subject::Resource(id),
        ReadItem::Initiative => Subject::Initiative(id),
        ReadItem::Test => Subject::TestOfChange(id),
    };
    settle(txn, member, subject).await?;
    unread_count(txn, member).await
}

/// Marks read `member`'s unread notifications of `ids`, or all of them, and tells their tabs.
pub async fn settle_ids(
    txn: &Tx,
    member: MemberId,
    ids: Option<&[i64]>,
) -> Result<Vec<i64>, DbErr> {
    let which = match ids {
        Some(ids) => Condition::all().add(notifications::Column::Id.is_in(ids.iter().copied())),
        None => Condition::all(),
    };
    mark(txn, member, which).await
}

async fn mark(txn: &Tx, member: MemberId, which: Condition) -> Result<Vec<i64>, DbErr> {
    let unread = Condition::all()
        .add(notifications::Column::RecipientId.eq(member.get()))
        .add(notifications::Column::ReadAt.is_null())
        .add(which);
    let ids: Vec<i64> = notifications::Entity::find()
        .select_only()
        .column(notifications::Column::Id)
        .filter(unread.clone())
        .order_by_asc(notifications::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    if ids.is_empty() {
        return Ok(ids);
    }
    notifications::Entity::update_many()
        .col_expr(
            notifications::Column::ReadAt,
            Expr::value(crate::clock::now()),
        )
        .filter(unread)
        .filter(notifications::Column::Id.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    txn.emit(NewEvent {
        kind: EventKind::NotificationRead,
        topic: Topic::Member(member.get()),
        // Ids only, of the member's own notifications: nothing in it needs a network's
        // permission, so it replays whatever the member can see now.
        network_id: None,
        thread_id: None,
        recipient_id: Some(member.get()),
        actor_id: Some(member.get()),
        subject_id: None,
        payload: serde_json::json!({
            "ids": ids.iter().copied().map(ApiId).collect::<Vec<_>>(),
        }),
    });
    Ok(ids)
}
