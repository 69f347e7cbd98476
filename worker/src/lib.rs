//! Rehearse's background side: job handlers, the graders, the email dispatcher, and
//! the queue runner shared by the `worker` and `rehearse` binaries.

pub mod context;
pub mod grading;
pub mod jobs;
pub mod runner;

use api::AppState;
use api::config::Config;
pub use context::JobContext;
pub use runner::{JobError, JobHandler, WorkerOptions, build_monitor, execute};

/// Connections of the workers' own pool: heartbeats and claims must not wait behind
/// HTTP traffic for a connection.
pub const WORKER_POOL_SIZE: u32 = 4;

/// Builds the job context and monitor for `state`'s configuration, on a pool of its own.
pub async fn prepare(state: &AppState) -> anyhow::Result<apalis::prelude::Monitor> {
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

/// Loads the configuration the way every binary does: one clear line and exit code 2
/// on a bad setting.
pub fn load_config_or_exit() -> Result<Config, std::process::ExitCode> {
    api::telemetry::install_crypto_provider();
    match api::config::load() {
        Ok(config) => {
            api::telemetry::init(&config.settings.log);
            Ok(config)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(std::process::ExitCode::from(2))
        }
    }
}
