//! `rehearse`: the API and the workers in one process. With no configuration it is the
//! embedded service: SQLite under `./data`, mail written to `./data/outbox`.

use std::process::ExitCode;

use api::AppState;
use api::http::Application;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match api::config::load_config_or_exit() {
        Ok(config) => config,
        Err(code) => return code,
    };
    api::exit_code("rehearse", run(config).await)
}

async fn run(config: api::config::Config) -> anyhow::Result<()> {
    let state = AppState::build(config).await?;
    let monitor = worker::prepare(&state).await?;
    let app = Application::build(state.clone())?;
    tracing::info!(
        port = app.port(),
        database = api::db::backend_name(&state.db),
        "rehearse listening; API and workers in one process"
    );

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let http = app.handle();
    tokio::spawn(async move {
        api::shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests and jobs");
        let _ = stop_tx.send(true);
        http.stop(true).await;
    });
    let mut jobs_stop = stop_rx.clone();
    let jobs = monitor.run_with_signal(async move {
        let _ = jobs_stop.wait_for(|stop| *stop).await;
        Ok(())
    });
    let (http_result, jobs_result) = tokio::join!(app.run_until_stopped(), jobs);
    http_result?;
    jobs_result?;
    Ok(())
}
