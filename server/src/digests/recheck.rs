//! A digest queued and then held up (the SMTP server down, retries backing off) is looked at
//! once more before it goes: when a thread, help request or resource it names was deleted
//! or renamed since, it is withdrawn and its delivery record forgotten, so the scheduler
//! composes the member's digest afresh from what stands now (while its period lasts).
//! Registered with the mail worker when the application is assembled (`mail/recheck.rs`).

use super::render::Letter;
use crate::db::Db;
use crate::entities::{digest_deliveries, help_requests, mail_outbox, members, resources, threads};
use crate::mail::recheck::{Claimed, Recheck};
use crate::mail::MailKind;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The recheck the mail worker is given when the application is assembled.
pub fn recheck() -> Arc<dyn Recheck> {
    Arc::new(StaleDigests)
}

struct StaleDigests;

/// What a digest line names: the kind of thing, its id, and the title it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Named {
    Thread(i64),
    HelpRequest(i64),
    Resource(i64),
}

impl Named {
    /// What a line's path names, for the kinds whose line shows their own title.
    fn of_path(path: &str) -> Option<Named> {
        let path = path.split('#').next().unwrap_or_default();
        let (kind, id) = path.strip_prefix('/')?.split_once('/')?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "threads" => Some(Named::Thread(id)),
            "help-requests" => Some(Named::HelpRequest(id)),
            "resources" => Some(Named::Resource(id)),
            _ => None,
        }
    }
}

/// The current title of each named thing still there (deleted ones are absent): a query
/// per kind named.
async fn titles_now(
    db: &impl ConnectionTrait,
    named: &HashSet<Named>,
) -> Result<HashMap<Named, String>, DbErr> {
    let (mut threads, mut requests, mut resources) = (Vec::new(), Vec::new(), Vec::new());
    for named in named {
        match *named {
            Named::Thread(id) => threads.push(id),
            Named::HelpRequest(id) => requests.push(id),
            Named::Resource(id) => resources.push(id),
        }
    }
    let mut now = HashMap::new();
    for (id, title) in standing::<threads::Entity>(
        db,
        threads,
        threads::Column::Id,
        threads::Column::Title,
        threads::Column::DeletedAt,
    )
    .await?
    {
        now.insert(Named::Thread(id), title);
    }
    for (id, title) in standing::<help_requests::Entity>(
        db,
        requests,
        help_requests::Column::Id,
        help_requests::Column::Title,
        help_requests::Column::DeletedAt,
    )
    .await?
    {
        now.insert(Named::HelpRequest(id), title);
    }
    for (id, title) in standing::<resources::Entity>(
        db,
        resources,
        resources::Column::Id,
        resources::Column::Title,
        resources::Column::DeletedAt,
    )
    .await?
    {
        now.insert(Named::Resource(id), title);
    }
    Ok(now)
}

/// `(id, title)` of the rows of `ids` not deleted.
async fn standing<E: EntityTrait>(
    db: &impl ConnectionTrait,
    ids: Vec<i64>,
    id: E::Column,
    title: E::Column,
    deleted_at: E::Column,
) -> Result<Vec<(i64, String)>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    E::find()
        .select_only()
        .columns([id, title])
        .filter(id.is_in(ids))
        .filter(deleted_at.is_null())
        .into_tuple()
        .all(db)
        .await
}

#[async_trait::async_trait]
impl Recheck for StaleDigests {
    fn kind(&self) -> MailKind {
        MailKind::Digest
    }

    async fn stale(&self, db: &Db, messages: &[Claimed<'_>]) -> Result<Vec<String>, DbErr> {
        // Each letter's lines that name a thing with the title they show.
        let letters: Vec<(&str, Vec<(Named, String)>)> = messages
            .iter()
            .filter_map(|message| {
                let letter: Letter = serde_json::from_str(message.data?).ok()?;
                let lines = letter
                    .sections
                    .into_iter()
                    .flat_map(|section| section.items)
                    .filter_map(|item| Some((Named::of_path(&item.path)?, item.title)))
                    .collect();
                Some((message.message_id, lines))
            })
            .collect();
        let named: HashSet<Named> = letters
            .iter()
            .flat_map(|(_, lines)| lines.iter().map(|(named, _)| *named))
            .collect();
        if named.is_empty() {
            return Ok(Vec::new());
        }
        let now = titles_now(db.reader(), &named).await?;
        Ok(letters
            .into_iter()
            .filter(|(_, lines)| {
                lines
                    .iter()
                    .any(|(named, shown)| now.get(named) != Some(shown))
            })
            .map(|(message_id, _)| message_id.to_owned())
            .collect())
    }

    async fn requeue(
        &self,
        txn: &DatabaseTransaction,
        message_ids: &[String],
    ) -> Result<(), DbErr> {
        let queued: Vec<(String, DateTime<Utc>)> = mail_outbox::Entity::find()
            .select_only()
            .columns([
                mail_outbox::Column::Recipient,
                mail_outbox::Column::CreatedAt,
            ])
            .filter(mail_outbox::Column::MessageId.is_in(message_ids.iter().cloned()))
            .into_tuple()
            .all(txn)
            .await?;
        for (recipient, queued_at) in queued {
            let Some(member) = members::Entity::find()
                .filter(members::Column::Email.eq(recipient))
                .one(txn)
                .await?
            else {
                continue;
            };
            // The delivery recorded with this letter: the member's latest up to it.
            let delivery = digest_deliveries::Entity::find()
                .filter(digest_deliveries::Column::MemberId.eq(member.id))
                .filter(digest_deliveries::Column::CreatedAt.lte(queued_at))
                .order_by_desc(digest_deliveries::Column::CreatedAt)
                .one(txn)
                .await?;
            if let Some(delivery) = delivery {
                digest_deliveries::Entity::delete_by_id(delivery.id)
                    .exec(txn)
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_threads_requests_and_resources_by_their_paths() {
        assert_eq!(
            Named::of_path("/threads/12#post-3"),
            Some(Named::Thread(12))
        );
        assert_eq!(
            Named::of_path("/help-requests/7"),
            Some(Named::HelpRequest(7))
        );
        assert_eq!(Named::of_path("/resources/9"), Some(Named::Resource(9)));
        assert_eq!(Named::of_path("/convenings/4"), None);
        assert_eq!(Named::of_path("/initiatives/2#bright-spots"), None);
        assert_eq!(Named::of_path("/threads/x"), None);
    }
}
