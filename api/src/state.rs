//! The shared application state: everything a request or a job needs, built once.

use std::sync::Arc;

use anyhow::Context;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;

use crate::auth::{JwtKeys, PasswordHasher};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::services::accounts::AccountsDeps;
use crate::services::billing::{self, stripe_client::StripeClient};
use crate::services::interviews;
use crate::services::sharing::ShareKey;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub hasher: PasswordHasher,
    pub jwt: JwtKeys,
    pub metrics: Metrics,
    pub catalog: Catalog,
    pub share_key: ShareKey,
    /// `None` when billing is not configured.
    pub stripe: Option<StripeClient>,
}

impl AppState {
    /// Connects (a pool of `max_connections`), applies migrations unless the settings
    /// say otherwise, and prepares the credentials (with their start-up self-tests).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = crate::db::connect(&config, config.settings.database.max_connections).await?;
        if config.settings.database.migrate_on_start {
            crate::db::migrate(&db).await?;
        }
        Self::with_db(config, db)
    }

    pub fn with_db(config: Config, db: DatabaseConnection) -> anyhow::Result<Self> {
        let auth = &config.settings.auth;
        let jwt = JwtKeys::new(
            config.jwt_secret.expose_secret().as_bytes(),
            &auth.issuer,
            &auth.audience,
            config.access_token_ttl(),
        )
        .context("the JWT signer failed its self-test")?;
        let hasher = PasswordHasher::new(
            auth.max_concurrent_hashes,
            std::time::Duration::from_millis(auth.max_hash_wait_ms),
        )?;
        // A broken catalog file stops start-up here, naming the file and the field.
        let catalog = match &config.settings.catalog.dir {
            Some(dir) => Catalog::from_dir(dir)?,
            None => Catalog::embedded()?,
        };
        let share_key = ShareKey::derive(config.jwt_secret.expose_secret().as_bytes());
        let stripe = StripeClient::from_settings(&config.settings.stripe)?;
        Ok(Self {
            db,
            config: Arc::new(config),
            hasher,
            jwt,
            metrics: Metrics::new()?,
            catalog,
            share_key,
            stripe,
        })
    }

    pub fn interviews(&self) -> interviews::Deps<'_> {
        interviews::Deps {
            db: &self.db,
            config: &self.config,
            catalog: &self.catalog,
            share_key: &self.share_key,
        }
    }

    pub fn billing(&self) -> billing::Deps<'_> {
        billing::Deps {
            db: &self.db,
            config: &self.config,
            stripe: self.stripe.as_ref(),
        }
    }

    pub fn accounts(&self) -> AccountsDeps<'_> {
        AccountsDeps {
            db: &self.db,
            config: &self.config,
            hasher: &self.hasher,
            jwt: &self.jwt,
        }
    }
}
