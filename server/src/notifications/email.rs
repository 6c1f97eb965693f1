//! Notification emails: what a member was notified of and has not seen, sent once the
//! oldest of it has waited `notification_emails.batch_window_secs`, all of it in one email
//! (a burst of replies is one email, not ten), and only the kinds they want.
//!
//! Each notification is settled once (`emailed_at`), emailed or not, in the transaction
//! that queues the email: a crash re-sends nothing and skips nothing. At composing time the
//! worker leaves out what the member read on the site meanwhile (the notification, or the
//! thread past that post), what they turned off, anything from a network they can no
//! longer see, and anything about a post, thread or help request deleted since; and the
//! mail worker withdraws a queued email whose notifications were read, edited or deleted
//! before it went, to be composed again (`StaleEmails`). What a post or request says is
//! read from it at that moment (`subjects.rs`): an edit shows its current words, and a
//! deleted one's never go out.

use super::email_render::{self, Line};
use super::subjects::Subjects;
use crate::db::Db;
use crate::entities::{members, notifications, read_markers};
use crate::ids::MemberId;
use crate::mail::recheck::{Claimed, Recheck};
use crate::mail::unsubscribe::{EmailKind, Unsubscribe};
use crate::mail::{ListHeaders, MailKind};
use crate::members::profile::EmailNotifications;
use crate::networks::visibility;
use crate::shutdown::ShutdownSignal;
use crate::state::AppState;
use crate::tx::Tx;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tracing::Instrument;

/// Older notifications are never emailed (they were settled while emails were off, or
/// the member was told in a digest): an email about last month's mention helps nobody.
const MAX_AGE_HOURS: i64 = 48;
/// Members handled per pass.
const MEMBERS_PER_PASS: u64 = 200;

/// The kind of email a notification belongs to; `None` for kinds never emailed (new posts
/// in followed threads wait for the digest; invitations have their own email).
pub fn email_kind(notification_kind: &str) -> Option<EmailKind> {
    match notification_kind {
        "mentioned" | "replied" => Some(EmailKind::Mentioned),
        "help_responded" | "help_offered" => Some(EmailKind::HelpResponded),
        "answer_accepted" => Some(EmailKind::AnswerAccepted),
        "expertise_requested" => Some(EmailKind::ExpertiseRequested),
        "action_item_assigned" => Some(EmailKind::ActionItemAssigned),
        "direct_message" => Some(EmailKind::DirectMessage),
        _ => None,
    }
}

/// What happened to one member's pending notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// One email with this many notifications.
    Emailed(usize),
    /// Settled without an email (read, turned off, out of reach).
    Settled,
    /// Another instance holds the member.
    Busy,
}

/// Members with a notification waiting longer than the window at `now`.
async fn due_members(
    db: &impl ConnectionTrait,
    window: ChronoDuration,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    notifications::Entity::find()
        .select_only()
        .column(notifications::Column::RecipientId)
        .filter(notifications::Column::EmailedAt.is_null())
        .filter(notifications::Column::CreatedAt.gt(now - ChronoDuration::hours(MAX_AGE_HOURS)))
        .filter(notifications::Column::CreatedAt.lte(now - window))
        .distinct()
        .limit(MEMBERS_PER_PASS)
        .into_tuple()
        .all(db)
        .await
}

/// Settles `member_id`'s pending notifications at `now`, emailing those that still matter.
pub async fn deliver(
    state: &AppState,
    member_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    let txn = Tx::begin(state.db.writer()).await?;
    // Instances share the run: whoever holds the member's row composes; the others move
    // on rather than wait.
    if !crate::members::queries::lock_for_mail(&txn, member_id).await? {
        return Ok(Outcome::Busy);
    }
    let Some(member) = members::Entity::find_by_id(member_id).one(&txn).await? else {
        return Ok(Outcome::Settled);
    };
    let pending = notifications::Entity::find()
        .filter(notifications::Column::RecipientId.eq(member_id))
        .filter(notifications::Column::EmailedAt.is_null())
        .filter(notifications::Column::CreatedAt.gt(now - ChronoDuration::hours(MAX_AGE_HOURS)))
        .order_by_asc(notifications::Column::Id)
        .all(&txn)
        .await?;
    if pending.is_empty() {
        return Ok(Outcome::Settled);
    }
    notifications::Entity::update_many()
        .col_expr(notifications::Column::EmailedAt, Expr::value(now))
        .filter(notifications::Column::Id.is_in(pending.iter().map(|n| n.id)))
        .exec(&txn)
        .await?;
    let wanted = worth_emailing(&txn, &member, pending).await?;
    if wanted.is_empty() {
        txn.commit().await?;
        return Ok(Outcome::Settled);
    }
    let actors = actor_names(&txn, &wanted).await?;
    let lines: Vec<Line> = wanted
        .iter()
        .map(|n| Line::of(n, actors.get(&n.actor_id.unwrap_or(0)).map(String::as_str)))
        .collect();
    let kinds: Vec<EmailKind> = {
        let mut kinds: Vec<EmailKind> = wanted.iter().filter_map(|n| email_kind(&n.kind)).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    let public_url = state.config.public_url();
    let unsubscribe_links: Vec<(EmailKind, String)> = kinds
        .iter()
        .map(|kind| {
            let token = state
                .unsubscribe
                .issue(member.id, Unsubscribe::Notification(*kind));
            (*kind, format!("{public_url}/unsubscribe?token={token}"))
        })
        .collect();
    // One-click unsubscribe stops the kind this email is mostly about.
    let main_kind = email_kind(&wanted[0].kind).unwrap_or(EmailKind::Mentioned);
    let one_click = unsubscribe_links
        .iter()
        .find(|(kind, _)| *kind == main_kind)
        .map(|(_, url)| url.clone());
    let email = email_render::email(
        &member.display_name,
        &lines,
        &email_render::Links {
            public_url: public_url.clone(),
            settings: format!("{public_url}/settings"),
            unsubscribe: unsubscribe_links,
        },
    );
    let list = ListHeaders {
        list_id: Some(
            state
                .mailer
                .list_id("notifications", "Staffroom notifications"),
        ),
        unsubscribe_url: one_click,
    };
    let message_id = state
        .mailer
        .queue_list(&txn, MailKind::Notification, &member.email, email, &list)
        .await?;
    // Which email carries them, and what it says of their subjects: the mail worker looks
    // again before it sends (`StaleEmails`).
    notifications::Entity::update_many()
        .col_expr(
            notifications::Column::EmailMessageId,
            Expr::value(message_id),
        )
        .col_expr(
            notifications::Column::EmailedWords,
            Expr::value(words_fingerprint(&wanted)),
        )
        .filter(notifications::Column::Id.is_in(wanted.iter().map(|n| n.id)))
        .exec(&txn)
        .await?;
    crate::failpoint::hit("notification_email.before_commit");
    txn.commit().await?;
    Ok(Outcome::Emailed(wanted.len()))
}

/// The notifications still worth an email: unread, of a kind the member wants, from a
/// network they can see, about a post they have not read since and that is still there;
/// each with the current words of what it is about.
async fn worth_emailing(
    db: &impl ConnectionTrait,
    member: &members::Model,
    pending: Vec<notifications::Model>,
) -> Result<Vec<notifications::Model>, DbErr> {
    let prefs =
        EmailNotifications::without(crate::members::queries::email_opt_outs(db, member.id).await?);
    let networks: HashSet<i64> = visibility::member_networks(db, MemberId(member.id))
        .await?
        .into_iter()
        .collect();
    let read_up_to = read_positions(db, member.id, &pending).await?;
    let subjects = Subjects::load(db, &pending).await?;
    Ok(pending
        .into_iter()
        .filter(|n| n.read_at.is_none())
        // Deleted since (a post, its thread, a help request): its words are not emailed.
        .filter_map(|n| subjects.current(n))
        .filter(|n| email_kind(&n.kind).is_some_and(|kind| prefs.is_on(kind)))
        .filter(|n| {
            n.network_id
                .is_none_or(|network| networks.contains(&network))
        })
        .filter(|n| {
            n.subject_type != "post"
                || thread_of(n).is_none_or(|thread| {
                    read_up_to
                        .get(&thread)
                        .is_none_or(|read| *read < n.subject_id)
                })
        })
        .collect())
}

/// What an email says of its notifications' subjects (their current words, read by
/// `Subjects::current` into `data`), as a short fingerprint.
fn words_fingerprint(notifications: &[notifications::Model]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for n in notifications {
        hasher.update(n.id.to_le_bytes());
        hasher.update(n.data.to_string().as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

/// Looks at a queued notification email once more before it is sent: when a post, thread
/// or help request it tells of was deleted or edited since it was queued (say while the
/// SMTP server was down), or the member read one of its notifications meanwhile, the email
/// is withdrawn and its notifications are put back, so the next pass emails what still
/// stands and is unread, in its current words, or nothing.
struct StaleEmails;

/// The recheck the mail worker is given when the application is assembled.
pub fn recheck() -> std::sync::Arc<dyn Recheck> {
    std::sync::Arc::new(StaleEmails)
}

#[async_trait::async_trait]
impl Recheck for StaleEmails {
    fn kind(&self) -> MailKind {
        MailKind::Notification
    }

    async fn stale(&self, db: &Db, messages: &[Claimed<'_>]) -> Result<Vec<String>, DbErr> {
        let carried = notifications::Entity::find()
            .filter(
                notifications::Column::EmailMessageId
                    .is_in(messages.iter().map(|m| m.message_id.to_owned())),
            )
            .order_by_asc(notifications::Column::Id)
            .all(db.reader())
            .await?;
        let subjects = Subjects::load(db.reader(), &carried).await?;
        // Read on the site since it was queued (the notification itself, or the thread past
        // that post, which settles it): the email would tell them what they know.
        let read_meanwhile: HashSet<String> = carried
            .iter()
            .filter(|n| n.read_at.is_some())
            .filter_map(|n| n.email_message_id.clone())
            .collect();
        let mut emails: HashMap<String, (Option<String>, Vec<Option<notifications::Model>>)> =
            HashMap::new();
        for n in carried {
            let Some(message_id) = n.email_message_id.clone() else {
                continue;
            };
            let entry = emails
                .entry(message_id)
                .or_insert_with(|| (n.emailed_words.clone(), Vec::new()));
            entry.1.push(subjects.current(n));
        }
        Ok(emails
            .into_iter()
            .filter(|(message_id, (emailed, now))| {
                if read_meanwhile.contains(message_id) {
                    return true;
                }
                let now: Option<Vec<notifications::Model>> = now.iter().cloned().collect();
                match now {
                    // Something it tells of was deleted.
                    None => true,
                    Some(now) => emailed.as_deref() != Some(words_fingerprint(&now).as_str()),
                }
            })
            .map(|(message_id, _)| message_id)
            .collect())
    }

    async fn requeue(
        &self,
        txn: &DatabaseTransaction,
        message_ids: &[String],
    ) -> Result<(), DbErr> {
        notifications::Entity::update_many()
            .col_expr(
                notifications::Column::EmailedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                notifications::Column::EmailMessageId,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                notifications::Column::EmailedWords,
                Expr::value(Option::<String>::None),
            )
            .filter(notifications::Column::EmailMessageId.is_in(message_ids.iter().cloned()))
            .exec(txn)
            .await?;
        Ok(())
    }
}

fn thread_of(notification: &notifications::Model) -> Option<i64> {
    notification.data["thread_id"].as_str()?.parse().ok()
}

/// How far the member has read each thread the notifications are about.
async fn read_positions(
    db: &impl ConnectionTrait,
    member_id: i64,
    pending: &[notifications::Model],
) -> Result<HashMap<i64, i64>, DbErr> {
    let threads: HashSet<i64> = pending.iter().filter_map(thread_of).collect();
    if threads.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = read_markers::Entity::find()
        .filter(read_markers::Column::MemberId.eq(member_id))
        .filter(read_markers::Column::ThreadId.is_in(threads))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.thread_id, row.last_read_post_id))
        .collect())
}

async fn actor_names(
    db: &impl ConnectionTrait,
    wanted: &[notifications::Model],
) -> Result<HashMap<i64, String>, DbErr> {
    let ids: Vec<i64> = wanted.iter().filter_map(|n| n.actor_id).collect();
    Ok(crate::members::queries::find_many(db, &ids)
        .await?
        .into_iter()
        .map(|(id, member)| (id, member.display_name))
        .collect())
}

/// One pass: every member whose oldest pending notification has waited the window.
pub async fn pass(state: &AppState, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let window = ChronoDuration::seconds(state.config.notification_emails.batch_window_secs as i64);
    let members = due_members(state.db.reader(), window, now).await?;
    let mut emailed = 0;
    for member_id in members {
        let span = tracing::info_span!("notification_email", member_id);
        match deliver(state, member_id, now).instrument(span).await {
            Ok(Outcome::Emailed(_)) => emailed += 1,
            Ok(Outcome::Settled | Outcome::Busy) => {}
            Err(err) => tracing::error!(
                member_id,
                error = format!("{err:#}"),
                "notification email not sent; the next pass tries again"
            ),
        }
    }
    Ok(emailed)
}

/// The worker of a serving instance: a pass every quarter of the window (at least every
/// 5 s, at most every 100 ms) until `shutdown` is triggered.
pub async fn run(state: actix_web::web::Data<AppState>, mut shutdown: ShutdownSignal) {
    let window = state.config.notification_emails.batch_window_secs;
    let every = Duration::from_millis((window * 250).clamp(100, 5000));
    loop {
        if let Err(err) = pass(&state, crate::clock::now()).await {
            tracing::warn!(error = %err, "notification emails: could not read notifications; retrying");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.triggered() => break,
        }
    }
}
