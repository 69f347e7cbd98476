//! Rehearse's background side, used by the `worker` and `rehearse` binaries:
//! - [`jobs`]: one handler per job kind; each decodes its payload, calls the grader,
//!   the mail server or a partner's endpoint, and records the outcome through
//!   `api::services` (jobs never touch the database themselves);
//! - [`runner`]: the harness every handler runs in (timeouts, panics, retries);
//! - [`queues`]: the queues and the monitor that runs them;
//! - [`grading`]: the rubric and LLM graders;
//! - [`webhook_client`]: the HTTP client partner webhooks go out on;
//! - [`context`]: what every handler gets.

pub mod context;
pub mod grading;
pub mod jobs;
pub mod queues;
pub mod runner;
pub mod webhook_client;

use api::config::Config;
pub use context::JobContext;
pub use queues::{WORKER_POOL_SIZE, WorkerOptions, build_monitor, prepare};
pub use runner::{JobError, JobHandler, execute};

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
