//! Which instance feeds a shared index, and where that index stands in the event log: one
//! `search_positions` row per index. An instance indexes only while it holds the row's
//! lease, renewing it every round; when it stops (crash, shutdown, network split), another
//! takes over once the lease has run out. Positions are only ever written by the holder.

use crate::db::Db;
use crate::entities::search_positions;
use chrono::Duration as ChronoDuration;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, Set};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Lease {
    db: Db,
    index_uid: String,
    /// This instance, for the lifetime of the process.
    holder: String,
    ttl: Duration,
    /// Until when this instance surely holds the lease (measured from before the write that
    /// took it, so never later than what the row says); `None` when it does not.
    held_until: Mutex<Option<Instant>>,
}

impl Lease {
    pub fn new(db: Db, index_uid: &str, ttl: Duration) -> Lease {
        use rand::Rng;
        let holder: u64 = rand::thread_rng().gen();
        Lease {
            db,
            index_uid: index_uid.to_owned(),
            holder: format!("{holder:016x}"),
            ttl,
            held_until: Mutex::new(None),
        }
    }

    fn held_until(&self) -> Option<Instant> {
        *self.held_until.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_held_until(&self, until: Option<Instant>) {
        *self.held_until.lock().unwrap_or_else(|e| e.into_inner()) = until;
    }

    fn until(&self) -> chrono::DateTime<chrono::Utc> {
        crate::clock::now() + ChronoDuration::from_std(self.ttl).unwrap_or(ChronoDuration::zero())
    }

    /// Takes the lease, or renews it; `true` while this instance may index. The row is
    /// written only when the lease is not held or half of it has run out, so an indexer
    /// polling often costs the database nothing.
    pub async fn claim(&self) -> Result<bool, DbErr> {
        let asked = Instant::now();
        if self
            .held_until()
            .is_some_and(|until| until > asked + self.ttl / 2)
        {
            return Ok(true);
        }
        let now = crate::clock::now();
        search_positions::Entity::insert(search_positions::ActiveModel {
            index_uid: Set(self.index_uid.clone()),
            position: Set(0),
            holder: Set(None),
            lease_until: Set(None),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(search_positions::Column::IndexUid)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(self.db.writer())
        .await?;
        let taken = search_positions::Entity::update_many()
            .col_expr(
                search_positions::Column::Holder,
                Expr::value(self.holder.clone()),
            )
            .col_expr(
                search_positions::Column::LeaseUntil,
                Expr::value(self.until()),
            )
            .filter(search_positions::Column::IndexUid.eq(&self.index_uid))
            .filter(
                Condition::any()
                    .add(search_positions::Column::Holder.is_null())
                    .add(search_positions::Column::Holder.eq(&self.holder))
                    .add(search_positions::Column::LeaseUntil.lt(now)),
            )
            .exec(self.db.writer())
            .await?;
        let held = taken.rows_affected == 1;
        self.set_held_until(held.then(|| asked + self.ttl));
        Ok(held)
    }

    pub async fn position(&self) -> Result<i64, DbErr> {
        Ok(search_positions::Entity::find_by_id(self.index_uid.clone())
            .one(self.db.reader())
            .await?
            .map(|row| row.position)
            .unwrap_or(0))
    }

    /// Records `position` if this instance still holds the lease; `false` if it lost it
    /// (another instance will apply the same events again, which changes nothing).
    pub async fn record(&self, position: i64) -> Result<bool, DbErr> {
        let asked = Instant::now();
        let updated = search_positions::Entity::update_many()
            .col_expr(search_positions::Column::Position, Expr::value(position))
            .col_expr(
                search_positions::Column::LeaseUntil,
                Expr::value(self.until()),
            )
            .col_expr(
                search_positions::Column::UpdatedAt,
                Expr::value(crate::clock::now()),
            )
            .filter(search_positions::Column::IndexUid.eq(&self.index_uid))
            .filter(search_positions::Column::Holder.eq(&self.holder))
            .exec(self.db.writer())
            .await?;
        let held = updated.rows_affected == 1;
        self.set_held_until(held.then(|| asked + self.ttl));
        Ok(held)
    }

    /// Starts the index again from the first event (after it was rebuilt or replaced).
    pub async fn reset_to(&self, position: i64) -> Result<(), DbErr> {
        search_positions::Entity::update_many()
            .col_expr(search_positions::Column::Position, Expr::value(position))
            .col_expr(
                search_positions::Column::UpdatedAt,
                Expr::value(crate::clock::now()),
            )
            .filter(search_positions::Column::IndexUid.eq(&self.index_uid))
            .exec(self.db.writer())
            .await?;
        Ok(())
    }

    /// Lets another instance take over at once (on shutdown).
    pub async fn release(&self) -> Result<(), DbErr> {
        self.set_held_until(None);
        search_positions::Entity::update_many()
            .col_expr(
                search_positions::Column::Holder,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                search_positions::Column::LeaseUntil,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(search_positions::Column::IndexUid.eq(&self.index_uid))
            .filter(search_positions::Column::Holder.eq(&self.holder))
            .exec(self.db.writer())
            .await?;
        Ok(())
    }
}
