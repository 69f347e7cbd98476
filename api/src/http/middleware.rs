//! Per-request observability: a request id, one log line per request, metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use crate::AppState;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Accepts a caller's request id when it is short and plain (so it cannot inject into
/// logs), otherwise makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Logs the route *template* (`/r/{share_token}`), never the path: paths can carry
/// secrets (share tokens) and query strings are never logged.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(&req);
    let method = req.method().to_string();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        route = tracing::field::Empty,
        organization_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let mut res = match result {
        Ok(res) => res,
        Err(err) => {
            // Rendered by the server from the error itself (e.g. a panicked handler's
            // 500); the route is unknown here, the status is not.
            let status = err.as_response_error().status_code().as_u16();
            if let Some(state) = state {
                state
                    .metrics
                    .http_requests
                    .with_label_values(&[method.as_str(), "unmatched", &status.to_string()])
                    .inc();
            }
            tracing::warn!(parent: &span, status, error = %err, "request failed in middleware");
            return Err(err);
        }
    };
    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .filter(|_| status != 404)
        .unwrap_or_else(|| "unmatched".to_owned());
    span.record("route", route.as_str());
    if let Some(state) = state {
        state
            .metrics
            .http_requests
            .with_label_values(&[method.as_str(), route.as_str(), &status.to_string()])
            .inc();
        state
            .metrics
            .http_duration
            .with_label_values(&[method.as_str(), route.as_str()])
            .observe(elapsed.as_secs_f64());
    }
    tracing::info!(
        parent: &span,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request completed"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    Ok(res)
}
