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
}

/// Installs ring as the process-wide TLS crypto provider (one provider for rustls,
/// reqwest, lettre and sqlx). Call first thing in `main`; repeated calls are harmless.
pub fn install_crypto_provider() {
    drop(rustls::crypto::ring::default_provider().install_default());
}
