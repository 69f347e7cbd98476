//! Operations: liveness, readiness, metrics.

use actix_web::{HttpRequest, HttpResponse, get, web};
use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::http::problem::{ApiError, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`
    pub status: String,
}

/// Liveness
///
/// The process is up and serving. Checks nothing else.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`
    pub status: String,
    /// `sqlite` or `postgres`
    pub database: String,
    /// Jobs waiting to run, all queues together.
    pub queued_jobs: i64,
}

/// Readiness
///
/// The database answers and the job queue's tables are readable.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Database or queue unreachable (`service-unavailable`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !crate::db::ping(&state.db).await {
        return Err(ApiError::unavailable("the database does not answer"));
    }
    let counts = crate::jobs::counts(&state.db).await.map_err(|e| {
        tracing::warn!(error = %e, "job queue is not readable");
        ApiError::unavailable("the job queue is not readable")
    })?;
    let queued_jobs = counts
        .iter()
        .filter(|c| c.state == "pending" || c.state == "queued")
        .map(|c| c.count)
        .sum();
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready".into(),
        database: crate::db::backend_name(&state.db).into(),
        queued_jobs,
    }))
}

/// Prometheus metrics
///
/// Requests by route template, method and status; request latency; jobs by queue and
/// state (including `dead`, the dead-letter state). When the server is configured with
/// a metrics token (`REHEARSE__SERVER__METRICS_TOKEN`), send it as a bearer token.
#[utoipa::path(
    tag = "operations",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "Text exposition format", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "A metrics token is configured and was not presented", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Metrics could not be gathered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(token) = &state.config.settings.server.metrics_token {
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !crate::auth::bearer_matches(header, token.expose_secret()) {
            return Err(ApiError::unauthorized("the metrics token is required"));
        }
    }
    match crate::jobs::counts(&state.db).await {
        Ok(counts) => state.metrics.set_job_counts(&counts),
        Err(e) => tracing::warn!(error = %e, "cannot count jobs for metrics"),
    }
    match crate::services::billing::event_counts(&state.db).await {
        Ok(counts) => state.metrics.set_stripe_event_counts(&counts),
        Err(e) => tracing::warn!(error = %e, "cannot count Stripe events for metrics"),
    }
    let body = state.metrics.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
