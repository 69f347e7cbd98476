//! Runs job handlers on apalis workers, one worker per queue, on SQLite or PostgreSQL.
//!
//! Every handler goes through [`execute`], which:
//! - decodes the payload itself, so a row that does not decode fails that job (dead,
//!   with the reason) instead of stopping the worker;
//! - bounds each run with a timeout and turns a panic into an ordinary failure (apalis's
//!   own timeout and panic layers would leave the row stuck in `Running`);
//! - separates permanent failures (never retried) from transient ones (retried with
//!   exponential backoff and jitter, up to the job's `MAX_ATTEMPTS`);
//! - calls the handler's `exhausted` hook once when the last attempt failed, so the
//!   failure becomes visible to users (e.g. an interview marked `failed`).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use apalis::layers::retry::HasherRng;
use apalis::layers::retry::backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff};
use apalis::prelude::*;
use api::config::WorkerSettings;
use api::jobs::Job;
use futures::FutureExt;
use sea_orm::{DatabaseConnection, DbBackend};

use crate::context::JobContext;
use crate::jobs::deliver_webhook::DeliverWebhookHandler;
use crate::jobs::grade_interview::GradeInterviewHandler;
use crate::jobs::process_stripe_event::ProcessStripeEventHandler;
use crate::jobs::send_email::SendEmailHandler;

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Retrying cannot help (missing row, invalid data, rejected address).
    #[error("permanent failure: {0:#}")]
    Permanent(anyhow::Error),
    /// May work later (network, timeout, database busy).
    #[error("transient failure: {0:#}")]
    Transient(anyhow::Error),
}

impl JobError {
    pub fn permanent(e: impl Into<anyhow::Error>) -> Self {
        Self::Permanent(e.into())
    }

    pub fn transient(e: impl Into<anyhow::Error>) -> Self {
        Self::Transient(e.into())
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent(_))
    }
}

/// A job's behaviour.
pub trait JobHandler: Send + Sync + 'static {
    type Job: Job + Clone;
    /// Upper bound for one run; a run past it counts as a transient failure.
    const TIMEOUT: Duration;

    /// One attempt (1-based `attempt`). Must be idempotent: jobs are delivered at least
    /// once.
    fn run(
        job: Self::Job,
        ctx: &JobContext,
        attempt: usize,
    ) -> impl Future<Output = Result<(), JobError>> + Send;

    /// Called once, after the last attempt failed (or a permanent failure).
    fn exhausted(job: &Self::Job, ctx: &JobContext, error: &JobError) -> impl Future<Output = ()> + Send {
        let _ = (job, ctx, error);
        async {}
    }
}

/// The apalis handler for any [`JobHandler`].
pub async fn execute<H: JobHandler>(
    payload: serde_json::Value,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    let queue = H::Job::QUEUE;
    let attempt = attempt.current();
    let job: H::Job = match serde_json::from_value(payload) {
        Ok(job) => job,
        Err(e) => {
            tracing::error!(queue, error = %e, "job payload does not decode; dropping it");
            ctx.state
                .metrics
                .job_runs
                .with_label_values(&[queue, "dead"])
                .inc();
            return Err(AbortError::new(e).into());
        }
    };
    let run = AssertUnwindSafe(H::run(job.clone(), &ctx, attempt)).catch_unwind();
    let outcome = match tokio::time::timeout(H::TIMEOUT, run).await {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => Err(JobError::transient(anyhow::anyhow!(
            "the job panicked: {}",
            panic_message(panic.as_ref())
        ))),
        Err(_) => Err(JobError::transient(anyhow::anyhow!(
            "the job timed out after {:?}",
            H::TIMEOUT
        ))),
    };
    let error = match outcome {
        Ok(()) => {
            ctx.state
                .metrics
                .job_runs
                .with_label_values(&[queue, "done"])
                .inc();
            return Ok(());
        }
        Err(error) => error,
    };
    let last = error.is_permanent() || attempt >= H::Job::MAX_ATTEMPTS as usize;
    if last {
        tracing::error!(queue, attempt, error = %error, "job failed for good");
        ctx.state
            .metrics
            .job_runs
            .with_label_values(&[queue, "dead"])
            .inc();
        H::exhausted(&job, &ctx, &error).await;
    } else {
        tracing::warn!(queue, attempt, error = %error, "job failed; it will be retried");
        ctx.state
            .metrics
            .job_runs
            .with_label_values(&[queue, "retry"])
            .inc();
    }
    if error.is_permanent() {
        Err(AbortError::new(error).into())
    } else {
        Err(error.into())
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// Queue tuning, from the settings.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub concurrency: usize,
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
    pub poll_interval: Duration,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
}

impl From<&WorkerSettings> for WorkerOptions {
    fn from(s: &WorkerSettings) -> Self {
        Self {
            concurrency: s.concurrency,
            heartbeat: Duration::from_secs(s.heartbeat_secs),
            missed_heartbeats: s.missed_heartbeats,
            poll_interval: Duration::from_millis(s.poll_interval_ms),
            min_backoff: Duration::from_millis(s.retry_min_backoff_ms),
            max_backoff: Duration::from_secs(s.retry_max_backoff_secs),
        }
    }
}

impl WorkerOptions {
    fn backoff(&self) -> anyhow::Result<ExponentialBackoff> {
        let max = self.max_backoff.max(self.min_backoff + Duration::from_millis(1));
        Ok(
            ExponentialBackoffMaker::new(self.min_backoff, max, 0.5, HasherRng::default())
                .map_err(|e| anyhow::anyhow!("invalid retry backoff: {e}"))?
                .make_backoff(),
        )
    }
}

/// A name no other worker process has now or had before: apalis identifies workers
/// by name, and a reused name can hide a dead worker's jobs from recovery.
fn worker_name(queue: &str, boot: &str, restarts: usize) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    format!("{queue}@{host}-{}-{boot}-{restarts}", std::process::id())
}

/// Registers the worker of one queue on `$monitor`, for a storage built by `$storage`.
macro_rules! register_queue {
    ($monitor:ident, $handler:ty, $storage:expr, $ctx:expr, $options:expr, $boot:expr) => {{
        let queue = <<$handler as JobHandler>::Job as Job>::QUEUE;
        let storage = $storage(queue);
        let ctx = $ctx.clone();
        let options = $options.clone();
        let boot = $boot.clone();
        let backoff = options.backoff()?;
        let retries = (<<$handler as JobHandler>::Job as Job>::MAX_ATTEMPTS as usize).saturating_sub(1);
        $monitor = $monitor.register(move |restarts| {
            WorkerBuilder::new(worker_name(queue, &boot, restarts))
                .backend(storage.clone())
                // Concurrency outside retries: a retry waits in its own slot.
                .concurrency(options.concurrency)
                .retry(RetryPolicy::retries(retries).with_backoff(backoff.clone()))
                .enable_tracing()
                .parallelize(tokio::spawn)
                .data(ctx.clone())
                .build(execute::<$handler>)
        });
    }};
}

/// Builds the monitor running one worker per queue against `db` (which should be a
/// pool of its own, so HTTP traffic cannot starve the workers' heartbeats).
pub fn build_monitor(
    ctx: JobContext,
    db: &DatabaseConnection,
    options: WorkerOptions,
) -> anyhow::Result<Monitor> {
    let boot = ulid::Ulid::generate().to_string()[20..].to_ascii_lowercase();
    let mut monitor = Monitor::new()
        .should_restart(|ctx, err| {
            tracing::error!(worker = %ctx.name(), error = %err, "worker stopped; restarting it");
            ctx.restarts() < 1_000
        })
        .shutdown_timeout(Duration::from_secs(30));

    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool().clone();
            let o = options.clone();
            let storage = move |queue: &str| {
                apalis_sqlite::SqliteStorage::<serde_json::Value>::new(&pool)
                    .with_config(
                        apalis_sqlite::Config::default()
                            .queue(queue)
                            .batch_size(o.concurrency)
                            .heartbeat_interval(o.heartbeat)
                            .missed_heartbeats(o.missed_heartbeats),
                    )
                    .poll_with_interval(o.poll_interval)
            };
            register_queue!(monitor, SendEmailHandler, storage, ctx, options, boot);
            register_queue!(monitor, GradeInterviewHandler, storage, ctx, options, boot);
            register_queue!(monitor, ProcessStripeEventHandler, storage, ctx, options, boot);
            register_queue!(monitor, DeliverWebhookHandler, storage, ctx, options, boot);
        }
        _ => {
            let pool = db.get_postgres_connection_pool().clone();
            let o = options.clone();
            let storage = move |queue: &str| {
                apalis_postgres::PostgresStorage::<serde_json::Value>::new(&pool)
                    .with_config(
                        apalis_postgres::Config::default()
                            .queue(queue)
                            .batch_size(o.concurrency)
                            .heartbeat_interval(o.heartbeat)
                            .missed_heartbeats(o.missed_heartbeats),
                    )
                    .with_pubsub()
                    .poll_with_interval(o.poll_interval.max(Duration::from_secs(2)))
            };
            register_queue!(monitor, SendEmailHandler, storage, ctx, options, boot);
            register_queue!(monitor, GradeInterviewHandler, storage, ctx, options, boot);
            register_queue!(monitor, ProcessStripeEventHandler, storage, ctx, options, boot);
            register_queue!(monitor, DeliverWebhookHandler, storage, ctx, options, boot);
        }
    }
    Ok(monitor)
}
