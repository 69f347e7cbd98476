//! Database connections: one code path for SQLite (embedded) and PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode, SqlxPostgresConnector,
    SqlxSqliteConnector, TransactionOptions, TransactionTrait,
};
use secrecy::ExposeSecret;

use crate::config::Config;

/// Opens a pool sized by the settings. SQLite gets WAL, a busy timeout and foreign
/// keys on every connection (set through the connect options, so every pooled
/// connection has them, not just the one that happened to run a PRAGMA).
pub async fn connect(config: &Config, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url.expose_secret();
    let acquire_timeout = Duration::from_secs(config.settings.database.acquire_timeout_secs);
    if config.is_sqlite() {
        let options = SqliteConnectOptions::from_str(url)
            .context("invalid SQLite database URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(acquire_timeout)
            .connect_with(options)
            .await
            .context("cannot open the SQLite database")?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else {
        let options = PgConnectOptions::from_str(url).context("invalid PostgreSQL database URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(acquire_timeout)
            .connect_with(options)
            .await
            .context("cannot connect to PostgreSQL")?;
        Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
    }
}

/// Applies pending schema migrations, then the job queue's own tables.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("failed to apply migrations")?;
    crate::jobs::setup_storage(db)
        .await
        .context("failed to prepare the job queue tables")?;
    Ok(())
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later can
/// fail with SQLITE_BUSY without waiting, which concurrent requests would turn into
/// errors. PostgreSQL ignores the option.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Whether an error means the database could not be reached or the connection broke
/// (refused, reset, timed out, shut down by an administrator, pool exhausted, SQLite
/// still busy after its timeout), as opposed to a bad query or a violated constraint.
/// Such errors are outages, not bugs: the HTTP layer answers them with 503.
pub fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(runtime) | DbErr::Query(runtime) => match runtime {
            sea_orm::RuntimeErr::SqlxError(e) => sqlx_unavailable(e),
            sea_orm::RuntimeErr::Internal(_) => false,
        },
        _ => false,
    }
}

/// [`is_unavailable`] for a bare sqlx error.
pub fn sqlx_unavailable(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match err {
        Error::Io(_)
        | Error::Tls(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed
        | Error::BeginFailed => true,
        Error::Database(e) => e.code().is_some_and(|code| {
            // PostgreSQL: class 08 (connection exception), admin/crash shutdown and
            // "cannot connect now" (57P01-57P03), too many connections (53300).
            // SQLite: SQLITE_BUSY and its extended codes, after the busy timeout.
            code.starts_with("08")
                || matches!(
                    &*code,
                    "57P01" | "57P02" | "57P03" | "53300" | "5" | "261" | "517" | "773"
                )
        }),
        _ => false,
    }
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "sqlite",
        DbBackend::Postgres => "postgres",
        _ => "other",
    }
}
