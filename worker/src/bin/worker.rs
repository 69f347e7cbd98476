//! `worker`: runs background jobs only. Start as many as you like against one
//! PostgreSQL database; each claims jobs with `FOR UPDATE SKIP LOCKED`.

use std::process::ExitCode;

use api::AppState;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match api::config::load_config_or_exit() {
        Ok(config) => config,
        Err(code) => return code,
    };
    api::exit_code("worker", run(config).await)
}

async fn run(config: api::config::Config) -> anyhow::Result<()> {
    // A small pool for the state; the workers get their own in `prepare`.
    let state = AppState::build(config).await?;
    let monitor = worker::prepare(&state).await?;
    tracing::info!("worker running");
    monitor
        .run_with_signal(async {
            api::shutdown_signal().await;
            tracing::info!("shutting down: finishing running jobs");
            Ok(())
        })
        .await?;
    Ok(())
}
