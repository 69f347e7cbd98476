//! Billing: plans, subscription, Checkout, the customer portal, Stripe webhooks.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::http::auth::CurrentOrg;
use crate::http::problem::{ApiError, Problem};
use crate::services::billing::signature::SignatureError;
use crate::services::billing::{self, BillingError, PlanView, SubscriptionView};
use crate::services::idempotency::Idempotent;

fn require_configured(state: &AppState) -> Result<(), ApiError> {
    if state.stripe.is_none() {
        return Err(BillingError::NotConfigured.into());
    }
    Ok(())
}

/// List plans
///
/// The plans with their prices and interview allowances.
#[utoipa::path(
    tag = "billing",
    responses(
        (status = 200, description = "The plans", body = Vec<PlanView>),
        (status = 503, description = "Billing is not configured (`billing-not-configured`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/billing/plans")]
pub async fn list_plans(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    require_configured(&state)?;
    Ok(HttpResponse::Ok().json(billing::plans(&state.config.settings.plans)))
}

/// Get the subscription
///
/// The organization's plan, subscription status, current period and usage in it.
#[utoipa::path(
    tag = "billing",
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Billing is not configured", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/billing/subscription")]
pub async fn get_subscription(state: web::Data<AppState>, org: CurrentOrg) -> Result<HttpResponse, ApiError> {
    let view = billing::subscription(state.billing(), &org.0).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckoutRequest {
    /// `pro` or `team`.
    #[schema(example = "pro")]
    pub plan: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RedirectUrl {
    /// Send the user's browser here.
    pub url: String,
}

/// Start a Checkout
///
/// A Stripe Checkout Session (subscription mode) for the organization; redirect the
/// user to `url`. Owners and admins only. Honors `Idempotency-Key`.
#[utoipa::path(
    tag = "billing",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters", min_length = 1, max_length = 255, pattern = r"^[!-~]+$")),
    security(("bearer_jwt" = [])),
    responses(
        (status = 200, description = "The Checkout URL", body = RedirectUrl),
        (status = 400, description = "Malformed body or Idempotency-Key (`malformed-request`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner/admin, or an API key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown plan", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "Stripe refused the request (`billing-provider-error`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Billing not configured, or Stripe unavailable (`billing-unavailable`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/billing/checkout")]
pub async fn checkout(
    req: HttpRequest,
    state: web::Data<AppState>,
    org: CurrentOrg,
    body: web::Json<CheckoutRequest>,
) -> Result<HttpResponse, ApiError> {
    // A malformed key is refused as on every endpoint that honours one, before anything
    // else is decided (even before billing's own availability).
    let key = match req.headers().get("Idempotency-Key") {
        None => None,
        Some(value) => {
            let key = value
                .to_str()
                .map_err(|_| ApiError::bad_request("Idempotency-Key must be visible ASCII"))?;
            Idempotent::new(key, "checkout", &body.plan).map_err(ApiError::bad_request)?;
            Some(key)
        }
    };
    require_configured(&state)?;
    let url = billing::checkout(state.billing(), &org.0, &body.plan, key).await?;
    Ok(HttpResponse::Ok().json(RedirectUrl { url }))
}

/// Open the customer portal
///
/// A Stripe customer-portal session (invoices, payment methods, cancellation).
/// Owners and admins only; the organization must have subscribed once.
#[utoipa::path(
    tag = "billing",
    security(("bearer_jwt" = [])),
    responses(
        (status = 200, description = "The portal URL", body = RedirectUrl),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner/admin, or an API key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No billing account yet (`no-billing-account`)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "Stripe refused the request", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Billing not configured, or Stripe unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/billing/portal")]
pub async fn portal(state: web::Data<AppState>, org: CurrentOrg) -> Result<HttpResponse, ApiError> {
    require_configured(&state)?;
    let url = billing::portal(state.billing(), &org.0).await?;
    Ok(HttpResponse::Ok().json(RedirectUrl { url }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookReceipt {
    pub received: bool,
    /// False when the event had been delivered before.
    pub new: bool,
}

/// Stripe webhook
///
/// Called by Stripe. The raw body is verified against `Stripe-Signature`
/// (HMAC-SHA256, 300 s tolerance, any `v1` with the current or previous secret), stored
/// by event id with the job that processes it, then acknowledged.
#[utoipa::path(
    tag = "billing",
    request_body(content = String, content_type = "application/json", description = "The event, exactly as Stripe sent it"),
    params(("Stripe-Signature" = String, Header, description = "t=<timestamp>,v1=<signature>", min_length = 1)),
    responses(
        (status = 200, description = "Stored (or already stored)", body = WebhookReceipt),
        (status = 400, description = "Missing, stale or wrong signature (`invalid-signature`); a missing one is refused even when billing is not configured", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Billing is not configured (`billing-not-configured`), for a request carrying a signature", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/billing/stripe/webhook")]
pub async fn stripe_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // A request without a signature is malformed whatever the configuration: 400 first,
    // then 503 when billing is off, then the signature itself is verified.
    let signature = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty())
        .ok_or(BillingError::BadSignature(SignatureError::Malformed))?;
    require_configured(&state)?;
    let new = billing::receive_webhook(state.billing(), &body, signature).await?;
    Ok(HttpResponse::Ok().json(WebhookReceipt { received: true, new }))
}
