//! Sends one partner webhook delivery, signed, and records the answer.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use api::entities::{webhook_deliveries, webhook_endpoints};
use api::jobs::DeliverWebhook;
use api::services::billing::signature;
use api::services::webhooks::{DELIVERY_DELIVERED, DELIVERY_FAILED, DELIVERY_PENDING, is_private};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::context::JobContext;
use crate::runner::{JobError, JobHandler};

pub struct DeliverWebhookHandler;

impl JobHandler for DeliverWebhookHandler {
    type Job = DeliverWebhook;
    const TIMEOUT: Duration = Duration::from_secs(60);

    async fn run(job: DeliverWebhook, ctx: &JobContext, _attempt: usize) -> Result<(), JobError> {
        deliver_webhook(&job, ctx).await
    }

    async fn exhausted(job: &DeliverWebhook, ctx: &JobContext, error: &JobError) {
        mark(ctx, job, DELIVERY_FAILED, None, Some(error.to_string())).await;
    }
}

async fn mark(
    ctx: &JobContext,
    job: &DeliverWebhook,
    status: &str,
    http: Option<i32>,
    error: Option<String>,
) {
    let mut update = webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::Status, Expr::value(status))
        .col_expr(webhook_deliveries::Column::LastError, Expr::value(error))
        .filter(webhook_deliveries::Column::Id.eq(job.delivery_id))
        .filter(webhook_deliveries::Column::Status.eq(DELIVERY_PENDING));
    if let Some(code) = http {
        update = update.col_expr(webhook_deliveries::Column::LastStatus, Expr::value(Some(code)));
    }
    if status == DELIVERY_DELIVERED {
        update = update.col_expr(
            webhook_deliveries::Column::DeliveredAt,
            Expr::value(Some(Utc::now())),
        );
    }
    if let Err(e) = update.exec(&ctx.state.db).await {
        tracing::error!(error = %e, "cannot record a webhook delivery");
    }
}

/// Resolves webhook hosts and drops private addresses, so the address that was checked
/// is the address connected to (no window for DNS rebinding between check and use).
#[derive(Debug, Default)]
pub struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| !is_private(address.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address; deliveries there are not allowed").into());
            }
            let addresses: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addresses)
        })
    }
}

/// Refuses an IP-literal target in our own network (names are filtered by the
/// resolver), unless the settings allow private targets.
fn check_literal(url: &url::Url, allow_private: bool) -> Result<(), JobError> {
    let literal = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if !allow_private && is_private(literal) {
        return Err(JobError::permanent(anyhow::anyhow!(
            "{literal} is a private address; deliveries there are not allowed"
        )));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(delivery_id = %job.delivery_id))]
pub async fn deliver_webhook(job: &DeliverWebhook, ctx: &JobContext) -> Result<(), JobError> {
    let db = &ctx.state.db;
    let Some(delivery) = webhook_deliveries::Entity::find_by_id(job.delivery_id)
        .one(db)
        .await
        .map_err(JobError::transient)?
    else {
        return Err(JobError::permanent(anyhow::anyhow!(
            "delivery {} does not exist",
            job.delivery_id
        )));
    };
    if delivery.status != DELIVERY_PENDING {
        return Ok(());
    }
    let endpoint = webhook_endpoints::Entity::find_by_id(delivery.endpoint_id)
        .filter(webhook_endpoints::Column::OrganizationId.eq(delivery.organization_id))
        .one(db)
        .await
        .map_err(JobError::transient)?;
    let Some(endpoint) = endpoint.filter(|e| e.disabled_at.is_none()) else {
        mark(
            ctx,
            job,
            DELIVERY_FAILED,
            None,
            Some("the endpoint was removed".into()),
        )
        .await;
        return Ok(());
    };
    let url = url::Url::parse(&endpoint.url).map_err(JobError::permanent)?;
    check_literal(&url, ctx.state.config.settings.webhooks.allow_private_targets)?;

    let body = serde_json::to_vec(&delivery.payload).map_err(JobError::permanent)?;
    let header = signature::header(endpoint.secret.as_bytes(), Utc::now().timestamp(), &body);
    webhook_deliveries::Entity::update_many()
        .col_expr(
            webhook_deliveries::Column::Attempts,
            sea_orm::ExprTrait::add(Expr::col(webhook_deliveries::Column::Attempts), 1),
        )
        .filter(webhook_deliveries::Column::Id.eq(delivery.id))
        .exec(db)
        .await
        .map_err(JobError::transient)?;
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
            mark(
                ctx,
                job,
                DELIVERY_DELIVERED,
                Some(i32::from(r.status().as_u16())),
                None,
            )
            .await;
            tracing::info!(event = %delivery.event_type, "webhook delivered");
            Ok(())
        }
        Ok(r) => {
            let status = r.status().as_u16();
            record_attempt(ctx, job, Some(i32::from(status)), format!("HTTP {status}")).await;
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
            record_attempt(ctx, job, None, reason.clone()).await;
            Err(JobError::transient(anyhow::anyhow!("{reason}")))
        }
    }
}

async fn record_attempt(ctx: &JobContext, job: &DeliverWebhook, status: Option<i32>, error: String) {
    let result = webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::LastStatus, Expr::value(status))
        .col_expr(webhook_deliveries::Column::LastError, Expr::value(Some(error)))
        .filter(webhook_deliveries::Column::Id.eq(job.delivery_id))
        .exec(&ctx.state.db)
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "cannot record a webhook attempt");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use reqwest::dns::Resolve;

    use super::*;

    #[tokio::test]
    async fn names_that_resolve_only_to_private_addresses_are_not_resolved() {
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let refused = PublicOnlyResolver
            .resolve(name)
            .await
            .err()
            .expect("localhost is refused");
        assert!(refused.to_string().contains("no public address"), "{refused}");
    }

    #[test]
    fn private_literals_are_refused_unless_allowed() {
        let literal = url::Url::parse("https://10.0.0.1/hooks").unwrap();
        assert!(check_literal(&literal, false).unwrap_err().is_permanent());
        assert!(check_literal(&literal, true).is_ok());
        let v6 = url::Url::parse("https://[::1]:8443/hooks").unwrap();
        assert!(check_literal(&v6, false).is_err());
        let name = url::Url::parse("https://partner.example/hooks").unwrap();
        assert!(check_literal(&name, false).is_ok());
    }
}
