//! Partner webhook endpoints.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::http::auth::OrgAccess;
use crate::http::problem::{ApiError, Problem};
use crate::services::webhooks::{self, CreatedEndpoint, DeliveryView, EndpointView};

/// An event an endpoint can subscribe to (documentation only: the service checks the
/// names against its own list).
#[derive(Debug, Serialize, ToSchema)]
pub enum WebhookEventType {
    #[serde(rename = "interview.graded")]
    Graded,
    #[serde(rename = "interview.failed")]
    Failed,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWebhookRequest {
    /// An https URL on a public host, at most 2048 characters (http and private
    /// addresses only where the server allows them).
    #[schema(
        example = "https://partner.example/rehearse/webhooks",
        max_length = 2048,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]://([a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?\.){1,3}[a-z]{2,12}(/[A-Za-z0-9._~/-]{0,200})?$"
    )]
    pub url: String,
    /// Defaults to both `interview.graded` and `interview.failed`.
    #[schema(min_items = 1, value_type = Option<Vec<WebhookEventType>>)]
    pub events: Option<Vec<String>>,
}

/// Register a webhook endpoint
///
/// The endpoint receives `interview.graded` and `interview.failed` as JSON POSTs (the
/// `WebhookEvent` schema; its `id` is stable across retries) signed
/// with `Rehearse-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, and
/// `Rehearse-Event-Id` / `Rehearse-Event-Type` headers; a non-2xx answer is retried with
/// backoff. The secret is shown once. Owners, admins and the organization's API keys.
#[utoipa::path(
    tag = "webhooks",
    params(("org_id" = Uuid, Path, description = "Organization id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 201, description = "Registered; `secret` is shown only now", body = CreatedEndpoint),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A member without rights", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organization already has the most endpoints allowed (`webhook-limit-reached`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid URL or events", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations/{org_id}/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    access: OrgAccess,
    body: web::Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let allow_private = state.config.settings.webhooks.allow_private_targets;
    let created = webhooks::create(&state.db, &access.0, &body.url, body.events, allow_private).await?;
    Ok(HttpResponse::Created().json(created))
}

/// List webhook endpoints
#[utoipa::path(
    tag = "webhooks",
    params(("org_id" = Uuid, Path, description = "Organization id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The active endpoints (no secrets)", body = Vec<EndpointView>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A member without rights", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{org_id}/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, access: OrgAccess) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(webhooks::list(&state.db, &access.0).await?))
}

/// Remove a webhook endpoint
///
/// No more deliveries go to it.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("org_id" = Uuid, Path, description = "Organization id"),
        ("webhook_id" = Uuid, Path, description = "Endpoint id"),
    ),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A member without rights", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organization or endpoint", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/organizations/{org_id}/webhooks/{webhook_id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    access: OrgAccess,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(&state.db, &access.0, path.1).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List deliveries of an endpoint
///
/// The latest 100 deliveries with their status, attempts and the endpoint's last answer.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("org_id" = Uuid, Path, description = "Organization id"),
        ("webhook_id" = Uuid, Path, description = "Endpoint id"),
    ),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Deliveries, newest first", body = Vec<DeliveryView>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A member without rights", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organization or endpoint", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{org_id}/webhooks/{webhook_id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    access: OrgAccess,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(webhooks::deliveries(&state.db, &access.0, path.1).await?))
}
