//! Settings, read in layers. Precedence, lowest first:
//!   1. built-in defaults (the embedded mode: SQLite under `./data`, file mail outbox);
//!   2. an optional TOML file: `$REHEARSE_CONFIG`, else `rehearse.toml` if present;
//!   3. environment variables `REHEARSE__<SECTION>__<KEY>`, e.g. `REHEARSE__SERVER__PORT`.
//!
//! Nothing reads settings from a global: they are loaded once in `main` and passed down.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

pub const ENV_PREFIX: &str = "REHEARSE__";

/// Why the service refused to start; its `Display` is the one line printed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid setting {setting}: {reason}")]
    Invalid { setting: String, reason: String },
    #[error("cannot prepare the data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
}

impl ConfigError {
    fn invalid(key: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            setting: env_name(key),
            reason: reason.into(),
        }
    }
}

/// `server.port` → `REHEARSE__SERVER__PORT`.
fn env_name(dotted_key: &str) -> String {
    format!("{ENV_PREFIX}{}", dotted_key.replace('.', "__").to_uppercase())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    /// Everything the embedded mode keeps: database, mail outbox, generated secrets.
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    /// Base of every link we send (emails, share links); never taken from a request.
    /// Defaults to `http://<server.host>:<server.port>`.
    pub public_base_url: Option<String>,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub worker: WorkerSettings,
    pub plans: PlanSettings,
    pub stripe: StripeSettings,
    pub grader: GraderSettings,
    pub llm: LlmSettings,
    pub webhooks: WebhookSettings,
    pub catalog: CatalogSettings,
    pub log: LogSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings::default(),
            data_dir: PathBuf::from("./data"),
            database: DatabaseSettings::default(),
            public_base_url: None,
            auth: AuthSettings::default(),
            mail: MailSettings::default(),
            worker: WorkerSettings::default(),
            plans: PlanSettings::default(),
            stripe: StripeSettings::default(),
            grader: GraderSettings::default(),
            llm: LlmSettings::default(),
            webhooks: WebhookSettings::default(),
            catalog: CatalogSettings::default(),
            log: LogSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// HTTP worker threads; defaults to the number of CPUs.
    pub workers: Option<usize>,
    /// Largest accepted JSON body, in bytes.
    pub max_body_bytes: usize,
    pub shutdown_timeout_secs: u64,
    /// When set, `GET /metrics` requires `Authorization: Bearer <token>`; without it the
    /// endpoint is open to whoever reaches the port (keep the port private then).
    pub metrics_token: Option<SecretString>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: None,
            max_body_bytes: 256 * 1024,
            shutdown_timeout_secs: 30,
            metrics_token: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path?mode=rwc` or `postgres://user:pass@host/db`; defaults to
    /// `<data_dir>/rehearse.db`. A secret: it may carry a password.
    pub url: Option<SecretString>,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
    /// Apply pending migrations at start-up. Turn off where a separate step migrates
    /// (`api migrate`, as in docker/compose.yaml).
    pub migrate_on_start: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 10,
            acquire_timeout_secs: 5,
            migrate_on_start: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 signing key, at least 32 bytes. When unset, a random one is generated
    /// once into `<data_dir>/jwt-secret` and reused on every start.
    pub jwt_secret: Option<SecretString>,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_days: u64,
    pub verification_token_ttl_hours: u64,
    pub password_reset_ttl_minutes: u64,
    /// Threads that hash passwords: argon2 computations at once (each thread keeps
    /// ~19 MiB of its own, allocated once).
    pub max_concurrent_hashes: usize,
    /// A sign-in or sign-up that would wait longer than this for a hashing thread is
    /// refused with 503 and `Retry-After` instead of queueing.
    pub max_hash_wait_ms: u64,
    /// Failed logins for one email within the window before it is locked.
    pub login_max_failures: u32,
    pub login_lock_minutes: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            issuer: "rehearse".into(),
            audience: "rehearse-api".into(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_days: 30,
            verification_token_ttl_hours: 48,
            password_reset_ttl_minutes: 60,
            max_concurrent_hashes: 4,
            max_hash_wait_ms: 3_000,
            login_max_failures: 5,
            login_lock_minutes: 15,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// One `.eml` per message in `<data_dir>/outbox`.
    File,
    Smtp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// `smtp://host:port`, `smtp://user:pass@host:587?tls=required`, `smtps://…`.
    pub smtp_url: Option<SecretString>,
    pub from: String,
    pub smtp_timeout_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: MailTransport::File,
            smtp_url: None,
            from: "Rehearse <no-reply@rehearse.localhost>".into(),
            smtp_timeout_secs: 15,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Jobs of one queue running at once in one process.
    pub concurrency: usize,
    /// Liveness beat of each worker.
    pub heartbeat_secs: u64,
    /// Beats a worker may miss before its jobs are handed to another worker.
    pub missed_heartbeats: usize,
    /// How often an idle worker looks for new jobs (PostgreSQL also gets a push
    /// notification on every insert, so this is only its fallback).
    pub poll_interval_ms: u64,
    /// First retry delay of a failed job; doubles on each attempt, with jitter.
    pub retry_min_backoff_ms: u64,
    pub retry_max_backoff_secs: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            heartbeat_secs: 5,
            missed_heartbeats: 3,
            poll_interval_ms: 500,
            retry_min_backoff_ms: 1_000,
            retry_max_backoff_secs: 300,
        }
    }
}

/// Interview allowances of the plans (billing decides who is on which plan).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanSettings {
    /// Interviews per billing period on `pro`.
    pub pro_monthly_interviews: u32,
    /// Interviews per billing period on `team`, per member.
    pub team_monthly_interviews_per_seat: u32,
    /// Interviews per calendar month for partner organizations.
    pub partner_monthly_interviews: u32,
    /// Displayed prices (Stripe's prices are what is charged), in the smallest unit.
    pub pro_price_cents: u32,
    pub team_price_cents_per_seat: u32,
    pub currency: String,
}

impl Default for PlanSettings {
    fn default() -> Self {
        Self {
            pro_monthly_interviews: 30,
            team_monthly_interviews_per_seat: 20,
            partner_monthly_interviews: 100,
            pro_price_cents: 1_900,
            team_price_cents_per_seat: 1_500,
            currency: "usd".into(),
        }
    }
}

/// Stripe billing. Without a secret key billing is off: billing endpoints answer 503
/// `billing-not-configured` and everything else works.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripeSettings {
    pub secret_key: Option<SecretString>,
    /// `whsec_…`: verifies `Stripe-Signature` on webhooks.
    pub webhook_secret: Option<SecretString>,
    /// Still accepted while a rotated secret is rolled out.
    pub previous_webhook_secret: Option<SecretString>,
    /// Stripe's API; tests point it at a fake.
    pub api_base: String,
    /// Price ids of the plans (`price_…`).
    pub price_pro: Option<String>,
    pub price_team: Option<String>,
    pub timeout_secs: u64,
    /// Oldest acceptable `Stripe-Signature` timestamp, in seconds.
    pub webhook_tolerance_secs: u64,
    /// How long a `past_due` subscription keeps its plan.
    pub past_due_grace_days: u32,
}

impl Default for StripeSettings {
    fn default() -> Self {
        Self {
            secret_key: None,
            webhook_secret: None,
            previous_webhook_secret: None,
            api_base: "https://api.stripe.com".into(),
            price_pro: None,
            price_team: None,
            timeout_secs: 20,
            webhook_tolerance_secs: 300,
            past_due_grace_days: 7,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraderKind {
    /// Deterministic rubric grading (no network).
    Rubric,
    /// An OpenAI-compatible model, guarded by the rubric grader.
    Llm,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraderSettings {
    pub kind: GraderKind,
    /// Largest accepted gap (in points) between the model's and the rubric's score of
    /// a question; beyond it the model's score is clamped toward the rubric's and
    /// the report is flagged.
    pub guard_margin: u8,
}

impl Default for GraderSettings {
    fn default() -> Self {
        Self {
            kind: GraderKind::Rubric,
            guard_margin: 25,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmMode {
    /// One completion per question, run concurrently.
    PerQuestion,
    /// One completion for the whole interview.
    PerInterview,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenParam {
    /// OpenAI's current name (llama.cpp and vLLM accept it too).
    MaxCompletionTokens,
    /// The older name, for servers such as Ollama that only know it.
    MaxTokens,
}

/// USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    pub prompt_per_million: f64,
    pub completion_per_million: f64,
}

/// An OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1`.
    pub base_url: Option<String>,
    /// May be empty for local servers.
    pub api_key: Option<SecretString>,
    pub model: String,
    /// Per attempt.
    pub timeout_secs: u64,
    pub max_output_tokens: u32,
    pub token_param: TokenParam,
    pub mode: LlmMode,
    /// Completions in flight at once for one interview (per-question mode).
    pub concurrency: usize,
    /// Retries after the first attempt, on 429, 5xx, timeouts and connection errors.
    pub max_retries: u32,
    /// Longest `Retry-After` honoured, in seconds.
    pub max_retry_after_secs: u64,
    /// Put `maxLength` on the schema's strings. Grammar-constrained local servers
    /// (llama.cpp, vLLM) then cannot ramble past the token limit; OpenAI's strict mode
    /// rejects the keyword, so it is off by default.
    pub schema_string_limits: bool,
    /// Tokens an organization may spend per UTC day (0 = unlimited); past it, the
    /// rubric grader grades.
    pub daily_token_budget_per_organization: u64,
    /// Prices by model name; a model not listed costs nothing in the accounts.
    pub prices: std::collections::BTreeMap<String, ModelPrice>,
}

impl Default for LlmSettings {
    fn default() -> Self {
        let price = |prompt_per_million, completion_per_million| ModelPrice {
            prompt_per_million,
            completion_per_million,
        };
        Self {
            base_url: None,
            api_key: None,
            model: "gpt-4o-mini".into(),
            timeout_secs: 60,
            max_output_tokens: 1_200,
            token_param: TokenParam::MaxCompletionTokens,
            mode: LlmMode::PerQuestion,
            concurrency: 4,
            max_retries: 3,
            max_retry_after_secs: 30,
            schema_string_limits: false,
            daily_token_budget_per_organization: 2_000_000,
            prices: [
                ("gpt-4o-mini".to_owned(), price(0.15, 0.60)),
                ("gpt-4o".to_owned(), price(2.50, 10.00)),
                ("gpt-4.1-mini".to_owned(), price(0.40, 1.60)),
            ]
            .into_iter()
            .collect(),
        }
    }
}

/// Partner webhooks.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Allow endpoints on loopback, private and link-local addresses. Off by default, so
    /// a partner cannot make our workers call into our own network.
    pub allow_private_targets: bool,
    pub timeout_secs: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            timeout_secs: 10,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogSettings {
    /// Load the question bank from this folder instead of the copy built into the
    /// binary (for editing content without a rebuild).
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,api=debug`; `RUST_LOG` wins when set.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Json,
            level: "info".into(),
        }
    }
}

/// Settings after validation, with every derived value resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub database_url: SecretString,
    pub public_base_url: Url,
    pub jwt_secret: SecretString,
}

impl Config {
    pub fn outbox_dir(&self) -> PathBuf {
        self.settings.data_dir.join("outbox")
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose_secret().starts_with("sqlite:")
    }

    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.settings.auth.access_token_ttl_secs)
    }

    /// `path` joined to the public base URL, e.g. `verify-email`.
    pub fn public_link(&self, path: &str) -> Url {
        // The base is validated to be an absolute http(s) URL, so joining cannot fail
        // for the relative paths we build; fall back to the base if it ever does.
        self.public_base_url
            .join(path)
            .unwrap_or_else(|_| self.public_base_url.clone())
    }
}

/// Reads the layers (defaults, file, environment) without touching the disk beyond the
/// optional config file.
pub fn read_settings() -> Result<Settings, ConfigError> {
    let file = std::env::var("REHEARSE_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("rehearse.toml"));
    Figment::new()
        .merge(Toml::file(file))
        .merge(Env::prefixed(ENV_PREFIX).split("__"))
        .extract::<Settings>()
        .map_err(figment_error)
}

fn figment_error(error: figment::Error) -> ConfigError {
    let key = error.path.join(".");
    let setting = if key.is_empty() {
        "(configuration)".to_owned()
    } else {
        env_name(&key)
    };
    let source = error
        .metadata
        .as_ref()
        .and_then(|m| m.source.as_ref())
        .map(|s| format!(" (from {s})"))
        .unwrap_or_default();
    ConfigError::Invalid {
        setting,
        reason: format!("{}{source}", error.kind),
    }
}

/// Loads the configuration the way every binary (`api`, `worker`, `rehearse`) does:
/// TLS provider and logging set up, or one clear line on stderr and exit code 2 on a bad
/// setting.
pub fn load_config_or_exit() -> Result<Config, std::process::ExitCode> {
    crate::telemetry::install_crypto_provider();
    match load() {
        Ok(config) => {
            crate::telemetry::init(&config.settings.log);
            Ok(config)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(std::process::ExitCode::from(2))
        }
    }
}

/// Loads, validates and resolves the configuration, creating the data directory and the
/// generated JWT secret when they do not exist yet.
pub fn load() -> Result<Config, ConfigError> {
    resolve(read_settings()?)
}

/// Validates `settings` and derives the rest (used by `load` and by tests).
pub fn resolve(settings: Settings) -> Result<Config, ConfigError> {
    validate(&settings)?;
    let data_dir = &settings.data_dir;
    std::fs::create_dir_all(data_dir).map_err(|e| ConfigError::DataDir {
        path: data_dir.display().to_string(),
        reason: e.to_string(),
    })?;

    let database_url = match &settings.database.url {
        Some(url) => url.clone(),
        None => SecretString::from(format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("rehearse.db").display()
        )),
    };
    let url = database_url.expose_secret();
    if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ConfigError::invalid(
            "database.url",
            "must start with sqlite:, postgres:// or postgresql://",
        ));
    }

    let public_base_url = match &settings.public_base_url {
        Some(raw) => parse_base_url(raw)?,
        None => parse_base_url(&format!(
            "http://{}:{}",
            settings.server.host, settings.server.port
        ))?,
    };

    let jwt_secret = match &settings.auth.jwt_secret {
        Some(secret) => secret.clone(),
        None => generated_secret(data_dir)?,
    };
    if jwt_secret.expose_secret().len() < 32 {
        return Err(ConfigError::invalid(
            "auth.jwt_secret",
            "must be at least 32 bytes long",
        ));
    }

    Ok(Config {
        settings,
        database_url,
        public_base_url,
        jwt_secret,
    })
}

fn parse_base_url(raw: &str) -> Result<Url, ConfigError> {
    let mut url =
        Url::parse(raw).map_err(|e| ConfigError::invalid("public_base_url", format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::invalid(
            "public_base_url",
            "must be an absolute http:// or https:// URL",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::invalid(
            "public_base_url",
            "must not have a query or a fragment",
        ));
    }
    // A trailing slash makes `join` append instead of replacing the last segment.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn validate(s: &Settings) -> Result<(), ConfigError> {
    if s.server.host.trim().is_empty() {
        return Err(ConfigError::invalid("server.host", "must not be empty"));
    }
    if s.server.workers == Some(0) {
        return Err(ConfigError::invalid("server.workers", "must be at least 1"));
    }
    if s.server.max_body_bytes < 1024 {
        return Err(ConfigError::invalid(
            "server.max_body_bytes",
            "must be at least 1024",
        ));
    }
    if s.database.max_connections == 0 {
        return Err(ConfigError::invalid(
            "database.max_connections",
            "must be at least 1",
        ));
    }
    let auth = &s.auth;
    if auth.issuer.is_empty() || auth.audience.is_empty() {
        return Err(ConfigError::invalid(
            "auth.issuer",
            "issuer and audience must not be empty",
        ));
    }
    if !(60..=3600).contains(&auth.access_token_ttl_secs) {
        return Err(ConfigError::invalid(
            "auth.access_token_ttl_secs",
            "must be between 60 and 3600",
        ));
    }
    if auth.refresh_token_ttl_days == 0 || auth.refresh_token_ttl_days > 365 {
        return Err(ConfigError::invalid(
            "auth.refresh_token_ttl_days",
            "must be between 1 and 365",
        ));
    }
    if auth.max_concurrent_hashes == 0 {
        return Err(ConfigError::invalid(
            "auth.max_concurrent_hashes",
            "must be at least 1",
        ));
    }
    if auth.login_max_failures == 0 {
        return Err(ConfigError::invalid(
            "auth.login_max_failures",
            "must be at least 1",
        ));
    }
    if s.mail.transport == MailTransport::Smtp {
        match &s.mail.smtp_url {
            None => {
                return Err(ConfigError::invalid(
                    "mail.smtp_url",
                    "is required when REHEARSE__MAIL__TRANSPORT=smtp",
                ));
            }
            Some(url) => {
                let url = url.expose_secret();
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err(ConfigError::invalid(
                        "mail.smtp_url",
                        "must start with smtp:// or smtps://",
                    ));
                }
            }
        }
    }
    if !emails::is_valid_mailbox(&s.mail.from) {
        return Err(ConfigError::invalid(
            "mail.from",
            "must be an address such as `Rehearse <no-reply@example.com>`",
        ));
    }
    validate_stripe(&s.stripe)?;
    validate_llm(s)?;
    if s.worker.concurrency == 0 {
        return Err(ConfigError::invalid("worker.concurrency", "must be at least 1"));
    }
    if s.worker.poll_interval_ms < 10 {
        return Err(ConfigError::invalid(
            "worker.poll_interval_ms",
            "must be at least 10",
        ));
    }
    if s.worker.retry_min_backoff_ms == 0 || s.worker.retry_max_backoff_secs == 0 {
        return Err(ConfigError::invalid(
            "worker.retry_min_backoff_ms",
            "retry backoffs must be greater than zero",
        ));
    }
    if s.worker.heartbeat_secs == 0 {
        return Err(ConfigError::invalid(
            "worker.heartbeat_secs",
            "must be at least 1",
        ));
    }
    Ok(())
}

fn validate_llm(s: &Settings) -> Result<(), ConfigError> {
    let llm = &s.llm;
    if s.grader.kind == GraderKind::Llm && llm.base_url.is_none() {
        return Err(ConfigError::invalid(
            "llm.base_url",
            "is required when REHEARSE__GRADER__KIND=llm",
        ));
    }
    if let Some(base) = &llm.base_url {
        let url =
            Url::parse(base).map_err(|e| ConfigError::invalid("llm.base_url", format!("not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ConfigError::invalid(
                "llm.base_url",
                "must be an http(s) URL ending in /v1",
            ));
        }
    }
    if let Some(key) = &llm.api_key
        && key.expose_secret().chars().any(|c| c.is_control())
    {
        return Err(ConfigError::invalid(
            "llm.api_key",
            "must not contain control characters",
        ));
    }
    if llm.model.trim().is_empty() {
        return Err(ConfigError::invalid("llm.model", "must not be empty"));
    }
    if llm.timeout_secs == 0 || llm.max_output_tokens == 0 || llm.concurrency == 0 {
        return Err(ConfigError::invalid(
            "llm.timeout_secs",
            "timeout, max_output_tokens and concurrency must be greater than zero",
        ));
    }
    if s.grader.guard_margin > 100 {
        return Err(ConfigError::invalid(
            "grader.guard_margin",
            "must be between 0 and 100",
        ));
    }
    Ok(())
}

fn validate_stripe(s: &StripeSettings) -> Result<(), ConfigError> {
    let Some(key) = &s.secret_key else {
        return Ok(());
    };
    let key = key.expose_secret();
    if !(key.starts_with("sk_") || key.starts_with("rk_")) {
        return Err(ConfigError::invalid(
            "stripe.secret_key",
            "must be a Stripe secret key (sk_… or rk_…)",
        ));
    }
    match &s.webhook_secret {
        None => {
            return Err(ConfigError::invalid(
                "stripe.webhook_secret",
                "is required when REHEARSE__STRIPE__SECRET_KEY is set",
            ));
        }
        Some(secret) if secret.expose_secret().len() < 8 => {
            return Err(ConfigError::invalid("stripe.webhook_secret", "is too short"));
        }
        Some(_) => {}
    }
    for (key, value) in [
        ("stripe.price_pro", &s.price_pro),
        ("stripe.price_team", &s.price_team),
    ] {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            return Err(ConfigError::invalid(
                key,
                "is required when REHEARSE__STRIPE__SECRET_KEY is set",
            ));
        }
    }
    let base = Url::parse(&s.api_base)
        .map_err(|e| ConfigError::invalid("stripe.api_base", format!("not a URL ({e})")))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(ConfigError::invalid("stripe.api_base", "must be an http(s) URL"));
    }
    if s.timeout_secs == 0 {
        return Err(ConfigError::invalid("stripe.timeout_secs", "must be at least 1"));
    }
    Ok(())
}

/// Reads `<data_dir>/jwt-secret`, creating it (owner-only) with 256 random bits the
/// first time, so tokens survive a restart of the embedded service.
fn generated_secret(data_dir: &Path) -> Result<SecretString, ConfigError> {
    let path = data_dir.join("jwt-secret");
    let io_err = |e: std::io::Error| ConfigError::DataDir {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing.trim().len() >= 32 => {
            return Ok(SecretString::from(existing.trim().to_owned()));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(e)),
    }
    let secret = crate::domain::tokens::random_token(32);
    write_private(&path, secret.as_bytes()).map_err(io_err)?;
    Ok(SecretString::from(secret))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
