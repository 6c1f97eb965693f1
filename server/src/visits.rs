//! Members' visits: when each member was last seen, when their visit began, and when the one
//! before it began (what the feed's `new` and `last_visit_at` count from).
//!
//! Requests must not pay for this: the thread page runs at the speed of a bare handler. So an
//! authenticated request only asks an in-process throttle whether this member is due (a map
//! lookup), and at most once every `visits.touch_interval_secs` per member and instance hands
//! the member to a small task over a bounded channel; that task writes one UPDATE. A full
//! channel drops the touch: the next request after it tries again, and a visit is only ever
//! noticed late by the throttle interval, never lost.

use crate::config::VisitsConfig;
use crate::db::{placeholders, Writer};
use crate::ids::MemberId;
use crate::shutdown::ShutdownSignal;
use chrono::{DateTime, Duration as Gap, Utc};
use sea_orm::{ConnectionTrait, DbErr, Statement, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A request after this long without one begins a new visit.
pub const VISIT_GAP: Gap = Gap::minutes(30);

/// Members remembered by the throttle; past it, those not due are forgotten first.
const MAX_TRACKED_MEMBERS: usize = 100_000;

/// Touches waiting for the writer; more are dropped (see the module comment).
const QUEUE: usize = 1024;

/// The throttle and the sending half of the writer's queue, shared by every request.
pub struct Visits {
    touch_interval: Duration,
    last_touch: Mutex<HashMap<i64, Instant>>,
    sender: mpsc::Sender<MemberId>,
    /// Taken once by the serving instance, which runs the writer (`Visits::take_writer`).
    receiver: Mutex<Option<mpsc::Receiver<MemberId>>>,
}

impl Visits {
    pub fn new(config: &VisitsConfig) -> Visits {
        let (sender, receiver) = mpsc::channel(QUEUE);
        Visits {
            touch_interval: Duration::from_secs(config.touch_interval_secs),
            last_touch: Mutex::new(HashMap::new()),
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    }

    /// `member` made an authenticated request (or opened a live connection). Never waits
    /// and never touches the database.
    pub fn seen(&self, member: MemberId) {
        let now = Instant::now();
        {
            let mut last_touch = self.last_touch.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(at) = last_touch.get(&member.get()) {
                if now.duration_since(*at) < self.touch_interval {
                    return;
                }
            }
            if last_touch.len() >= MAX_TRACKED_MEMBERS {
                let interval = self.touch_interval;
                last_touch.retain(|_, at| now.duration_since(*at) < interval);
                if last_touch.len() >= MAX_TRACKED_MEMBERS {
                    last_touch.clear();
                }
            }
            last_touch.insert(member.get(), now);
        }
        if self.sender.try_send(member).is_err() {
            // Dropped: forget the touch so the member's next request tries again.
            let mut last_touch = self.last_touch.lock().unwrap_or_else(|p| p.into_inner());
            last_touch.remove(&member.get());
        }
    }

    /// The writer's task, for the one instance that serves requests; `None` once taken.
    pub fn take_writer(&self, db: Writer) -> Option<VisitWriter> {
        let receiver = self
            .receiver
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()?;
        Some(VisitWriter { receiver, db })
    }
}

/// Writes the touches the requests queued, one UPDATE each.
pub struct VisitWriter {
    receiver: mpsc::Receiver<MemberId>,
    db: Writer,
}

impl VisitWriter {
    pub async fn run(mut self, mut shutdown: ShutdownSignal) {
        loop {
            let member = tokio::select! {
                _ = shutdown.triggered() => return,
                member = self.receiver.recv() => match member {
                    Some(member) => member,
                    None => return,
                },
            };
            if let Err(err) = touch(&self.db, member, crate::clock::now()).await {
                tracing::warn!(error = %err, member = member.get(), "could not record a visit");
            }
        }
    }
}

/// Records that `member` was seen at `now`: if they were last seen more than `VISIT_GAP`
/// before (or never), a new visit begins and the one that was current becomes the previous
/// one. One statement decides and writes it, so two instances touching the same member at
/// once cannot both begin a visit (the second sees the first's `last_seen_at`).
pub async fn touch(db: &Writer, member: MemberId, now: DateTime<Utc>) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = placeholders(
        backend,
        "UPDATE members SET \
           previous_visit_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < ? \
                               THEN visit_started_at ELSE previous_visit_at END, \
           visit_started_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < ? \
                              THEN ? ELSE visit_started_at END, \
           last_seen_at = ? \
         WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)",
    );
    let gone_since = now - VISIT_GAP;
    let values: [Value; 6] = [
        gone_since.into(),
        gone_since.into(),
        now.into(),
        now.into(),
        member.into(),
        now.into(),
    ];
    db.execute(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visits(touch_interval_secs: u64) -> Visits {
        Visits::new(&VisitsConfig {
            touch_interval_secs,
        })
    }

    #[tokio::test]
    async fn a_member_is_queued_once_per_interval() {
        let visits = visits(300);
        let mut writer = visits
            .receiver
            .lock()
            .unwrap()
            .take()
            .expect("the queue's receiving half");
        visits.seen(MemberId(1));
        visits.seen(MemberId(1));
        visits.seen(MemberId(2));
        assert_eq!(writer.try_recv().ok(), Some(MemberId(1)));
        assert_eq!(writer.try_recv().ok(), Some(MemberId(2)));
        assert!(
            writer.try_recv().is_err(),
            "the second request was throttled"
        );
    }

    #[tokio::test]
    async fn without_an_interval_every_request_is_queued() {
        let visits = visits(0);
        let mut writer = visits.receiver.lock().unwrap().take().unwrap();
        visits.seen(MemberId(1));
        visits.seen(MemberId(1));
        assert_eq!(writer.try_recv().ok(), Some(MemberId(1)));
        assert_eq!(writer.try_recv().ok(), Some(MemberId(1)));
    }

    #[tokio::test]
    async fn a_full_queue_drops_the_touch_and_tries_again_next_time() {
        let visits = visits(300);
        let mut writer = visits.receiver.lock().unwrap().take().unwrap();
        for id in 0..QUEUE as i64 {
            visits.seen(MemberId(id + 100));
        }
        visits.seen(MemberId(1));
        assert!(!visits.last_touch.lock().unwrap().contains_key(&1));
        while writer.try_recv().is_ok() {}
        visits.seen(MemberId(1));
        assert_eq!(writer.try_recv().ok(), Some(MemberId(1)));
    }
}
