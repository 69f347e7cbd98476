//! Sign-in throttling per email address.
//!
//! Every attempt takes a slot *before* its password is hashed, in one statement that
//! increments the counter and returns it (an upsert with `RETURNING`, the same on
//! SQLite and PostgreSQL). So however many guesses arrive at once, at most
//! `login_max_failures` of them are ever verified within a window: the rest are
//! refused without touching argon2. A successful sign-in gives its slot back; a failed
//! one keeps it, and the failure that reaches the limit locks the address for
//! `login_lock_minutes`. A password reset lifts the lock (it deletes the row).
//!
//! The key is a digest of the normalised address, kept whether or not an account
//! exists, so throttling does not reveal which addresses are registered.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, QueryFilter, StatementBuilder};

use crate::config::AuthSettings;
use crate::domain::tokens::digest;
use crate::entities::login_throttles::{self, Column};

/// A reserved attempt: verify the password, then call [`Slot::succeeded`] or
/// [`Slot::failed`].
#[derive(Debug)]
pub struct Slot {
    key: String,
    attempts: u32,
}

/// The outcome of asking for a slot.
#[derive(Debug)]
pub enum Reservation {
    Granted(Slot),
    /// Too many recent failures: try again after this many seconds.
    Refused {
        retry_after_secs: u64,
    },
}

/// The throttle key of an address as typed (trimmed, lower-cased, digested).
pub fn key_for(email: &str) -> String {
    digest(&email.trim().to_lowercase())
}

fn window(settings: &AuthSettings) -> Duration {
    Duration::minutes(i64::try_from(settings.login_lock_minutes).unwrap_or(i64::MAX / 60_000))
}

/// Takes a slot for one attempt on `email`, atomically.
pub async fn reserve<C: ConnectionTrait>(
    db: &C,
    settings: &AuthSettings,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Reservation, DbErr> {
    let key = key_for(email);
    let window = window(settings);
    let expired = Expr::col((login_throttles::Entity, Column::WindowStartedAt)).lte(now - window);
    let mut insert = Query::insert();
    insert
        .into_table(login_throttles::Entity)
        .columns([
            Column::EmailHash,
            Column::Failures,
            Column::WindowStartedAt,
            Column::LockedUntil,
        ])
        .values_panic([
            key.clone().into(),
            1.into(),
            now.into(),
            Option::<DateTime<Utc>>::None.into(),
        ])
        .on_conflict(
            OnConflict::column(Column::EmailHash)
                .value(
                    Column::Failures,
                    Expr::case(expired.clone(), 1)
                        .finally(Expr::col((login_throttles::Entity, Column::Failures)).add(1)),
                )
                .value(
                    Column::WindowStartedAt,
                    Expr::case(expired, now)
                        .finally(Expr::col((login_throttles::Entity, Column::WindowStartedAt))),
                )
                .to_owned(),
        )
        .returning(Query::returning().columns([
            Column::Failures,
            Column::WindowStartedAt,
            Column::LockedUntil,
        ]));
    let row = db
        .query_one_raw(StatementBuilder::build(&insert, &db.get_database_backend()))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the login throttle row was not returned".into()))?;
    let attempts: i32 = row.try_get("", Column::Failures.as_str())?;
    let window_started_at: DateTime<Utc> = row.try_get("", Column::WindowStartedAt.as_str())?;
    let locked_until: Option<DateTime<Utc>> = row.try_get("", Column::LockedUntil.as_str())?;
    let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);

    let locked = locked_until.filter(|until| *until > now);
    if locked.is_some() || attempts > settings.login_max_failures {
        let window_end = window_started_at + window;
        let until = locked.map_or(window_end, |locked| std::cmp::max(locked, window_end));
        let retry_after_secs = u64::try_from(std::cmp::max((until - now).num_seconds(), 1)).unwrap_or(1);
        return Ok(Reservation::Refused { retry_after_secs });
    }
    Ok(Reservation::Granted(Slot { key, attempts }))
}

impl Slot {
    /// The password was right: the attempt does not count against the address.
    pub async fn succeeded<C: ConnectionTrait>(self, db: &C) -> Result<(), DbErr> {
        login_throttles::Entity::update_many()
            .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
            .filter(Column::EmailHash.eq(self.key))
            .filter(Column::Failures.gt(0))
            .exec(db)
            .await?;
        Ok(())
    }

    /// The password was wrong: the slot stays taken, and the failure that reaches the
    /// limit locks the address.
    pub async fn failed<C: ConnectionTrait>(
        self,
        db: &C,
        settings: &AuthSettings,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        if self.attempts >= settings.login_max_failures {
            login_throttles::Entity::update_many()
                .col_expr(Column::LockedUntil, Expr::value(Some(now + window(settings))))
                .filter(Column::EmailHash.eq(self.key))
                .exec(db)
                .await?;
            tracing::warn!(attempts = self.attempts, "sign-in locked after repeated failures");
        }
        Ok(())
    }
}

/// Lifts any lock on `email` (after a password reset).
pub async fn lift<C: ConnectionTrait>(db: &C, email: &str) -> Result<(), DbErr> {
    login_throttles::Entity::delete_by_id(key_for(email))
        .exec(db)
        .await?;
    Ok(())
}
