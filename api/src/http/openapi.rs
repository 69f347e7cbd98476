//! The OpenAPI document: metadata and security schemes here; paths and schemas are
//! collected from the handlers as they are registered (see `routes`).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rehearse API",
        version = "1.0.0",
        description = "Interview practice: accounts, organizations, API keys, interviews and reports. \
Errors are RFC 9457 `application/problem+json` documents with a stable `type`.",
    ),
    tags(
        (name = "auth", description = "Sign-up, sign-in and sessions"),
        (name = "account", description = "The signed-in user"),
        (name = "organizations", description = "Tenants and their members"),
        (name = "api-keys", description = "Partner API keys"),
        (name = "webhooks", description = "Signed partner webhooks (interview.graded, interview.failed)"),
        (name = "tracks", description = "The question bank"),
        (name = "interviews", description = "Interview sessions and transcripts"),
        (name = "reports", description = "Graded reports, share links and the results page"),
        (name = "billing", description = "Plans, Stripe Checkout, the customer portal and webhooks"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "pages", description = "HTML pages behind the links of account emails"),
    ),
    components(schemas(crate::services::webhooks::WebhookEvent)),
    modifiers(&SecuritySchemes),
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_jwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Access token from /v1/auth/login, /v1/auth/signup or /v1/auth/refresh",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rk_… API key")
                    .description(Some(
                        "An organization's API key, sent as `Authorization: Bearer rk_…`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The operator's metrics token (`REHEARSE__SERVER__METRICS_TOKEN`), when one is configured",
                    ))
                    .build(),
            ),
        );
    }
}
