//! Partner webhooks: endpoints an organization registers, and the signed deliveries of
//! `interview.graded` and `interview.failed` to them. A delivery row is written in the
//! same transaction as the change it reports, with the job that sends it; deliveries
//! are retried with backoff and are visible with their last status.
//!
//! Signature: `Rehearse-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
//! the scheme Stripe uses, so partners can reuse their verification code.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::entities::{webhook_deliveries, webhook_endpoints};
use crate::jobs::{self, DeliverWebhook};
use crate::services::organizations::{OrganizationAccess, OrganizationsError};
use crate::services::work::{Doing, WorkError};

pub const EVENT_GRADED: &str = "interview.graded";
pub const EVENT_FAILED: &str = "interview.failed";
pub const EVENTS: &[&str] = &[EVENT_GRADED, EVENT_FAILED];
/// Most endpoints per organization.
const MAX_ENDPOINTS: usize = 10;

pub const DELIVERY_PENDING: &str = "pending";
pub const DELIVERY_DELIVERED: &str = "delivered";
pub const DELIVERY_FAILED: &str = "failed";

#[derive(Debug, thiserror::Error)]
pub enum WebhooksError {
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("webhook endpoint not found")]
    NotFound,
    #[error("an organization can have at most {0} webhook endpoints; delete one first")]
    LimitReached(usize),
    #[error(transparent)]
    Organization(#[from] OrganizationsError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for WebhooksError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database error"))
    }
}

/// Whether an address is one a partner must not make us call: anything but a public
/// host (see [`crate::net`] for the registries it covers).
pub fn is_private(ip: IpAddr) -> bool {
    !crate::net::is_public(ip)
}

/// The body of every delivery (a JSON POST).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEvent {
    /// Stable per event and endpoint: a retried delivery repeats it, so use it to
    /// ignore duplicates. Also sent as `Rehearse-Event-Id`.
    #[schema(example = "interview.graded:01938c4e-7d1a-7c3e-9b1a-2f0c5d6e7f80")]
    pub id: String,
    /// `interview.graded` or `interview.failed`; also sent as `Rehearse-Event-Type`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the event happened, Unix seconds.
    pub created: i64,
    pub data: EventData,
}

/// What the event is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum EventData {
    Graded(InterviewGraded),
    Failed(InterviewFailed),
}

impl EventData {
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Graded(_) => EVENT_GRADED,
            Self::Failed(_) => EVENT_FAILED,
        }
    }

    fn interview_id(&self) -> Uuid {
        match self {
            Self::Graded(g) => g.interview_id,
            Self::Failed(f) => f.interview_id,
        }
    }
}

/// `interview.graded`: the report is ready.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterviewGraded {
    pub interview_id: Uuid,
    pub report_id: Uuid,
    /// 0–100.
    pub score: u8,
    /// `outstanding`, `strong`, `acceptable`, `needs_work` or `not_ready`.
    pub verdict: String,
    /// `rubric` or `llm`.
    pub grader: String,
    /// The candidate the partner named, if any.
    pub candidate_email: Option<String>,
    pub candidate_external_ref: Option<String>,
    /// The public results page (what the candidate's email links to).
    pub report_url: String,
}

/// `interview.failed`: grading gave up; the interview's quota was given back.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterviewFailed {
    pub interview_id: Uuid,
    pub reason: String,
    pub candidate_email: Option<String>,
    pub candidate_external_ref: Option<String>,
}

/// An endpoint as listed (no secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub disabled: bool,
}

impl From<&webhook_endpoints::Model> for EndpointView {
    fn from(e: &webhook_endpoints::Model) -> Self {
        Self {
            id: e.id,
            url: e.url.clone(),
            events: e.events.split(',').map(str::to_owned).collect(),
            created_at: e.created_at,
            disabled: e.disabled_at.is_some(),
        }
    }
}

/// A new endpoint, with its signing secret (shown only now).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// Verify `Rehearse-Signature` with it. Store it now: it is not shown again.
    pub secret: String,
}

/// One delivery attempt record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    /// The endpoint's last HTTP status, if it answered.
    pub last_status: Option<i32>,
    /// Why the last attempt failed (`HTTP 503`, `timeout`, `connection failed: …`).
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub delivered_at: Option<chrono::DateTime<Utc>>,
}

fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, WebhooksError> {
    let invalid = |message: &str| WebhooksError::Invalid {
        field: "url",
        message: message.to_owned(),
    };
    if raw.len() > 2048 {
        return Err(invalid("must be at most 2048 characters"));
    }
    // The URL parser silently drops tabs and line feeds: refuse them before it sees them.
    crate::domain::check_text(raw, crate::domain::TextKind::Line).map_err(|e| invalid(&e.message))?;
    let url = url::Url::parse(raw).map_err(|e| invalid(&format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(invalid("must be an absolute http(s) URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not carry credentials"));
    }
    if !allow_private {
        if url.scheme() != "https" {
            return Err(invalid("must use https"));
        }
        let host = url.host_str().unwrap_or_default();
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        if let Some(why) = literal.and_then(crate::net::special_purpose) {
            return Err(invalid(&format!(
                "must point at a public host, not {why} address space"
            )));
        }
        if host == "localhost" || host.ends_with(".localhost") {
            return Err(invalid("must not point at a private or loopback address"));
        }
    }
    Ok(url)
}

/// Registers an endpoint. Owners and admins only.
pub async fn create(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    url: &str,
    events: Option<Vec<String>>,
    allow_private: bool,
) -> Result<CreatedEndpoint, WebhooksError> {
    access.require_admin_or_key()?;
    let url = check_url(url, allow_private)?;
    let events = events.unwrap_or_else(|| EVENTS.iter().map(|e| (*e).to_owned()).collect());
    if events.is_empty() || events.iter().any(|e| !EVENTS.contains(&e.as_str())) {
        return Err(WebhooksError::Invalid {
            field: "events",
            message: format!("must be a non-empty list of {EVENTS:?}"),
        });
    }
    let existing = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::OrganizationId.eq(access.organization.id))
        .filter(webhook_endpoints::Column::DisabledAt.is_null())
        .all(db)
        .await?;
    if existing.len() >= MAX_ENDPOINTS {
        return Err(WebhooksError::LimitReached(MAX_ENDPOINTS));
    }
    let secret = format!("rwhsec_{}", crate::domain::tokens::random_token(32));
    let endpoint = webhook_endpoints::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(access.organization.id),
        url: Set(url.to_string()),
        secret: Set(secret.clone()),
        events: Set(events.join(",")),
        created_at: Set(Utc::now()),
        disabled_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(CreatedEndpoint {
        endpoint: EndpointView::from(&endpoint),
        secret,
    })
}

pub async fn list(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
) -> Result<Vec<EndpointView>, WebhooksError> {
    access.require_admin_or_key()?;
    let rows = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::OrganizationId.eq(access.organization.id))
        .filter(webhook_endpoints::Column::DisabledAt.is_null())
        .order_by_asc(webhook_endpoints::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.iter().map(EndpointView::from).collect())
}

async fn endpoint(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    id: Uuid,
) -> Result<webhook_endpoints::Model, WebhooksError> {
    access.require_admin_or_key()?;
    webhook_endpoints::Entity::find_by_id(id)
        .filter(webhook_endpoints::Column::OrganizationId.eq(access.organization.id))
        .filter(webhook_endpoints::Column::DisabledAt.is_null())
        .one(db)
        .await?
        .ok_or(WebhooksError::NotFound)
}

/// Stops deliveries to an endpoint (its history stays readable to us).
pub async fn delete(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    id: Uuid,
) -> Result<(), WebhooksError> {
    let endpoint = endpoint(db, access, id).await?;
    webhook_endpoints::Entity::update_many()
        .col_expr(
            webhook_endpoints::Column::DisabledAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(webhook_endpoints::Column::Id.eq(endpoint.id))
        .exec(db)
        .await?;
    Ok(())
}

/// The latest deliveries to an endpoint, newest first.
pub async fn deliveries(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    id: Uuid,
) -> Result<Vec<DeliveryView>, WebhooksError> {
    let endpoint = endpoint(db, access, id).await?;
    let rows = webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::OrganizationId.eq(access.organization.id))
        .filter(webhook_deliveries::Column::EndpointId.eq(endpoint.id))
        .order_by_desc(webhook_deliveries::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|d| DeliveryView {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        })
        .collect())
}

/// Queues the event to every endpoint of the organization that subscribed to it, in
/// the caller's transaction (so it is sent if and only if the change commits).
/// Publishing the same event twice queues nothing more.
pub async fn publish<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    data: EventData,
) -> Result<(), sea_orm::DbErr> {
    let event_type = data.event_type();
    let endpoints = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::OrganizationId.eq(organization_id))
        .filter(webhook_endpoints::Column::DisabledAt.is_null())
        .all(db)
        .await?;
    let event = WebhookEvent {
        id: format!("{event_type}:{}", data.interview_id()),
        event_type: event_type.to_owned(),
        created: Utc::now().timestamp(),
        data,
    };
    let payload = serde_json::to_value(&event).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    let now = Utc::now();
    for endpoint in endpoints
        .iter()
        .filter(|e| e.events.split(',').any(|t| t == event_type))
    {
        let id = Uuid::now_v7();
        let inserted = webhook_deliveries::Entity::insert(webhook_deliveries::ActiveModel {
            id: Set(id),
            organization_id: Set(organization_id),
            endpoint_id: Set(endpoint.id),
            event_id: Set(event.id.clone()),
            event_type: Set(event_type.to_owned()),
            payload: Set(payload.clone()),
            status: Set(DELIVERY_PENDING.to_owned()),
            attempts: Set(0),
            last_status: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
        })
        .on_conflict(
            OnConflict::columns([
                webhook_deliveries::Column::EndpointId,
                webhook_deliveries::Column::EventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        if inserted == 1 {
            jobs::enqueue(
                db,
                &DeliverWebhook { delivery_id: id },
                Some(&format!("webhook:{id}")),
            )
            .await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------- deliveries

/// A delivery the `deliver_webhook` job is to send.
#[derive(Debug)]
pub enum Outgoing {
    /// Still pending, to a live endpoint: sign the payload and POST it.
    Ready {
        delivery: Box<webhook_deliveries::Model>,
        endpoint: Box<webhook_endpoints::Model>,
    },
    /// Delivered or failed already: nothing to do.
    Settled,
    /// The endpoint was removed or disabled: the delivery is now `failed`.
    EndpointGone,
}

/// The delivery and its endpoint, when there is still something to send.
pub async fn outgoing(db: &DatabaseConnection, delivery_id: Uuid) -> Result<Outgoing, WorkError> {
    let delivery = webhook_deliveries::Entity::find_by_id(delivery_id)
        .one(db)
        .await
        .doing(|| format!("cannot load webhook delivery {delivery_id}"))?
        .ok_or_else(|| WorkError::permanent(anyhow::anyhow!("delivery {delivery_id} does not exist")))?;
    if delivery.status != DELIVERY_PENDING {
        return Ok(Outgoing::Settled);
    }
    let endpoint = webhook_endpoints::Entity::find_by_id(delivery.endpoint_id)
        .filter(webhook_endpoints::Column::OrganizationId.eq(delivery.organization_id))
        .one(db)
        .await
        .doing(|| format!("cannot load webhook endpoint {}", delivery.endpoint_id))?;
    match endpoint.filter(|e| e.disabled_at.is_none()) {
        Some(endpoint) => Ok(Outgoing::Ready {
            delivery: Box::new(delivery),
            endpoint: Box::new(endpoint),
        }),
        None => {
            settle(
                db,
                delivery_id,
                DELIVERY_FAILED,
                None,
                Some("the endpoint was removed".into()),
            )
            .await?;
            Ok(Outgoing::EndpointGone)
        }
    }
}

/// Counts an attempt, before the request goes out.
pub async fn count_attempt(db: &DatabaseConnection, delivery_id: Uuid) -> Result<(), WorkError> {
    webhook_deliveries::Entity::update_many()
        .col_expr(
            webhook_deliveries::Column::Attempts,
            sea_orm::ExprTrait::add(Expr::col(webhook_deliveries::Column::Attempts), 1),
        )
        .filter(webhook_deliveries::Column::Id.eq(delivery_id))
        .exec(db)
        .await
        .doing(|| format!("cannot count an attempt of webhook delivery {delivery_id}"))?;
    Ok(())
}

/// The endpoint answered 2xx.
pub async fn mark_delivered(
    db: &DatabaseConnection,
    delivery_id: Uuid,
    http_status: u16,
) -> Result<(), WorkError> {
    settle(
        db,
        delivery_id,
        DELIVERY_DELIVERED,
        Some(i32::from(http_status)),
        None,
    )
    .await
}

/// The last attempt failed: the delivery ends `failed` with the error.
pub async fn mark_failed(db: &DatabaseConnection, delivery_id: Uuid, error: &str) -> Result<(), WorkError> {
    settle(db, delivery_id, DELIVERY_FAILED, None, Some(error.to_owned())).await
}

/// An attempt failed and will be retried: its HTTP status (if any) and error.
pub async fn record_attempt(
    db: &DatabaseConnection,
    delivery_id: Uuid,
    http_status: Option<u16>,
    error: &str,
) -> Result<(), WorkError> {
    webhook_deliveries::Entity::update_many()
        .col_expr(
            webhook_deliveries::Column::LastStatus,
            Expr::value(http_status.map(i32::from)),
        )
        .col_expr(
            webhook_deliveries::Column::LastError,
            Expr::value(Some(error.to_owned())),
        )
        .filter(webhook_deliveries::Column::Id.eq(delivery_id))
        .exec(db)
        .await
        .doing(|| format!("cannot record an attempt of webhook delivery {delivery_id}"))?;
    Ok(())
}

/// Moves a pending delivery to its final status.
async fn settle(
    db: &DatabaseConnection,
    delivery_id: Uuid,
    status: &str,
    http_status: Option<i32>,
    error: Option<String>,
) -> Result<(), WorkError> {
    let mut update = webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::Status, Expr::value(status))
        .col_expr(webhook_deliveries::Column::LastError, Expr::value(error))
        .filter(webhook_deliveries::Column::Id.eq(delivery_id))
        .filter(webhook_deliveries::Column::Status.eq(DELIVERY_PENDING));
    if let Some(code) = http_status {
        update = update.col_expr(webhook_deliveries::Column::LastStatus, Expr::value(Some(code)));
    }
    if status == DELIVERY_DELIVERED {
        update = update.col_expr(
            webhook_deliveries::Column::DeliveredAt,
            Expr::value(Some(Utc::now())),
        );
    }
    update
        .exec(db)
        .await
        .doing(|| format!("cannot mark webhook delivery {delivery_id} {status}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn private_and_special_addresses_are_recognised() {
        for private in [
            "127.0.0.1",
            "10.0.0.8",
            "172.16.3.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn urls_are_checked_against_the_private_network_setting() {
        assert!(check_url("https://partner.example/hooks", false).is_ok());
        assert!(check_url("https://169.254.169.254/latest", false).is_err());
        assert!(check_url("https://api.localhost/x", false).is_err());
        assert!(check_url("http://partner.example/hooks", false).is_err());
        assert!(check_url("http://127.0.0.1:8080/hooks", true).is_ok());
        assert!(check_url("https://u:p@partner.example/", true).is_err());
        assert!(check_url(&format!("https://partner.example/{}", "a".repeat(2048)), true).is_err());
    }
}
