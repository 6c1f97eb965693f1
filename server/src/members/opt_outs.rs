//! What a one-click unsubscribe link turns off in a member's email preferences: the digest
//! (its frequency set to off), or one kind of notification email (an opt-out recorded).
//! Mail's unsubscribe routes are handed it when the application is assembled (`lib.rs`).

use super::profile::DigestFrequency;
use crate::entities::{email_opt_outs, members};
use crate::mail::unsubscribe::{TurnOff, Unsubscribe};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

/// `TurnOff` over the member's stored preferences.
pub struct EmailPreferences;

#[async_trait::async_trait]
impl TurnOff for EmailPreferences {
    async fn turn_off(
        &self,
        db: &DatabaseConnection,
        member_id: i64,
        what: Unsubscribe,
    ) -> Result<(), DbErr> {
        apply(db, member_id, what).await
    }
}

/// Idempotent: digests off, or one kind of email opted out.
async fn apply(db: &impl ConnectionTrait, member: i64, what: Unsubscribe) -> Result<(), DbErr> {
    match what {
        Unsubscribe::Digest => {
            members::Entity::update_many()
                .col_expr(
                    members::Column::DigestFrequency,
                    Expr::value(DigestFrequency::Off.as_str()),
                )
                .col_expr(members::Column::UpdatedAt, Expr::value(crate::clock::now()))
                .filter(members::Column::Id.eq(member))
                .exec(db)
                .await?;
        }
        Unsubscribe::Notification(kind) => {
            let exists = members::Entity::find_by_id(member).one(db).await?.is_some();
            if exists {
                email_opt_outs::Entity::insert(email_opt_outs::ActiveModel {
                    member_id: Set(member),
                    kind: Set(kind.as_str().to_owned()),
                    created_at: Set(crate::clock::now()),
                })
                .on_conflict(
                    OnConflict::columns([
                        email_opt_outs::Column::MemberId,
                        email_opt_outs::Column::Kind,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
            }
        }
    }
    Ok(())
}
