//! `api`: the HTTP API alone. Jobs it enqueues are run by `worker` processes.
//! `api migrate` applies the database migrations and exits.

use std::process::ExitCode;

use api::{AppState, config, http::Application};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match config::load_config_or_exit() {
        Ok(config) => config,
        Err(code) => return code,
    };
    api::exit_code("api", run(config).await)
}

async fn run(config: config::Config) -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        let db = api::db::connect(&config, 2).await?;
        api::db::migrate(&db).await?;
        tracing::info!("migrations applied");
        return Ok(());
    }
    let state = AppState::build(config).await?;
    let app = Application::build(state)?;
    tracing::info!(port = app.port(), "api listening");
    let handle = app.handle();
    tokio::spawn(async move {
        api::shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        handle.stop(true).await;
    });
    app.run_until_stopped().await?;
    Ok(())
}
