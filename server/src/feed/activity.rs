//! The feed's activity table, `feed_items`: one row per thing a member can find in the feed
//! (a thread that is nobody's discussion, a help request, resource, poll, convening,
//! initiative or test of change) with its network, when it was created, its newest activity
//! and who acted last, its own or discussion thread and that thread's newest post.
//!
//! Why it exists (DESIGN.md allows a denormalised table only when the benchmark demands it):
//! reading each kind from its own tables cost a feed page one branch per kind, each joining
//! its discussion thread, newest response or check-in and the post that made it, and at
//! 100,000 posts those joins cost as much as the threads themselves (`bench feed`). From this
//! table every kind costs what a thread costs: one row, read in network order.
//!
//! It is written in the causing transaction: `Tx::commit` asks `subject_of` of each event it
//! appends and refreshes those things' rows from their own tables just before the events go
//! in, so the table is never behind a committed write and no capability has to remember it.
//! A refresh recomputes the whole row (or removes it), so it is right whatever changed.

use super::model::FeedKind;
use crate::discussions::Discussed;
use crate::events::{EventKind, NewEvent};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use std::collections::BTreeSet;

/// A thing whose row to recompute, as an event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Thread(i64),
    HelpRequest(i64),
    Resource(i64),
    Poll(i64),
    Convening(i64),
    Initiative(i64),
    /// A check-in: its initiative's activity.
    CheckIn(i64),
    Test(i64),
}

/// The thing whose feed row `event` may change, if any.
pub fn subject_of(event: &NewEvent) -> Option<Subject> {
    use EventKind::*;
    let subject = event.subject_id;
    match event.kind {
        ThreadCreated | ThreadUpdated | ThreadDeleted | PostCreated | PostUpdated | PostDeleted => {
            event.thread_id.map(Subject::Thread)
        }
        HelpRequestCreated | HelpRequestUpdated | HelpRequestResponded | HelpRequestOffered
        | HelpRequestResolved | HelpRequestDeleted => subject.map(Subject::HelpRequest),
        ResourceCreated | ResourceUpdated | ResourceDeleted => subject.map(Subject::Resource),
        PollCreated | PollUpdated | PollDeleted => subject.map(Subject::Poll),
        ConveningCreated | ConveningUpdated => subject.map(Subject::Convening),
        InitiativeCreated | InitiativeUpdated | InitiativeRebaselined => {
            subject.map(Subject::Initiative)
        }
        CheckInSubmitted => subject.map(Subject::CheckIn),
        TestOfChangeCreated | TestOfChangeUpdated => subject.map(Subject::Test),
        _ => None,
    }
}

/// Recomputes the rows of the things `events` are about, in the caller's transaction.
pub async fn refresh_for(db: &impl ConnectionTrait, events: &[NewEvent]) -> Result<(), DbErr> {
    let subjects: BTreeSet<Subject> = events.iter().filter_map(subject_of).collect();
    for subject in subjects {
        refresh(db, subject).await?;
    }
    Ok(())
}

/// Recomputes one thing's row: written anew from its own tables, or removed if it is gone
/// (or, for a thread, if it is now some thing's discussion: then that thing is refreshed).
pub async fn refresh(db: &impl ConnectionTrait, subject: Subject) -> Result<(), DbErr> {
    let (kind, id) = match subject {
        Subject::Thread(id) => {
            let owners = discussion_owners(db, id).await?;
            if !owners.is_empty() {
                remove(db, FeedKind::Thread, id).await?;
                for (kind, owner) in owners {
                    rewrite(db, kind, owner).await?;
                }
                return Ok(());
            }
            (FeedKind::Thread, id)
        }
        Subject::HelpRequest(id) => (FeedKind::HelpRequest, id),
        Subject::Resource(id) => (FeedKind::Resource, id),
        Subject::Poll(id) => (FeedKind::Poll, id),
        Subject::Convening(id) => (FeedKind::Convening, id),
        Subject::Initiative(id) => (FeedKind::Initiative, id),
        Subject::CheckIn(id) => match initiative_of_check_in(db, id).await? {
            Some(initiative) => (FeedKind::Initiative, initiative),
            None => return Ok(()),
        },
        Subject::Test(id) => (FeedKind::Test, id),
    };
    rewrite(db, kind, id).await
}

/// Recomputes every row: after a bulk load that bypassed the services (the benchmarks).
pub async fn rebuild(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute(Statement::from_string(backend, "DELETE FROM feed_items"))
        .await?;
    for kind in FeedKind::ALL {
        db.execute(Statement::from_string(
            backend,
            format!("{INSERT} {}", rows(backend, kind, "1 = 1")),
        ))
        .await?;
    }
    Ok(())
}

const INSERT: &str = "INSERT INTO feed_items (network_id, kind, id, created_at, last_activity_at, \
                      activity_day, author_id, last_actor_id, thread_id, last_post_id)";

async fn rewrite(db: &impl ConnectionTrait, kind: FeedKind, id: i64) -> Result<(), DbErr> {
    remove(db, kind, id).await?;
    let backend = db.get_database_backend();
    let sql = format!("{INSERT} {}", rows(backend, kind, "x.id = ?"));
    db.execute(statement(backend, &sql, vec![id.into()]))
        .await?;
    Ok(())
}

async fn remove(db: &impl ConnectionTrait, kind: FeedKind, id: i64) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute(statement(
        backend,
        "DELETE FROM feed_items WHERE kind = ? AND id = ?",
        vec![kind.as_str().into(), id.into()],
    ))
    .await?;
    Ok(())
}

/// The resources, initiatives and tests of change `thread` is the discussion of.
async fn discussion_owners(
    db: &impl ConnectionTrait,
    thread: i64,
) -> Result<Vec<(FeedKind, i64)>, DbErr> {
    Ok(crate::discussions::owners_of(db, thread)
        .await?
        .into_iter()
        .map(|owner| match owner {
            Discussed::Resource(id) => (FeedKind::Resource, id),
            Discussed::Initiative(id) => (FeedKind::Initiative, id),
            Discussed::TestOfChange(id) => (FeedKind::Test, id),
        })
        .collect())
}

async fn initiative_of_check_in(db: &impl ConnectionTrait, id: i64) -> Result<Option<i64>, DbErr> {
    let backend = db.get_database_backend();
    match db
        .query_one(statement(
            backend,
            "SELECT initiative_id FROM check_ins WHERE id = ?",
            vec![id.into()],
        ))
        .await?
    {
        Some(row) => Ok(Some(row.try_get_by(0)?)),
        None => Ok(None),
    }
}

fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, crate::db::placeholders(backend, sql), values)
}

/// Days since the epoch (UTC) of a timestamp column: the feed puts watched things first
/// within a day.
fn day_of(backend: DbBackend, column: &str) -> String {
    if backend == DbBackend::Postgres {
        format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 86400) AS BIGINT)")
    } else {
        format!("(CAST(strftime('%s', {column}) AS INTEGER) / 86400)")
    }
}

/// The latest of several timestamps, the first never null.
fn latest(backend: DbBackend, first: &str, others: &[&str]) -> String {
    if backend == DbBackend::Postgres {
        format!("GREATEST({first}, {})", others.join(", "))
    } else {
        // SQLite's MAX(a, b, …) is null if any is: stand the first in for a missing one.
        let others: Vec<String> = others
            .iter()
            .map(|other| format!("COALESCE({other}, {first})"))
            .collect();
        format!("MAX({first}, {})", others.join(", "))
    }
}

/// `SELECT network_id, kind, id, created_at, last_activity_at, activity_day, author_id,
/// last_actor_id, thread_id, last_post_id` of the things of `kind` (aliased `x`) that
/// `filter` keeps and that are in the feed.
fn rows(backend: DbBackend, kind: FeedKind, filter: &str) -> String {
    // A thing's discussion thread, and the post that was its newest activity.
    const DISCUSSION: &str =
        "LEFT JOIN threads d ON d.id = x.discussion_thread_id AND d.deleted_at IS NULL \
                              LEFT JOIN posts dp ON dp.id = d.last_post_id";
    let (created, activity, author, actor, thread, last_post, from) = match kind {
        FeedKind::Thread => (
            "x.created_at",
            "x.last_activity_at".to_owned(),
            "x.author_id",
            "COALESCE(lp.author_id, x.author_id)",
            "x.id",
            "x.last_post_id",
            // A discussion thread is its thing's activity, not an item of its own.
            "threads x LEFT JOIN posts lp ON lp.id = x.last_post_id \
             WHERE x.deleted_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM resources o WHERE o.discussion_thread_id = x.id) \
               AND NOT EXISTS (SELECT 1 FROM initiatives o WHERE o.discussion_thread_id = x.id) \
               AND NOT EXISTS (SELECT 1 FROM tests_of_change o WHERE o.discussion_thread_id = x.id)"
                .to_owned(),
        ),
        // The newest response by id: responses are written as they are made, and the index
        // on (help_request_id, id) answers it in one step.
        FeedKind::HelpRequest => (
            "x.created_at",
            latest(backend, "x.created_at", &["lr.created_at"]),
            "x.author_id",
            "COALESCE(lr.author_id, x.author_id)",
            "NULL",
            "NULL",
            "help_requests x \
             LEFT JOIN help_responses lr ON lr.id = (SELECT MAX(r.id) FROM help_responses r \
                                                     WHERE r.help_request_id = x.id) \
             WHERE x.deleted_at IS NULL"
                .to_owned(),
        ),
        FeedKind::Resource => (
            "x.created_at",
            latest(backend, "x.created_at", &["d.last_activity_at"]),
            "x.author_id",
            "CASE WHEN d.last_activity_at > x.created_at \
                  THEN COALESCE(dp.author_id, x.author_id) ELSE x.author_id END",
            "d.id",
            "d.last_post_id",
            format!("resources x {DISCUSSION} WHERE x.deleted_at IS NULL"),
        ),
        FeedKind::Poll => (
            "x.created_at",
            latest(backend, "x.created_at", &["x.closed_at"]),
            "x.author_id",
            "x.author_id",
            "NULL",
            "NULL",
            "polls x WHERE x.deleted_at IS NULL".to_owned(),
        ),
        FeedKind::Convening => (
            "x.created_at",
            "x.updated_at".to_owned(),
            "x.created_by",
            "x.created_by",
            "NULL",
            "NULL",
            "convenings x WHERE 1 = 1".to_owned(),
        ),
        FeedKind::Initiative => (
            "x.created_at",
            latest(
                backend,
                "x.created_at",
                &["d.last_activity_at", "ci.submitted_at"],
            ),
            "x.created_by",
            "CASE WHEN ci.submitted_at IS NOT NULL \
                       AND ci.submitted_at >= COALESCE(d.last_activity_at, x.created_at) \
                  THEN ci.submitted_by \
                  WHEN d.last_activity_at > x.created_at THEN COALESCE(dp.author_id, x.created_by) \
                  ELSE x.created_by END",
            "d.id",
            "d.last_post_id",
            format!(
                "initiatives x {DISCUSSION} \
                 LEFT JOIN check_ins ci ON ci.id = (SELECT c2.id FROM check_ins c2 \
                                                    WHERE c2.initiative_id = x.id \
                                                    ORDER BY c2.submitted_at DESC, c2.id DESC LIMIT 1) \
                 WHERE 1 = 1"
            ),
        ),
        FeedKind::Test => (
            "x.created_at",
            latest(backend, "x.updated_at", &["d.last_activity_at"]),
            "x.created_by",
            "CASE WHEN d.last_activity_at > x.updated_at \
                  THEN COALESCE(dp.author_id, x.created_by) ELSE x.created_by END",
            "d.id",
            "d.last_post_id",
            format!("tests_of_change x {DISCUSSION} WHERE 1 = 1"),
        ),
    };
    format!(
        "SELECT x.network_id, '{kind}', x.id, {created}, {activity}, {day}, {author}, {actor}, \
                CAST({thread} AS BIGINT), CAST({last_post} AS BIGINT) \
         FROM {from} AND {filter}",
        kind = kind.as_str(),
        day = day_of(backend, &activity),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind) -> NewEvent {
        NewEvent::in_network(kind, 1, 2, &serde_json::json!({})).about(7)
    }

    #[test]
    fn events_name_the_thing_whose_row_they_change() {
        let post = NewEvent::in_thread(EventKind::PostCreated, 1, 9, 2, &serde_json::json!({}));
        assert_eq!(subject_of(&post), Some(Subject::Thread(9)));
        assert_eq!(
            subject_of(&event(EventKind::HelpRequestResponded)),
            Some(Subject::HelpRequest(7))
        );
        assert_eq!(
            subject_of(&event(EventKind::CheckInSubmitted)),
            Some(Subject::CheckIn(7))
        );
        assert_eq!(
            subject_of(&event(EventKind::TestOfChangeUpdated)),
            Some(Subject::Test(7))
        );
        // Votes, reactions and notifications move no thing's activity.
        for kind in [
            EventKind::PollVoted,
            EventKind::ReactionChanged,
            EventKind::NotificationCreated,
        ] {
            assert_eq!(subject_of(&event(kind)), None, "{kind:?}");
        }
    }
}
