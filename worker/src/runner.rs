//! The job harness: what a job handler is ([`JobHandler`]), how a run fails
//! ([`JobError`]), and [`execute`], the one apalis handler every queue runs (the queues
//! themselves are wired in [`crate::queues`]). [`execute`]:
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

use apalis::prelude::{AbortError, Attempt, BoxDynError, Data};
use api::jobs::Job;
use api::services::work::WorkError;
use futures::FutureExt;

use crate::context::JobContext;

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

impl From<WorkError> for JobError {
    fn from(e: WorkError) -> Self {
        match e {
            WorkError::Permanent(e) => Self::Permanent(e),
            WorkError::Transient(e) => Self::Transient(e),
        }
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
