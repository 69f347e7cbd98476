//! The queues: one apalis worker per job kind, on SQLite or PostgreSQL storage, all
//! running [`execute`] for their [`JobHandler`], and the monitor that supervises them.

use std::time::Duration;

use apalis::layers::retry::HasherRng;
use apalis::layers::retry::backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff};
use apalis::prelude::*;
use api::AppState;
use api::config::WorkerSettings;
use api::jobs::Job;
use sea_orm::{DatabaseConnection, DbBackend};

use crate::context::JobContext;
use crate::jobs::deliver_webhook::DeliverWebhookHandler;
use crate::jobs::grade_interview::GradeInterviewHandler;
use crate::jobs::process_stripe_event::ProcessStripeEventHandler;
use crate::jobs::send_email::SendEmailHandler;
use crate::runner::{JobHandler, execute};

/// Connections of the workers' own pool: heartbeats and claims must not wait behind
/// HTTP traffic for a connection.
pub const WORKER_POOL_SIZE: u32 = 4;

/// Builds the job context and monitor for `state`'s configuration, on a pool of its own.
pub async fn prepare(state: &AppState) -> anyhow::Result<Monitor> {
    let db = api::db::connect(
        &state.config,
        WORKER_POOL_SIZE + state.config.settings.worker.concurrency as u32,
    )
    .await?;
    let worker_state = AppState {
        db: db.clone(),
        ..state.clone()
    };
    let ctx = JobContext::new(worker_state)?;
    build_monitor(ctx, &db, WorkerOptions::from(&state.config.settings.worker))
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
