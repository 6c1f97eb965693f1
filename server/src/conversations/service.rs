//! Starting conversations, sending messages, reading them and marking them read.

use super::model::{self, Refusal, MAX_PARTICIPANTS};
use super::queries::{self, ActivityCursor};
use super::views::{ConversationPage, ConversationView, MessageView, Started};
use crate::db::Writer;
use crate::entities::{
    conversation_participants, conversations, direct_messages, members, notifications,
};
use crate::error::{ApiError, ApiResult};
use crate::events::{EventKind, NewEvent, Topic};
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::{ApiId, MemberId};
use crate::markdown::{plain_text, Markdown};
use crate::notifications::records::{NewNotification, NotificationKind};
use crate::notifications::settle::{settle, Subject};
use crate::paging::IdPage;
use crate::text::MarkdownBody;
use crate::tx::Tx;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set,
};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartConversation {
    /// The others to talk with (1 to 19); every pair of participants must share a network.
    pub member_ids: Vec<ApiId>,
    /// The first message (markdown).
    pub body: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    pub body: String,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// Read up to this message; absent: up to the latest.
    pub last_read_message_id: Option<ApiId>,
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        ApiError::Forbidden(refusal.message())
    }
}

fn parse_body(raw: &str) -> ApiResult<MarkdownBody> {
    MarkdownBody::required("body", raw)
}

/// Starts a conversation with `member_ids` and sends its first message. Two people who
/// already have a conversation of their own continue it instead.
pub async fn start(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    input: StartConversation,
) -> ApiResult<Started> {
    let body = parse_body(&input.body)?;
    let others: Vec<i64> = input
        .member_ids
        .iter()
        .map(|id| id.0)
        .filter(|id| *id != actor.get())
        .collect();
    let participants = model::participants(actor.get(), &others);
    if participants.len() < 2 {
        return Err(ApiError::invalid(
            "member_ids",
            "name at least one other member",
        ));
    }
    if participants.len() > MAX_PARTICIPANTS {
        return Err(ApiError::invalid(
            "member_ids",
            format!("a conversation has at most {MAX_PARTICIPANTS} people"),
        ));
    }
    let body_html = body.render(markdown);
    let txn = Tx::begin(db).await?;
    let found = members::Entity::find()
        .filter(members::Column::Id.is_in(participants.iter().copied()))
        .count(&txn)
        .await?;
    let networks = crate::networks::visibility::members_networks(&txn, &participants).await?;
    // Members who do not exist and members the starter shares no network with get the same
    // answer, so the list cannot be used to probe who is on the instance.
    if found != participants.len() as u64
        || !model::every_pair_shares_a_network(&participants, &networks)
    {
        return Err(ApiError::invalid(
            "member_ids",
            Refusal::NoSharedNetwork.message(),
        ));
    }
    let others: Vec<i64> = participants
        .iter()
        .copied()
        .filter(|p| *p != actor.get())
        .collect();
    let blocks = queries::blocks_among(&txn, &participants).await?;
    model::may_send(actor.get(), &others, &networks, &blocks)?;
    let now = crate::clock::now();
    let existing = match others.as_slice() {
        [other] => queries::between_two(&txn, actor.get(), *other).await?,
        _ => None,
    };
    let (conversation_id, created) = match existing {
        Some(id) => (id, false),
        None => {
            let conversation = conversations::ActiveModel {
                created_by: Set(actor.get()),
                last_message_id: Set(0),
                last_message_at: Set(now),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            conversation_participants::Entity::insert_many(participants.iter().map(|member| {
                conversation_participants::ActiveModel {
                    conversation_id: Set(conversation.id),
                    member_id: Set(*member),
                    last_read_message_id: Set(0),
                    joined_at: Set(now),
                }
            }))
            .exec(&txn)
            .await?;
            (conversation.id, true)
        }
    };
    let message = deliver(&txn, actor, conversation_id, &participants, body, body_html).await?;
    let conversation = view_in(&txn, actor, conversation_id).await?;
    txn.commit().await?;
    Ok(Started {
        conversation,
        message,
        created,
    })
}

/// Sends a message to a conversation the actor takes part in.
pub async fn send(
    db: &Writer,
    markdown: &Markdown,
    actor: MemberId,
    conversation_id: i64,
    input: SendMessage,
) -> ApiResult<MessageView> {
    let body = parse_body(&input.body)?;
    let body_html = body.render(markdown);
    let txn = Tx::begin(db).await?;
    let (_, participants) = queries::load_as_participant(&txn, actor, conversation_id).await?;
    let others: Vec<i64> = participants
        .iter()
        .copied()
        .filter(|p| *p != actor.get())
        .collect();
    queries::may_send(&txn, actor.get(), &others).await??;
    let message = deliver(&txn, actor, conversation_id, &participants, body, body_html).await?;
    txn.commit().await?;
    Ok(message)
}

/// Stores a message, moves the conversation's activity, marks it read for its author, and
/// tells every participant: a `message.created` event on each one's `me` topic and, for
/// the others, a `direct_message` notification unless one about this conversation is still
/// unread (one nudge per unread conversation, not one per message).
async fn deliver(
    txn: &Tx,
    actor: MemberId,
    conversation_id: i64,
    participants: &[i64],
    body: MarkdownBody,
    body_html: String,
) -> ApiResult<MessageView> {
    let now = crate::clock::now();
    let excerpt = excerpt_of(body.as_str());
    let message = direct_messages::ActiveModel {
        conversation_id: Set(conversation_id),
        author_id: Set(actor.get()),
        body: Set(body.into_string()),
        body_html: Set(body_html),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::LastMessageId,
            Expr::value(message.id),
        )
        .col_expr(conversations::Column::LastMessageAt, Expr::value(now))
        .filter(conversations::Column::Id.eq(conversation_id))
        .exec(txn)
        .await?;
    conversation_participants::Entity::update_many()
        .col_expr(
            conversation_participants::Column::LastReadMessageId,
            Expr::value(message.id),
        )
        .filter(conversation_participants::Column::ConversationId.eq(conversation_id))
        .filter(conversation_participants::Column::MemberId.eq(actor))
        .exec(txn)
        .await?;
    let view = queries::message_views(txn, std::slice::from_ref(&message))
        .await?
        .remove(0);
    let payload = serde_json::json!({
        "conversation_id": ApiId(conversation_id),
        "participant_ids": participants.iter().map(|p| ApiId(*p)).collect::<Vec<_>>(),
        "message": view,
    });
    for participant in participants {
        txn.emit(NewEvent {
            kind: EventKind::MessageCreated,
            topic: Topic::Member(*participant),
            network_id: None,
            thread_id: None,
            recipient_id: Some(*participant),
            actor_id: Some(actor.get()),
            subject_id: Some(message.id),
            payload: payload.clone(),
        });
    }
    let nudged: Vec<i64> = notifications::Entity::find()
        .select_only()
        .column(notifications::Column::RecipientId)
        // By recipient first: the notifications index leads with it.
        .filter(notifications::Column::RecipientId.is_in(participants.iter().copied()))
        .filter(notifications::Column::Kind.eq(NotificationKind::DirectMessage.as_str()))
        .filter(notifications::Column::SubjectId.eq(conversation_id))
        .filter(notifications::Column::ReadAt.is_null())
        .into_tuple()
        .all(txn)
        .await?;
    let data = serde_json::json!({
        "conversation_id": ApiId(conversation_id),
        "message_id": ApiId(message.id),
        "excerpt": excerpt,
    });
    crate::notifications::records::notify_all(
        txn,
        participants
            .iter()
            .filter(|p| **p != actor.get() && !nudged.contains(p))
            .map(|recipient| NewNotification {
                recipient_id: *recipient,
                kind: NotificationKind::DirectMessage,
                subject_type: "conversation",
                subject_id: conversation_id,
                network_id: None,
                actor_id: Some(actor.get()),
                data: data.clone(),
            })
            .collect(),
    )
    .await?;
    Ok(view)
}

/// The first words of a message (markdown source), for notifications.
fn excerpt_of(body: &str) -> String {
    let text = plain_text(body)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut excerpt: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        excerpt.push('…');
    }
    excerpt
}

async fn view_in(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    conversation_id: i64,
) -> ApiResult<ConversationView> {
    let row = conversations::Entity::find_by_id(conversation_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(queries::views(db, viewer, std::slice::from_ref(&row))
        .await?
        .remove(0))
}

pub async fn get(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    conversation_id: i64,
) -> ApiResult<ConversationView> {
    let (conversation, _) = queries::load_as_participant(db, viewer, conversation_id).await?;
    Ok(
        queries::views(db, viewer, std::slice::from_ref(&conversation))
            .await?
            .remove(0),
    )
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    page: &PageQuery,
) -> ApiResult<ConversationPage> {
    let limit = page.limit()?;
    let cursor: Option<ActivityCursor> = page.cursor()?;
    if let Some(cursor) = &cursor {
        crate::extract::plausible_time(cursor.last_message_at)?;
    }
    let rows = queries::page(db, viewer, cursor.as_ref(), limit).await?;
    let (rows, next_cursor) = split_page(rows, limit, |r| ActivityCursor {
        last_message_at: r.last_message_at,
        id: r.id,
    });
    Ok(ConversationPage {
        items: queries::views(db, viewer, &rows).await?,
        next_cursor,
        unread_count: queries::unread_counts(db, viewer, None)
            .await?
            .values()
            .sum(),
    })
}

/// Messages, newest first (the cursor walks back in time).
pub async fn messages(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    conversation_id: i64,
    page: &PageQuery,
) -> ApiResult<Page<MessageView>> {
    queries::load_as_participant(db, viewer, conversation_id).await?;
    let page = IdPage::of(page)?;
    let rows = queries::messages_page(db, conversation_id, page).await?;
    let (rows, next_cursor) = page.split(rows, |m| m.id);
    Ok(Page {
        items: queries::message_views(db, &rows).await?,
        next_cursor,
    })
}

/// Moves the viewer's read marker forward (never back), settles their notifications about
/// the conversation, and tells their other tabs (`conversation.read`, then
/// `notification.read` when a notification was settled, on `me`).
pub async fn mark_read(
    db: &Writer,
    viewer: MemberId,
    conversation_id: i64,
    input: MarkRead,
) -> ApiResult<ConversationView> {
    let txn = Tx::begin(db).await?;
    let (conversation, _) = queries::load_as_participant(&txn, viewer, conversation_id).await?;
    let upto = match input.last_read_message_id {
        None => conversation.last_message_id,
        Some(id) => {
            let belongs = direct_messages::Entity::find_by_id(id.0)
                .one(&txn)
                .await?
                .is_some_and(|m| m.conversation_id == conversation_id);
            if !belongs {
                return Err(ApiError::invalid(
                    "last_read_message_id",
                    "is not a message of this conversation",
                ));
            }
            id.0
        }
    };
    conversation_participants::Entity::update_many()
        .col_expr(
            conversation_participants::Column::LastReadMessageId,
            Expr::value(upto),
        )
        .filter(conversation_participants::Column::ConversationId.eq(conversation_id))
        .filter(conversation_participants::Column::MemberId.eq(viewer))
        .filter(conversation_participants::Column::LastReadMessageId.lt(upto))
        .exec(&txn)
        .await?;
    let view = view_in(&txn, viewer, conversation_id).await?;
    let unread_total: u64 = queries::unread_counts(&txn, viewer, None)
        .await?
        .values()
        .sum();
    txn.emit(NewEvent {
        kind: EventKind::ConversationRead,
        topic: Topic::Member(viewer.get()),
        network_id: None,
        thread_id: None,
        recipient_id: Some(viewer.get()),
        actor_id: Some(viewer.get()),
        subject_id: Some(conversation_id),
        payload: serde_json::json!({
            "conversation_id": ApiId(conversation_id),
            "last_read_message_id": view.last_read_message_id,
            "unread_count": unread_total,
        }),
    });
    settle(&txn, viewer, Subject::Conversation(conversation_id)).await?;
    txn.commit().await?;
    Ok(view)
}
