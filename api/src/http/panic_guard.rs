//! A handler that panics answers a 500 problem instead of dropping the connection.
//!
//! actix-web does not catch panics in handlers: the client sees its connection cut and
//! nothing is counted. This middleware sits innermost, around the route handlers, so the
//! 500 it makes still goes through the request-id, logging and metrics layers. The panic
//! itself is logged once, as one line without a backtrace, by the panic hook that
//! [`crate::telemetry::init`] installs; here it is only counted.

use std::panic::AssertUnwindSafe;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use futures::FutureExt;

use crate::AppState;
use crate::http::problem::ApiError;

/// Runs the rest of the chain and turns a panic into an error that renders as a 500
/// problem. (The request cannot be kept aside to build a response here: actix needs
/// sole ownership of it while routing, so the error is returned instead and rendered by
/// the server.)
pub async fn catch_panics<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result,
        Err(_panic) => {
            if let Some(state) = state {
                state.metrics.http_panics.inc();
            }
            Err(ApiError::panicked().into())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use actix_web::http::{StatusCode, header};
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test};

    use crate::http::problem::PROBLEM_CONTENT_TYPE;

    use super::*;

    async fn boom() -> HttpResponse {
        let items: Vec<u32> = Vec::new();
        #[allow(clippy::indexing_slicing)]
        let first = items[items.len()];
        HttpResponse::Ok().body(first.to_string())
    }

    #[actix_web::test]
    async fn a_panicking_handler_answers_a_500_problem_and_the_server_keeps_serving() {
        let app = test::init_service(
            App::new()
                .route("/boom", web::get().to(boom))
                .route(
                    "/fine",
                    web::get().to(|| async { HttpResponse::Ok().body("fine") }),
                )
                .wrap(from_fn(catch_panics)),
        )
        .await;
        for _ in 0..3 {
            let error = test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request())
                .await
                .err()
                .unwrap();
            let response = error.error_response();
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(
                response.headers().get(header::CONTENT_TYPE).unwrap(),
                PROBLEM_CONTENT_TYPE
            );
            let body = actix_web::body::to_bytes(response.into_body()).await.unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["type"], "https://rehearse.dev/problems/internal");
            assert_eq!(body["status"], 500);
        }
        let fine = test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(fine.status(), StatusCode::OK);
    }
}
