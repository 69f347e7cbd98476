//! Sends one partner webhook delivery, signed, and records the answer through
//! `api::services::webhooks`.

use std::time::Duration;

use api::jobs::DeliverWebhook;
use api::services::billing::signature;
use api::services::webhooks::{self, Outgoing};
use chrono::Utc;

use crate::context::JobContext;
use crate::runner::{JobError, JobHandler};
use crate::webhook_client::{PrivateTarget, check_literal, classify};

/// A failed attempt, as shown to the partner: a classified reason.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DeliveryFailed(pub String);

pub struct DeliverWebhookHandler;

impl JobHandler for DeliverWebhookHandler {
    type Job = DeliverWebhook;
    const TIMEOUT: Duration = Duration::from_secs(60);

    async fn run(job: DeliverWebhook, ctx: &JobContext, _attempt: usize) -> Result<(), JobError> {
        deliver_webhook(&job, ctx).await
    }

    async fn exhausted(job: &DeliverWebhook, ctx: &JobContext, error: &JobError) {
        // Partners read this: only a classified reason, never an inner error.
        let shown = match error {
            JobError::Permanent(e) | JobError::Transient(e) => {
                if let Some(failure) = e.downcast_ref::<DeliveryFailed>() {
                    failure.0.clone()
                } else if e.downcast_ref::<PrivateTarget>().is_some() {
                    "private address refused".to_owned()
                } else {
                    "delivery failed".to_owned()
                }
            }
        };
        tracing::warn!(error = %error, shown = %shown, "webhook delivery failed for good");
        if let Err(e) = webhooks::mark_failed(&ctx.state.db, job.delivery_id, &shown).await {
            tracing::error!(error = %e, "cannot record a webhook delivery");
        }
    }
}

#[tracing::instrument(skip_all, fields(delivery_id = %job.delivery_id))]
pub async fn deliver_webhook(job: &DeliverWebhook, ctx: &JobContext) -> Result<(), JobError> {
    let db = &ctx.state.db;
    let (delivery, endpoint) = match webhooks::outgoing(db, job.delivery_id).await? {
        Outgoing::Ready { delivery, endpoint } => (delivery, endpoint),
        Outgoing::Settled | Outgoing::EndpointGone => return Ok(()),
    };
    let url = url::Url::parse(&endpoint.url).map_err(JobError::permanent)?;
    check_literal(&url, ctx.state.config.settings.webhooks.allow_private_targets)
        .map_err(JobError::permanent)?;

    let body = serde_json::to_vec(&delivery.payload).map_err(JobError::permanent)?;
    let header = signature::header(endpoint.secret.as_bytes(), Utc::now().timestamp(), &body);
    webhooks::count_attempt(db, delivery.id).await?;
    let response = ctx
        .webhooks
        .post(url)
        .header("Content-Type", "application/json")
        .header("Rehearse-Signature", header)
        .header("Rehearse-Event-Id", &delivery.event_id)
        .header("Rehearse-Event-Type", &delivery.event_type)
        .body(body)
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => {
            if let Err(e) = webhooks::mark_delivered(db, delivery.id, r.status().as_u16()).await {
                tracing::error!(error = %e, "cannot record a webhook delivery");
            }
            tracing::info!(event = %delivery.event_type, "webhook delivered");
            Ok(())
        }
        Ok(r) => {
            let status = r.status().as_u16();
            // Redirects are not followed: one could lead to a private address.
            let reason = if r.status().is_redirection() {
                "redirect refused".to_owned()
            } else {
                format!("HTTP {status}")
            };
            record_attempt(ctx, job, Some(status), &reason).await;
            Err(JobError::transient(DeliveryFailed(reason)))
        }
        Err(e) => {
            // The inner error goes to our log only; the partner sees its class.
            let reason = classify(&e).to_owned();
            tracing::info!(error = %e, reason = %reason, "webhook attempt failed");
            record_attempt(ctx, job, None, &reason).await;
            Err(JobError::transient(DeliveryFailed(reason)))
        }
    }
}

async fn record_attempt(ctx: &JobContext, job: &DeliverWebhook, status: Option<u16>, error: &str) {
    if let Err(e) = webhooks::record_attempt(&ctx.state.db, job.delivery_id, status, error).await {
        tracing::warn!(error = %e, "cannot record a webhook attempt");
    }
}
