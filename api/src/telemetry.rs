//! Logging: JSON lines by default (one object per event, with the span's fields such
//! as `request_id`), or human-readable for local work.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber. `RUST_LOG` wins over the configured level. Calling
/// it twice is harmless (the second call does nothing), which tests rely on.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match settings.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
    drop(result);
    install_panic_hook();
}

/// Logs a panic as one structured line (message and location, inside the current span,
/// so a request's panic carries its request id) instead of the default stderr print and
/// backtrace. The request or job that panicked is answered or retried by its own guard.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(panic = %message, location = %location, "panicked");
    }));
}

/// Installs ring as the process-wide TLS crypto provider (one provider for rustls,
/// reqwest, lettre and sqlx). Call first thing in `main`; repeated calls are harmless.
pub fn install_crypto_provider() {
    drop(rustls::crypto::ring::default_provider().install_default());
}
