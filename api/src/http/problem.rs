//! RFC 9457 problem details: the one shape every error leaves the API in, and the
//! closed list of their types ([`ProblemType`]). Rejections by extractors, the
//! fallback route and the rewriting of other error responses are in
//! [`super::rejections`].

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
const PROBLEM_BASE: &str = "https://rehearse.dev/problems/";
const INTERNAL_DETAIL: &str = "Something went wrong on our side. It has been logged; please try again.";

/// Declares [`ProblemType`] and its table from one list, so no variant can lack a
/// slug, a status or a title, and [`ProblemType::ALL`] lists every one.
macro_rules! problem_types {
    ($($(#[$doc:meta])* $variant:ident => ($slug:literal, $status:ident, $title:literal),)+) => {
        /// Every kind of problem the API answers with: its slug (the last segment of
        /// `type`), its HTTP status and its title. The list is closed: every error is
        /// one of these, and the README and the OpenAPI description list them all (a
        /// test holds them to it).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemType {
            $($(#[$doc])* $variant,)+
        }

        impl ProblemType {
            pub const ALL: &'static [ProblemType] = &[$(Self::$variant,)+];

            /// `(slug, status, title)`.
            const fn parts(self) -> (&'static str, StatusCode, &'static str) {
                match self {
                    $(Self::$variant => ($slug, StatusCode::$status, $title),)+
                }
            }
        }
    };
}

problem_types! {
    ValidationFailed => ("validation-failed", UNPROCESSABLE_ENTITY, "The request is not valid"),
    MalformedRequest => ("malformed-request", BAD_REQUEST, "The request could not be read"),
    UnsupportedMediaType => ("unsupported-media-type", UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    PayloadTooLarge => ("payload-too-large", PAYLOAD_TOO_LARGE, "Payload too large"),
    Unauthorized => ("unauthorized", UNAUTHORIZED, "Authentication is required"),
    InvalidCredentials => ("invalid-credentials", UNAUTHORIZED, "Invalid credentials"),
    InvalidRefreshToken => ("invalid-refresh-token", UNAUTHORIZED, "Invalid refresh token"),
    InvalidToken => ("invalid-token", BAD_REQUEST, "Invalid or expired link"),
    InvalidSignature => ("invalid-signature", BAD_REQUEST, "Invalid signature"),
    QuotaExhausted => ("quota-exhausted", PAYMENT_REQUIRED, "No interviews left"),
    CardDeclined => ("card-declined", PAYMENT_REQUIRED, "Card declined"),
    Forbidden => ("forbidden", FORBIDDEN, "Not allowed"),
    NotFound => ("not-found", NOT_FOUND, "Not found"),
    UserNotFound => ("user-not-found", NOT_FOUND, "No such account"),
    QuestionNotFound => ("question-not-found", NOT_FOUND, "Question not found"),
    MethodNotAllowed => ("method-not-allowed", METHOD_NOT_ALLOWED, "Method not allowed"),
    EmailTaken => ("email-taken", CONFLICT, "Conflict"),
    AlreadyMember => ("already-member", CONFLICT, "Conflict"),
    EmailNotVerified => ("email-not-verified", CONFLICT, "Conflict"),
    PersonalOrganization => ("personal-organization", CONFLICT, "Conflict"),
    QuestionAlreadyAnswered => ("question-already-answered", CONFLICT, "Conflict"),
    InterviewNotInProgress => ("interview-not-in-progress", CONFLICT, "Conflict"),
    NothingToGrade => ("nothing-to-grade", CONFLICT, "Conflict"),
    ReportNotReady => ("report-not-ready", CONFLICT, "Conflict"),
    NoBillingAccount => ("no-billing-account", CONFLICT, "Conflict"),
    WebhookLimitReached => ("webhook-limit-reached", CONFLICT, "Conflict"),
    IdempotencyKeyReused => ("idempotency-key-reused", UNPROCESSABLE_ENTITY, "Idempotency key reused"),
    TooManyRequests => ("too-many-requests", TOO_MANY_REQUESTS, "Too many requests"),
    Internal => ("internal", INTERNAL_SERVER_ERROR, "Internal error"),
    BillingProviderError => ("billing-provider-error", BAD_GATEWAY, "The payment provider refused the request"),
    ServiceUnavailable => ("service-unavailable", SERVICE_UNAVAILABLE, "Service unavailable"),
    BillingNotConfigured => ("billing-not-configured", SERVICE_UNAVAILABLE, "Billing is not configured"),
    BillingUnavailable => ("billing-unavailable", SERVICE_UNAVAILABLE, "Billing is temporarily unavailable"),
    /// Any other 4xx that actix or a library produced (answered with the response's
    /// own status, and its reason as the title).
    HttpError => ("http-error", BAD_REQUEST, "Error"),
}

impl ProblemType {
    /// The last segment of the problem's `type` URI.
    pub const fn slug(self) -> &'static str {
        self.parts().0
    }

    /// The HTTP status it is answered with.
    pub const fn status(self) -> StatusCode {
        self.parts().1
    }

    /// Its short summary.
    pub const fn title(self) -> &'static str {
        self.parts().2
    }

    /// `https://rehearse.dev/problems/<slug>`.
    pub fn uri(self) -> String {
        format!("{PROBLEM_BASE}{}", self.slug())
    }
}

/// An error, as RFC 9457 problem details. `type` is stable: clients branch on it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://rehearse.dev/problems/validation-failed",
    "title": "The request is not valid",
    "status": 422,
    "detail": "2 fields are not valid",
    "errors": [{"field": "email", "message": "must be a valid email address"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem, `https://rehearse.dev/problems/<slug>`, where the
    /// slug is one of: `validation-failed`, `malformed-request`, `unsupported-media-type`,
    /// `payload-too-large`, `unauthorized`, `invalid-credentials`, `invalid-refresh-token`,
    /// `invalid-token`, `invalid-signature`, `quota-exhausted`, `card-declined`,
    /// `forbidden`, `not-found`, `user-not-found`, `question-not-found`,
    /// `method-not-allowed`, `email-taken`, `already-member`, `email-not-verified`,
    /// `personal-organization`, `question-already-answered`, `interview-not-in-progress`,
    /// `nothing-to-grade`, `report-not-ready`, `no-billing-account`, `webhook-limit-reached`,
    /// `idempotency-key-reused`, `too-many-requests`, `internal`, `billing-provider-error`,
    /// `service-unavailable`, `billing-not-configured`, `billing-unavailable`, `http-error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, for a human.
    pub detail: String,
    /// For validation problems: every invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `quota-exhausted`: how to get more interviews.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradeHint>,
}

/// Where to go when the quota is spent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpgradeHint {
    /// Plans that allow more interviews.
    pub plans: Vec<String>,
    /// `POST` here with `{"plan": …}` to subscribe.
    pub checkout: String,
    /// The plans with their prices and allowances.
    pub pricing: String,
}

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name in the request body (`null` when it cannot be told).
    pub field: Option<String>,
    pub message: String,
}

/// An error a handler returns; rendered as a [`Problem`]. Its `Debug` carries the
/// internal cause (logged), never sent to the client. Boxed: errors are rare and
/// `Result`s should stay small.
pub struct ApiError(Box<Inner>);

struct Inner {
    kind: ProblemType,
    /// The kind's status, unless an `http-error` carries the response's own.
    status: StatusCode,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    retry_after: Option<u64>,
    /// For 405: the `Allow` header.
    allow: Option<String>,
    upgrade: Option<UpgradeHint>,
    source: Option<anyhow::Error>,
    /// Already logged where it happened (a panic): not logged again.
    logged: bool,
}

impl ApiError {
    pub fn new(kind: ProblemType, detail: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            kind,
            status: kind.status(),
            title: kind.title(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
            upgrade: None,
            source: None,
            logged: false,
        }))
    }

    /// An error response actix or a library produced, kept with its own status.
    pub fn http(status: StatusCode, detail: impl Into<String>) -> Self {
        let mut error = Self::new(ProblemType::HttpError, detail);
        error.0.status = status;
        error.0.title = status.canonical_reason().unwrap_or("Error");
        error
    }

    /// For 405: the methods the path allows, as the `Allow` header.
    pub fn with_allow(mut self, allow: Option<String>) -> Self {
        self.0.allow = allow;
        self
    }

    pub fn with_upgrade(mut self, upgrade: UpgradeHint) -> Self {
        self.0.upgrade = Some(upgrade);
        self
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is not valid".to_owned(),
            n => format!("{n} fields are not valid"),
        };
        Self::new(ProblemType::ValidationFailed, detail).with_field_errors(errors)
    }

    pub fn with_field_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors = errors;
        self
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: Some(field.to_owned()),
            message: message.into(),
        }])
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ProblemType::MalformedRequest, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(ProblemType::Unauthorized, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ProblemType::Forbidden, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ProblemType::NotFound, detail)
    }

    pub fn too_many_requests(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut error = Self::new(ProblemType::TooManyRequests, detail);
        error.0.retry_after = Some(retry_after_secs);
        error
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(ProblemType::ServiceUnavailable, detail)
    }

    /// A request handler panicked (the panic hook logged it): a plain 500.
    pub fn panicked() -> Self {
        let mut error = Self::new(ProblemType::Internal, INTERNAL_DETAIL);
        error.0.logged = true;
        error
    }

    /// Something broke on our side. The cause is logged; the client gets no details.
    /// A database that cannot be reached (pool exhausted, connection refused or reset
    /// mid-statement) and saturated password hashing are outages, not bugs: 503 with
    /// `Retry-After`.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let source = source.into();
        let database_unavailable = source.chain().any(|cause| {
            cause
                .downcast_ref::<sea_orm::DbErr>()
                .is_some_and(crate::db::is_unavailable)
                || cause
                    .downcast_ref::<sea_orm::sqlx::Error>()
                    .is_some_and(crate::db::sqlx_unavailable)
        });
        if database_unavailable {
            tracing::warn!(error = %source, "the database is unreachable or saturated");
            let mut error = Self::unavailable("The service is busy. Please try again in a moment.");
            error.0.retry_after = Some(1);
            return error;
        }
        let hashing_saturated = source
            .chain()
            .find_map(|cause| cause.downcast_ref::<crate::auth::password::Overloaded>());
        if let Some(overloaded) = hashing_saturated {
            tracing::warn!("password hashing saturated; request refused");
            let mut error = Self::unavailable("The service is busy. Please try again in a moment.");
            error.0.retry_after = Some(overloaded.retry_after_secs);
            return error;
        }
        let mut error = Self::new(ProblemType::Internal, INTERNAL_DETAIL);
        error.0.source = Some(source);
        error
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn kind(&self) -> ProblemType {
        self.0.kind
    }

    pub fn slug(&self) -> &'static str {
        self.0.kind.slug()
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: self.0.kind.uri(),
            title: self.0.title.to_owned(),
            status: self.0.status.as_u16(),
            detail: self.0.detail.clone(),
            errors: self.0.errors.clone(),
            upgrade: self.0.upgrade.clone(),
        }
    }
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.0.status.as_u16(), self.slug(), self.0.detail)?;
        if let Some(source) = &self.0.source {
            write!(f, "; caused by: {source:?}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        // A fault of ours (a cause to investigate) is an error; an answer that says a
        // dependency or a feature is unavailable (503, 502) is a warning.
        if self.0.status.is_server_error() && !self.0.logged {
            if self.0.source.is_some() || self.0.status == StatusCode::INTERNAL_SERVER_ERROR {
                tracing::error!(error = ?self, "request failed");
            } else {
                tracing::warn!(error = ?self, "request refused: unavailable");
            }
        }
        let mut response = HttpResponse::build(self.0.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        if let Some(secs) = self.0.retry_after {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = &self.0.allow {
            response.insert_header((header::ALLOW, allow.as_str()));
        }
        if self.0.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        // Serialising plain strings and numbers cannot fail; an empty body would still
        // carry the status and the content type.
        response.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;

    fn repository_file(path: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(path);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    #[test]
    fn every_problem_type_is_documented_in_the_readme_and_the_openapi_description() {
        let readme = repository_file("README.md");
        let openapi = repository_file("openapi/openapi.json");
        let mut slugs = HashSet::new();
        for kind in ProblemType::ALL {
            let slug = kind.slug();
            assert!(slugs.insert(slug), "{slug} is used twice");
            assert!(
                readme.contains(&format!("`{slug}`")),
                "README.md does not list `{slug}`"
            );
            assert!(
                openapi.contains(&format!("`{slug}`")),
                "openapi/openapi.json does not list `{slug}` (cargo run -p openapi)"
            );
            let error = ApiError::new(*kind, "detail");
            assert_eq!(error.status(), kind.status());
            assert_eq!(
                error.problem().kind,
                format!("https://rehearse.dev/problems/{slug}")
            );
        }
    }

    fn database_error(e: sea_orm::sqlx::Error) -> anyhow::Error {
        anyhow::Error::new(sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(Arc::new(e))))
            .context("database error")
            .context("failed to load the interview")
    }

    #[test]
    fn a_connection_broken_mid_statement_is_a_503_to_retry() {
        for cause in [
            sea_orm::sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
            sea_orm::sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
            sea_orm::sqlx::Error::PoolTimedOut,
            sea_orm::sqlx::Error::PoolClosed,
        ] {
            let error = ApiError::internal(database_error(cause));
            assert_eq!(error.status_code(), StatusCode::SERVICE_UNAVAILABLE);
            assert!(error.0.retry_after.is_some());
        }
    }

    #[test]
    fn a_query_that_is_wrong_stays_a_500() {
        let error = ApiError::internal(database_error(sea_orm::sqlx::Error::RowNotFound));
        assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let error = ApiError::internal(anyhow::anyhow!("a bug"));
        assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
