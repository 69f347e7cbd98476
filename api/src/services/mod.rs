//! Business rules. Nothing here knows about HTTP: handlers extract and authorize, then
//! call these functions, which own their transactions.

pub mod accounts;
pub mod api_keys;
pub mod billing;
pub mod grading;
pub mod idempotency;
pub mod interviews;
pub mod llm_usage;
pub mod login_throttle;
pub mod mail;
pub mod organizations;
pub mod quota;
pub mod sharing;
pub mod web;
pub mod webhooks;
pub mod work;

use sea_orm::{DbErr, SqlErr};

/// Whether a database error is a unique-constraint violation (a lost race or a
/// duplicate), the same way on SQLite and PostgreSQL.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
