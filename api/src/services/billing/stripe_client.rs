//! The outbound Stripe client: customers, Checkout Sessions, portal sessions.
//!
//! Every write carries an idempotency key derived from our own ids, so retrying (here,
//! or a whole request retried by the caller) never creates a second customer or
//! session. This is the only retry layer: async-stripe's own strategies are not used.

use std::collections::HashMap;
use std::time::Duration;

use secrecy::ExposeSecret;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_checkout::CheckoutSessionMode;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
};
use stripe_core::customer::{CreateCustomer, DeleteCustomer};

use crate::config::StripeSettings;

const ATTEMPTS: u32 = 3;

/// A Stripe call that failed, classified for our callers.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StripeFailure {
    /// Stripe refused the request as such (bad parameters, unknown price, card).
    #[error("Stripe refused the request ({status} {code}): {message}")]
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
    /// Stripe is rate limiting or failing; may work later.
    #[error("Stripe is unavailable ({0})")]
    Unavailable(String),
}

impl StripeFailure {
    fn from_error(e: &StripeError) -> Self {
        match e {
            StripeError::Stripe(err, status) => {
                let code = err
                    .code
                    .as_ref()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_else(|| err.type_.as_str().to_owned());
                let message = err.message.clone().unwrap_or_default();
                if *status == 429 || *status >= 500 || *status == 409 {
                    Self::Unavailable(format!("{status} {code}"))
                } else {
                    Self::Rejected {
                        status: *status,
                        code,
                        message,
                    }
                }
            }
            StripeError::Timeout => Self::Unavailable("timeout".into()),
            StripeError::ClientError(m) => Self::Unavailable(format!("network: {m}")),
            StripeError::JSONDeserialize(m) => Self::Unavailable(format!("unreadable response: {m}")),
            StripeError::ConfigError(m) => Self::Rejected {
                status: 0,
                code: "config".into(),
                message: m.clone(),
            },
        }
    }

    fn retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

#[derive(Clone)]
pub struct StripeClient {
    client: Client,
}

impl std::fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StripeClient")
    }
}

/// Runs `call` up to three times with the same idempotency key, backing off between
/// attempts, retrying only what may succeed later (429, 5xx, timeouts, network).
async fn with_retries<T, F, Fut>(key: &str, mut call: F) -> Result<T, StripeFailure>
where
    F: FnMut(RequestStrategy) -> Fut,
    Fut: Future<Output = Result<T, StripeError>>,
{
    let mut delay = Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        let strategy =
            RequestStrategy::Idempotent(IdempotencyKey::new(key).map_err(|e| StripeFailure::Rejected {
                status: 0,
                code: "idempotency_key".into(),
                message: e.to_string(),
            })?);
        match call(strategy).await {
            Ok(value) => return Ok(value),
            Err(e) => {
                let failure = StripeFailure::from_error(&e);
                if !failure.retryable() || attempt >= ATTEMPTS {
                    return Err(failure);
                }
                tracing::warn!(attempt, error = %failure, "Stripe call failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 3;
                attempt += 1;
            }
        }
    }
}

impl StripeClient {
    /// `None` when no secret key is configured (billing off).
    pub fn from_settings(settings: &StripeSettings) -> anyhow::Result<Option<Self>> {
        let Some(secret) = &settings.secret_key else {
            return Ok(None);
        };
        let client = ClientBuilder::new(secret.expose_secret())
            .url(settings.api_base.trim_end_matches('/'))
            .timeout(Duration::from_secs(settings.timeout_secs))
            .app_info("rehearse", Some(env!("CARGO_PKG_VERSION").into()), None)
            .build()
            .map_err(|e| anyhow::anyhow!("invalid Stripe settings: {e}"))?;
        Ok(Some(Self { client }))
    }

    /// Creates the organization's customer. The key makes a retry return the same one.
    pub async fn create_customer(
        &self,
        organization_id: uuid::Uuid,
        email: &str,
        name: &str,
    ) -> Result<String, StripeFailure> {
        let metadata = HashMap::from([("organization_id".to_owned(), organization_id.to_string())]);
        let customer = with_retries(&format!("rehearse-customer-{organization_id}"), |strategy| {
            CreateCustomer::new()
                .email(email)
                .name(name)
                .metadata(metadata.clone())
                .customize()
                .request_strategy(strategy)
                .send(&self.client)
        })
        .await?;
        Ok(customer.id.as_str().to_owned())
    }

    /// A Checkout Session in subscription mode; returns its URL.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_checkout_session(
        &self,
        idempotency_key: &str,
        customer_id: &str,
        price_id: &str,
        quantity: u64,
        organization_id: uuid::Uuid,
        success_url: &str,
        cancel_url: &str,
    ) -> Result<String, StripeFailure> {
        let metadata = HashMap::from([("organization_id".to_owned(), organization_id.to_string())]);
        let session = with_retries(idempotency_key, |strategy| {
            let mut item = CreateCheckoutSessionLineItems::new();
            item.price = Some(price_id.to_owned());
            item.quantity = Some(quantity);
            let mut subscription = CreateCheckoutSessionSubscriptionData::new();
            subscription.metadata = Some(metadata.clone());
            CreateCheckoutSession::new()
                .customer(customer_id)
                .mode(CheckoutSessionMode::Subscription)
                .line_items(vec![item])
                .success_url(success_url)
                .cancel_url(cancel_url)
                .client_reference_id(organization_id.to_string())
                .metadata(metadata.clone())
                .subscription_data(subscription)
                .customize()
                .request_strategy(strategy)
                .send(&self.client)
        })
        .await?;
        session.url.ok_or_else(|| StripeFailure::Rejected {
            status: 200,
            code: "no_url".into(),
            message: "the Checkout Session has no URL".into(),
        })
    }

    /// A customer-portal session; returns its URL.
    pub async fn create_portal_session(
        &self,
        idempotency_key: &str,
        customer_id: &str,
        return_url: &str,
    ) -> Result<String, StripeFailure> {
        let session = with_retries(idempotency_key, |strategy| {
            CreateBillingPortalSession::new()
                .customer(customer_id)
                .return_url(return_url)
                .customize()
                .request_strategy(strategy)
                .send(&self.client)
        })
        .await?;
        Ok(session.url)
    }

    /// Deletes a customer (a deleted account): Stripe cancels its subscriptions at once
    /// and keeps the invoices and payments of the past. A customer already gone is fine.
    pub async fn delete_customer(&self, customer_id: &str) -> Result<(), StripeFailure> {
        let result = DeleteCustomer::new(customer_id)
            .customize()
            .request_strategy(RequestStrategy::Once)
            .send(&self.client)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match StripeFailure::from_error(&e) {
                StripeFailure::Rejected { status: 404, .. } => Ok(()),
                other => Err(other),
            },
        }
    }
}
