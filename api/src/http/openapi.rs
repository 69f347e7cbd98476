//! The OpenAPI document: metadata and security schemes here; paths and schemas are
//! collected from the handlers as they are registered (see `routes`).

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
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

/// The problems every operation of a kind can answer, added to each operation after the
/// routes are collected, so no handler can forget one:
/// - a JSON body (a DTO): 400 when it is not JSON, 413 when too large, 415 without
///   `Content-Type: application/json`;
/// - a form body (the account pages): 400 and 415 as problem documents;
/// - credentials: 401 when they are missing, invalid or revoked;
/// - a path parameter: 404 when it names nothing (or is not an id).
///
/// Existing descriptions are kept; a documented status only gains the problem content
/// type when it lacks it.
pub fn document_common_problems(api: &mut utoipa::openapi::OpenApi) {
    for item in api.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            add_common_problems(operation);
        }
    }
    let templates: Vec<String> = api.paths.paths.keys().cloned().collect();
    for template in templates.iter().filter(|t| t.contains('{')) {
        if let Some(item) = api.paths.paths.get_mut(template) {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                add_problem(operation, 404, "Nothing with this id here (`not-found`)");
            }
        }
    }
}

const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

fn add_common_problems(operation: &mut Operation) {
    let body_content_types: Vec<(String, bool)> = match &operation.request_body {
        Some(RefOr::T(body)) => body
            .content
            .iter()
            .map(|(content_type, content)| {
                let is_dto = matches!(content, RefOr::T(c) if matches!(c.schema, Some(RefOr::Ref(_))));
                (content_type.clone(), is_dto)
            })
            .collect(),
        _ => Vec::new(),
    };
    for (content_type, is_dto) in body_content_types {
        if content_type == "application/json" && is_dto {
            add_problem(operation, 400, "The body is not valid JSON (`malformed-request`)");
            add_problem(
                operation,
                413,
                "The body is larger than the server accepts (`payload-too-large`)",
            );
            add_problem(
                operation,
                415,
                "The body is not sent as `Content-Type: application/json` (`unsupported-media-type`)",
            );
        } else if content_type == "application/x-www-form-urlencoded" {
            add_problem(operation, 400, "The form could not be read (`http-error`)");
            add_problem(
                operation,
                415,
                "The form is not sent as `application/x-www-form-urlencoded` (`http-error`)",
            );
        }
    }
    let needs_credentials = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    if needs_credentials {
        add_problem(
            operation,
            401,
            "Missing, invalid, expired or revoked credentials (`unauthorized`)",
        );
    }
}

/// Documents `status` as a problem: a new response, or the problem content type on an
/// existing one that lacks it.
fn add_problem(operation: &mut Operation, status: u16, description: &str) {
    let problem = || Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem"))));
    let responses = &mut operation.responses.responses;
    match responses.get_mut(&status.to_string()) {
        Some(RefOr::T(response)) => {
            if !response.content.contains_key(PROBLEM_CONTENT_TYPE) {
                response
                    .content
                    .insert(PROBLEM_CONTENT_TYPE.to_owned(), RefOr::T(problem()));
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            let response = ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_CONTENT_TYPE, problem())
                .build();
            responses.insert(status.to_string(), RefOr::T(response));
        }
    }
}
