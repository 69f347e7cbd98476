//! Rehearse's API crate: configuration, telemetry, the data model, domain types,
//! services, job payloads and — in [`http`] only — the actix-web layer.

pub mod auth;
pub mod catalog;
pub mod config;
pub mod db;
pub mod domain;
pub mod entities;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod net;
pub mod services;
pub mod state;
pub mod telemetry;

pub use state::AppState;

/// Resolves on SIGTERM or Ctrl-C: both mean "finish what you are doing and stop".
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The process exit code for a binary's result: errors go to the log and, as one line,
/// to stderr.
pub fn exit_code(binary: &str, result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "{binary} stopped with an error");
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
