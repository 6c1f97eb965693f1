//! The facts of a period in one network, read with plain queries (one per kind of act) and
//! handed to `compute.rs`. Only the network's own content counts (not its sub-networks').
//!
//! Who acted is read only where the act names its actor to a facilitator anyway: an
//! anonymous asker's id, an anonymous poll's voters and the people in a direct message are
//! never selected, only counted.

use super::compute::{Activity, Asked, Interaction, InteractionKind};
use super::period::Period;
use crate::db::placeholders;
use crate::initiatives::model::Cadence;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};
use std::collections::HashSet;

async fn rows(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, DbErr> {
    let backend = db.get_database_backend();
    db.query_all(Statement::from_sql_and_values(
        backend,
        placeholders(backend, sql),
        values,
    ))
    .await
}

/// Network, from, to: the values every period query starts with.
fn scope(network_id: i64, period: &Period) -> Vec<Value> {
    vec![
        Value::from(network_id),
        Value::from(period.from),
        Value::from(period.to),
    ]
}

/// Members of the network now.
pub const MEMBERS: &str = "SELECT member_id FROM network_members WHERE network_id = ?";

/// Posts: who wrote, whom they replied to (the post they answered, else the thread's
/// author for a reply in a thread).
pub const POSTS: &str =
    "SELECT p.author_id, rp.author_id AS reply_to_author, t.author_id AS thread_author, \
     p.post_number FROM posts p JOIN threads t ON t.id = p.thread_id \
     LEFT JOIN posts rp ON rp.id = p.reply_to_post_id \
     WHERE t.network_id = ? AND p.created_at >= ? AND p.created_at < ? \
       AND p.deleted_at IS NULL AND t.deleted_at IS NULL";

/// Reactions to posts, and resources found helpful: who reacted to whose.
pub const REACTIONS: &str = "SELECT r.member_id, p.author_id FROM reactions r \
     JOIN posts p ON p.id = r.post_id JOIN threads t ON t.id = p.thread_id \
     WHERE t.network_id = ? AND r.created_at >= ? AND r.created_at < ? \
       AND p.deleted_at IS NULL AND t.deleted_at IS NULL \
     UNION ALL \
     SELECT v.member_id, r.author_id FROM resource_votes v JOIN resources r ON r.id = v.resource_id \
     WHERE r.network_id = ? AND v.created_at >= ? AND v.created_at < ? AND r.deleted_at IS NULL";

/// Help requests asked in the period, with their first response; the asker only when they
/// asked in their own name.
pub const ASKED: &str = "SELECT h.id, CASE WHEN h.is_anonymous THEN NULL ELSE h.author_id END, h.title, h.status, h.created_at, \
     (SELECT MIN(r.created_at) FROM help_responses r WHERE r.help_request_id = h.id) AS first_response_at \
     FROM help_requests h \
     WHERE h.network_id = ? AND h.created_at >= ? AND h.created_at < ? AND h.deleted_at IS NULL";

/// Answers and offers of help: who helped whom (no one when the asker is anonymous).
pub const HELPED: &str =
    "SELECT r.author_id AS helper, CASE WHEN h.is_anonymous THEN NULL ELSE h.author_id END AS asker, \
     'answered' AS how \
     FROM help_responses r JOIN help_requests h ON h.id = r.help_request_id \
     WHERE h.network_id = ? AND r.created_at >= ? AND r.created_at < ? AND h.deleted_at IS NULL \
     UNION ALL \
     SELECT o.member_id, CASE WHEN h.is_anonymous THEN NULL ELSE h.author_id END, 'offered' \
     FROM help_offers o JOIN help_requests h ON h.id = o.help_request_id \
     WHERE h.network_id = ? AND o.created_at >= ? AND o.created_at < ? AND h.deleted_at IS NULL";

/// Other writing (resources, polls, initiatives, convenings), voting in polls that name their
/// voters and checking in that makes a member active.
pub const OTHER_ACTS: &str = "SELECT author_id FROM resources \
     WHERE network_id = ? AND created_at >= ? AND created_at < ? AND deleted_at IS NULL \
     UNION ALL SELECT b.member_id FROM poll_ballots b JOIN polls p ON p.id = b.poll_id \
     WHERE p.network_id = ? AND b.updated_at >= ? AND b.updated_at < ? AND p.deleted_at IS NULL \
       AND NOT p.is_anonymous \
     UNION ALL SELECT author_id FROM polls \
     WHERE network_id = ? AND created_at >= ? AND created_at < ? AND deleted_at IS NULL \
     UNION ALL SELECT c.submitted_by FROM check_ins c JOIN initiatives i ON i.id = c.initiative_id \
     WHERE i.network_id = ? AND c.submitted_at >= ? AND c.submitted_at < ? \
     UNION ALL SELECT created_by FROM initiatives WHERE network_id = ? AND created_at >= ? AND created_at < ? \
     UNION ALL SELECT created_by FROM convenings WHERE network_id = ? AND created_at >= ? AND created_at < ?";

/// Tests of change written, and whose test each one took up.
pub const TESTS: &str =
    "SELECT t.created_by, o.created_by AS original_author FROM tests_of_change t \
     LEFT JOIN tests_of_change o ON o.id = t.adopted_from \
     WHERE t.network_id = ? AND t.created_at >= ? AND t.created_at < ?";

/// Ballots in the network's anonymous polls cast or changed in the period: how many, never
/// whose.
pub const ANONYMOUS_POLL_VOTES: &str =
    "SELECT COUNT(*) FROM poll_ballots b JOIN polls p ON p.id = b.poll_id \
     WHERE p.network_id = ? AND b.updated_at >= ? AND b.updated_at < ? AND p.deleted_at IS NULL \
       AND p.is_anonymous";

/// Direct messages sent by a member of the network to another (counted for each network
/// both share): how many, never by or to whom.
pub const DIRECT_MESSAGES: &str = "SELECT COUNT(*) FROM direct_messages m \
     WHERE m.author_id IN (SELECT member_id FROM network_members WHERE network_id = ?) \
       AND EXISTS (SELECT 1 FROM conversation_participants cp \
         WHERE cp.conversation_id = m.conversation_id AND cp.member_id <> m.author_id \
           AND cp.member_id IN (SELECT member_id FROM network_members WHERE network_id = ?)) \
       AND m.created_at >= ? AND m.created_at < ?";

pub const RESOURCES_SHARED: &str = "SELECT COUNT(*) FROM resources \
     WHERE network_id = ? AND created_at >= ? AND created_at < ? AND deleted_at IS NULL";

/// Members' first downloads in the period.
pub const DOWNLOADS: &str =
    "SELECT COUNT(*) FROM resource_downloads d JOIN resources r ON r.id = d.resource_id \
     WHERE r.network_id = ? AND d.first_at >= ? AND d.first_at < ?";

/// Teams of the network's active initiatives, with their cadence.
pub const TEAMS: &str = "SELECT t.id, t.created_at, i.cadence FROM initiative_teams t \
     JOIN initiatives i ON i.id = t.initiative_id \
     WHERE i.network_id = ? AND i.status = 'active' AND t.deleted_at IS NULL";

/// Check-ins of those teams from a period on.
pub const CHECK_INS: &str = "SELECT c.team_id, c.period FROM check_ins c \
     JOIN initiative_teams t ON t.id = c.team_id JOIN initiatives i ON i.id = t.initiative_id \
     WHERE i.network_id = ? AND i.status = 'active' AND t.deleted_at IS NULL AND c.period >= ?";

/// The start of the last convening of the network at or before `now` (not cancelled).
pub async fn last_convening(
    db: &impl ConnectionTrait,
    network_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let found = rows(
        db,
        "SELECT MAX(starts_at) FROM convenings WHERE network_id = ? AND starts_at <= ? AND cancelled_at IS NULL",
        vec![Value::from(network_id), Value::from(now)],
    )
    .await?;
    match found.first() {
        Some(row) => row.try_get_by::<Option<DateTime<Utc>>, _>(0),
        None => Ok(None),
    }
}

/// The timezone insights count days in: that of the network's latest convening to have
/// started by `now` (not cancelled), where the network meets; UTC before its first.
/// Networks have no timezone of their own, and this one moves only when a new convening
/// starts, whatever period is asked for.
pub async fn network_zone(
    db: &impl ConnectionTrait,
    network_id: i64,
    now: DateTime<Utc>,
) -> Result<Tz, DbErr> {
    let found = rows(
        db,
        "SELECT timezone FROM convenings WHERE network_id = ? AND starts_at <= ? AND cancelled_at IS NULL \
         ORDER BY starts_at DESC, id DESC LIMIT 1",
        vec![Value::from(network_id), Value::from(now)],
    )
    .await?;
    Ok(match found.first() {
        Some(row) => row.try_get_by::<String, _>(0)?.parse().unwrap_or(Tz::UTC),
        None => Tz::UTC,
    })
}

fn twice(values: Vec<Value>) -> Vec<Value> {
    values.iter().chain(values.iter()).cloned().collect()
}

fn times(values: Vec<Value>, n: usize) -> Vec<Value> {
    std::iter::repeat_n(values, n).flatten().collect()
}

/// Everything `compute::figures` needs about `network_id` in `period`.
pub async fn activity(
    db: &impl ConnectionTrait,
    network_id: i64,
    period: &Period,
) -> Result<Activity, DbErr> {
    let mut activity = Activity::default();
    for row in rows(db, MEMBERS, vec![Value::from(network_id)]).await? {
        activity.members.push(row.try_get_by(0)?);
    }
    for row in rows(db, POSTS, scope(network_id, period)).await? {
        let author: i64 = row.try_get_by(0)?;
        let reply_to: Option<i64> = row.try_get_by(1)?;
        let thread_author: i64 = row.try_get_by(2)?;
        let number: i32 = row.try_get_by(3)?;
        activity.active.push(author);
        let to = reply_to.or((number > 1).then_some(thread_author));
        if let Some(to) = to {
            activity.interactions.push(Interaction {
                from: author,
                to: Some(to),
                kind: InteractionKind::Replied,
            });
        }
    }
    for row in rows(db, REACTIONS, twice(scope(network_id, period))).await? {
        let from: i64 = row.try_get_by(0)?;
        activity.active.push(from);
        activity.interactions.push(Interaction {
            from,
            to: Some(row.try_get_by(1)?),
            kind: InteractionKind::Reacted,
        });
    }
    for row in rows(db, ASKED, scope(network_id, period)).await? {
        let status: String = row.try_get_by(3)?;
        if let Some(asker) = row.try_get_by::<Option<i64>, _>(1)? {
            activity.active.push(asker);
        }
        activity.asked.push(Asked {
            id: row.try_get_by(0)?,
            title: row.try_get_by(2)?,
            asked_at: row.try_get_by(4)?,
            first_response_at: row.try_get_by(5)?,
            is_open: status == "open",
        });
    }
    for row in rows(db, HELPED, twice(scope(network_id, period))).await? {
        let helper: i64 = row.try_get_by(0)?;
        let how: String = row.try_get_by(2)?;
        activity.active.push(helper);
        activity.interactions.push(Interaction {
            from: helper,
            to: row.try_get_by(1)?,
            kind: if how == "offered" {
                InteractionKind::Offered
            } else {
                InteractionKind::Answered
            },
        });
    }
    for row in rows(db, OTHER_ACTS, times(scope(network_id, period), 6)).await? {
        activity.active.push(row.try_get_by(0)?);
    }
    for row in rows(db, TESTS, scope(network_id, period)).await? {
        let author: i64 = row.try_get_by(0)?;
        activity.active.push(author);
        if let Some(original) = row.try_get_by::<Option<i64>, _>(1)? {
            activity.interactions.push(Interaction {
                from: author,
                to: Some(original),
                kind: InteractionKind::Adopted,
            });
        }
    }
    activity.anonymous_poll_votes =
        count(db, ANONYMOUS_POLL_VOTES, scope(network_id, period)).await?;
    activity.direct_messages = count(
        db,
        DIRECT_MESSAGES,
        vec![
            Value::from(network_id),
            Value::from(network_id),
            Value::from(period.from),
            Value::from(period.to),
        ],
    )
    .await?;
    activity.resources_shared = count(db, RESOURCES_SHARED, scope(network_id, period)).await?;
    activity.downloads = count(db, DOWNLOADS, scope(network_id, period)).await?;
    let (expected, submitted) = check_ins_due(db, network_id, period).await?;
    activity.check_ins_expected = expected;
    activity.check_ins_submitted = submitted;
    Ok(activity)
}

async fn count(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    let found = rows(db, sql, values).await?;
    Ok(match found.first() {
        Some(row) => row.try_get_by::<i64, _>(0)?.max(0) as u64,
        None => 0,
    })
}

/// Check-ins due in the period (each team, each period of its cadence that started in it
/// and ended by its end, after the team was formed or checked in all the same) and how
/// many of those came in.
async fn check_ins_due(
    db: &impl ConnectionTrait,
    network_id: i64,
    period: &Period,
) -> Result<(u64, u64), DbErr> {
    let teams = rows(db, TEAMS, vec![Value::from(network_id)]).await?;
    if teams.is_empty() {
        return Ok((0, 0));
    }
    let first_day = period.first_day;
    let in_ = rows(
        db,
        CHECK_INS,
        vec![Value::from(network_id), Value::from(first_day)],
    )
    .await?;
    let mut done: HashSet<(i64, NaiveDate)> = HashSet::new();
    for row in in_ {
        done.insert((row.try_get_by(0)?, row.try_get_by(1)?));
    }
    let (mut expected, mut submitted) = (0, 0);
    for team in teams {
        let id: i64 = team.try_get_by(0)?;
        let formed: DateTime<Utc> = team.try_get_by(1)?;
        let cadence: String = team.try_get_by(2)?;
        let Some(cadence) = Cadence::parse(&cadence) else {
            continue;
        };
        let end_day = period.end_day();
        let owed: HashSet<NaiveDate> = periods_due(
            cadence,
            first_day,
            end_day,
            formed.with_timezone(&period.zone).date_naive(),
        )
        .into_iter()
        .collect();
        // A period before the team was formed counts when it was checked in all the same
        // (history imported for a new team).
        for due in periods_due(cadence, first_day, end_day, NaiveDate::MIN) {
            let checked_in = done.contains(&(id, due));
            if checked_in || owed.contains(&due) {
                expected += 1;
                submitted += u64::from(checked_in);
            }
        }
    }
    Ok((expected, submitted))
}

/// The first days of the periods of `cadence` that start on or after `from`, end on or
/// before `to`, and end after the team was `formed`.
pub fn periods_due(
    cadence: Cadence,
    from: NaiveDate,
    to: NaiveDate,
    formed: NaiveDate,
) -> Vec<NaiveDate> {
    let mut period = cadence.containing(from);
    if period.date() < from {
        period = cadence.next(period);
    }
    let mut due = Vec::new();
    while cadence.next(period).date() <= to {
        if cadence.next(period).date() > formed {
            due.push(period.date());
        }
        period = cadence.next(period);
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn periods_due_are_those_wholly_inside_the_period_after_the_team_formed() {
        // 2027-03-01 is a Monday; the period runs to Sunday 21 March's end (22nd).
        let weeks = periods_due(
            Cadence::Weekly,
            day("2027-03-01"),
            day("2027-03-22"),
            day("2026-01-01"),
        );
        assert_eq!(
            weeks,
            vec![day("2027-03-01"), day("2027-03-08"), day("2027-03-15")]
        );
        // Starting mid-week: that week is not wholly inside.
        let weeks = periods_due(
            Cadence::Weekly,
            day("2027-03-03"),
            day("2027-03-22"),
            day("2026-01-01"),
        );
        assert_eq!(weeks, vec![day("2027-03-08"), day("2027-03-15")]);
        // A team formed on 10 March owes the week of the 8th (it ends after) and later.
        let weeks = periods_due(
            Cadence::Weekly,
            day("2027-03-01"),
            day("2027-03-22"),
            day("2027-03-10"),
        );
        assert_eq!(weeks, vec![day("2027-03-08"), day("2027-03-15")]);
        let months = periods_due(
            Cadence::Monthly,
            day("2027-01-01"),
            day("2027-03-20"),
            day("2026-01-01"),
        );
        assert_eq!(months, vec![day("2027-01-01"), day("2027-02-01")]);
    }
}
