//! Background job payloads and how they are enqueued.
//!
//! Jobs live in apalis's own tables (`Jobs` on SQLite, `apalis.jobs` on PostgreSQL) in
//! the same database as our data. We insert the row ourselves, with the caller's
//! connection, so a job is enqueued in the same transaction as the change that causes
//! it: both commit or neither does. Delivery is at least once; every job handler is
//! idempotent. The payload is the JSON of the job type (apalis's JSON codec).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A job payload and where it goes.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The apalis queue (its `job_type` column). Never rename: queued rows would be
    /// orphaned.
    const QUEUE: &'static str;
    /// Runs before the job is dead-lettered (left `Failed` with no attempts left).
    const MAX_ATTEMPTS: u32;
    #[allow(clippy::cast_possible_wrap)]
    const MAX_ATTEMPTS_I32: i32 = Self::MAX_ATTEMPTS as i32;
}

/// Delivers one outbox email.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SendEmail {
    pub outbox_id: Uuid,
}

impl Job for SendEmail {
    const QUEUE: &'static str = "rehearse.send_email";
    const MAX_ATTEMPTS: u32 = 8;
}

/// Grades a submitted interview, stores its report and queues the results email.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GradeInterview {
    pub interview_id: Uuid,
    pub organization_id: Uuid,
}

impl Job for GradeInterview {
    const QUEUE: &'static str = "rehearse.grade_interview";
    const MAX_ATTEMPTS: u32 = 5;
}

/// Applies one stored Stripe event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProcessStripeEvent {
    pub event_id: String,
}

impl Job for ProcessStripeEvent {
    const QUEUE: &'static str = "rehearse.process_stripe_event";
    const MAX_ATTEMPTS: u32 = 8;
}

/// Sends one partner webhook delivery.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeliverWebhook {
    pub delivery_id: Uuid,
}

impl Job for DeliverWebhook {
    const QUEUE: &'static str = "rehearse.deliver_webhook";
    const MAX_ATTEMPTS: u32 = 8;
}

/// Every queue the workers consume, for metrics.
pub const QUEUES: &[&str] = &[
    SendEmail::QUEUE,
    GradeInterview::QUEUE,
    ProcessStripeEvent::QUEUE,
    DeliverWebhook::QUEUE,
];

/// Inserts `job` into its queue using `db` (a transaction or a pool). With an
/// idempotency key, a job already queued under the same key is not queued again (the
/// key stays taken after the job ran). Returns whether a row was inserted.
pub async fn enqueue<C: ConnectionTrait, J: Job>(
    db: &C,
    job: &J,
    idempotency_key: Option<&str>,
) -> Result<bool, DbErr> {
    let payload = serde_json::to_vec(job).map_err(|e| DbErr::Custom(format!("cannot encode a job: {e}")))?;
    let id = ulid::Ulid::generate().to_string();
    let backend = db.get_database_backend();
    let key = Value::String(idempotency_key.map(str::to_owned));
    let max_attempts = Value::from(i32::try_from(J::MAX_ATTEMPTS).unwrap_or(i32::MAX));
    let statement = match backend {
        DbBackend::Sqlite => Statement::from_sql_and_values(
            backend,
            "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority, metadata, idempotency_key) \
             VALUES ($1, $2, $3, 'Pending', 0, $4, $5, 0, '{}', $6) \
             ON CONFLICT (job_type, idempotency_key) DO NOTHING",
            [
                Value::from(payload),
                Value::from(id),
                Value::from(J::QUEUE),
                max_attempts,
                Value::from(chrono::Utc::now().timestamp()),
                key,
            ],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            "INSERT INTO apalis.jobs (id, job_type, job, status, attempts, max_attempts, run_at, priority, idempotency_key) \
             VALUES ($1, $2, $3, 'Pending', 0, $4, now(), 0, $5) \
             ON CONFLICT (job_type, idempotency_key) DO NOTHING",
            [
                Value::from(id),
                Value::from(J::QUEUE),
                Value::from(payload),
                max_attempts,
                key,
            ],
        ),
    };
    Ok(db.execute_raw(statement).await?.rows_affected() == 1)
}

/// Creates apalis's tables. On SQLite only its migrations run: its `setup()` would also
/// switch one pooled connection to `synchronous=OFF`, which we do not want.
pub async fn setup_storage(db: &DatabaseConnection) -> anyhow::Result<()> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            apalis_sqlite::SqliteStorage::<()>::migrations()
                .run(db.get_sqlite_connection_pool())
                .await?;
        }
        _ => apalis_postgres::PostgresStorage::<()>::setup(db.get_postgres_connection_pool()).await?,
    }
    Ok(())
}

/// Jobs per queue and state, for `/metrics` and `/readyz`. `dead` is the dead-letter
/// state: jobs that failed permanently or have no attempts left; `failed` jobs will run
/// again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCount {
    pub queue: String,
    pub state: String,
    pub count: i64,
}

pub async fn counts(db: &DatabaseConnection) -> Result<Vec<QueueCount>, DbErr> {
    let backend = db.get_database_backend();
    let table = match backend {
        DbBackend::Sqlite => "Jobs",
        _ => "apalis.jobs",
    };
    let sql = format!(
        "SELECT job_type, \
           CASE WHEN status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts) THEN 'dead' \
                ELSE lower(status) END AS state, \
           COUNT(*) AS n \
         FROM {table} GROUP BY 1, 2"
    );
    let rows = db.query_all_raw(Statement::from_string(backend, sql)).await?;
    rows.into_iter()
        .map(|row| {
            Ok(QueueCount {
                queue: row.try_get_by_index(0)?,
                state: row.try_get_by_index(1)?,
                count: row.try_get_by_index(2)?,
            })
        })
        .collect()
}

/// Dead-lettered jobs of one queue (most recent first), for operators.
#[derive(Debug, Clone)]
pub struct DeadJob {
    pub id: String,
    pub queue: String,
    pub attempts: i32,
    pub last_result: Option<String>,
}

pub async fn dead_jobs(db: &DatabaseConnection, limit: u32) -> Result<Vec<DeadJob>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => "SELECT id, job_type, attempts, last_result FROM Jobs \
             WHERE status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts) \
             ORDER BY done_at DESC LIMIT $1"
            .to_owned(),
        _ => "SELECT id, job_type, attempts, last_result::text FROM apalis.jobs \
             WHERE status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts) \
             ORDER BY done_at DESC LIMIT $1"
            .to_owned(),
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(i64::from(limit))],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(DeadJob {
                id: row.try_get_by_index(0)?,
                queue: row.try_get_by_index(1)?,
                attempts: row.try_get_by_index(2)?,
                last_result: row.try_get_by_index(3)?,
            })
        })
        .collect()
}
