//! Sends one partner webhook delivery, signed, and records the answer through
//! `api::services::webhooks`.

use std::time::Duration;

use api::jobs::DeliverWebhook;
use api::services::billing::signature;
use api::services::webhooks::{self, Outgoing};
use chrono::Utc;

use crate::context::JobContext;
use crate::runner::{JobError, JobHandler};
use crate::webhook_client::check_literal;

pub struct DeliverWebhookHandler;

impl JobHandler for DeliverWebhookHandler {
    type Job = DeliverWebhook;
    const TIMEOUT: Duration = Duration::from_secs(60);

    async fn run(job: DeliverWebhook, ctx: &JobContext, _attempt: usize) -> Result<(), JobError> {
        deliver_webhook(&job, ctx).await
    }

    async fn exhausted(job: &DeliverWebhook, ctx: &JobContext, error: &JobError) {
        if let Err(e) = webhooks::mark_failed(&ctx.state.db, job.delivery_id, &error.to_string()).await {
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
            record_attempt(ctx, job, Some(status), &format!("HTTP {status}")).await;
            Err(JobError::transient(anyhow::anyhow!(
                "the endpoint answered {status}"
            )))
        }
        Err(e) => {
            let reason = if e.is_timeout() {
                "timeout".to_owned()
            } else {
                // The innermost cause says what went wrong (refused, unresolvable, TLS).
                let mut cause: &dyn std::error::Error = &e;
                while let Some(source) = cause.source() {
                    cause = source;
                }
                format!("connection failed: {cause}")
            };
            record_attempt(ctx, job, None, &reason).await;
            Err(JobError::transient(anyhow::anyhow!("{reason}")))
        }
    }
}

async fn record_attempt(ctx: &JobContext, job: &DeliverWebhook, status: Option<u16>, error: &str) {
    if let Err(e) = webhooks::record_attempt(&ctx.state.db, job.delivery_id, status, error).await {
        tracing::warn!(error = %e, "cannot record a webhook attempt");
    }
}
