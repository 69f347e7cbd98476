//! RFC 9457 problem details: the one shape every error leaves the API in.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
const PROBLEM_BASE: &str = "https://rehearse.dev/problems/";

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
    /// A URI naming the kind of problem, e.g. `https://rehearse.dev/problems/not-found`.
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
    status: StatusCode,
    slug: &'static str,
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
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self(Box::new(Inner {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
            upgrade: None,
            source: None,
            logged: false,
        }))
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
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
            "The request is not valid",
            detail,
        )
        .with_field_errors(errors)
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
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "The request could not be read",
            detail,
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication is required",
            detail,
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    pub fn conflict(slug: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, slug, "Conflict", detail)
    }

    pub fn too_many_requests(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-requests",
            "Too many requests",
            detail,
        );
        error.0.retry_after = Some(retry_after_secs);
        error
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service-unavailable",
            "Service unavailable",
            detail,
        )
    }

    /// A request handler panicked (the panic hook logged it): a plain 500.
    pub fn panicked() -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "Something went wrong on our side. It has been logged; please try again.",
        );
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
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "Something went wrong on our side. It has been logged; please try again.",
        );
        error.0.source = Some(source);
        error
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn slug(&self) -> &'static str {
        self.0.slug
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("{PROBLEM_BASE}{}", self.0.slug),
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
        write!(f, "{} {}: {}", self.0.status.as_u16(), self.0.slug, self.0.detail)?;
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

/// JSON bodies: wrong content type → 415, too large → 413, not JSON → 400, JSON of the
/// wrong shape → 422 naming the field when serde tells which.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
            payload_too_large(*limit)
        }
        JsonPayloadError::Payload(actix_web::error::PayloadError::Overflow) => payload_too_large(0),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            ApiError::validation(vec![FieldError {
                field: field_named_in(&message),
                message: strip_position(&message),
            }])
        }
        JsonPayloadError::Deserialize(e) => ApiError::bad_request(format!("the body is not valid JSON: {e}")),
        _ => ApiError::bad_request("the body could not be read"),
    };
    api.into()
}

pub fn payload_too_large(limit: usize) -> ApiError {
    let detail = if limit > 0 {
        format!("the body is larger than the {limit} bytes this endpoint accepts")
    } else {
        "the body is larger than this endpoint accepts".to_owned()
    };
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "Payload too large",
        detail,
    )
}

/// serde says "missing field `email`" or "unknown variant `x`, expected …".
fn field_named_in(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_owned)
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    let detail = match err {
        PathError::Deserialize(e) => format!("a path parameter is not valid: {e}"),
        _ => "a path parameter is not valid".to_owned(),
    };
    ApiError::not_found(detail).into()
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let detail = match err {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        _ => "the query string is not valid".to_owned(),
    };
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
        "The request is not valid",
        detail,
    )
    .into()
}

/// The app's default service: an unknown path is a 404; a known path with another
/// method a 405.
/// A 405 carries `Allow` with the path's methods.
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let allow = super::allow::allowed_methods(req.path());
    if allow.is_some() || req.resource_map().has_resource(req.path()) {
        let mut error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            format!("{} is not supported on this path", req.method()),
        );
        error.0.allow = allow;
        Err(error)
    } else {
        Err(ApiError::not_found("there is nothing at this path"))
    }
}

/// Last line of defence, as middleware: any error response that is not problem+json
/// yet (from actix itself or a library) is rewritten into one, keeping its status and
/// headers.
pub fn rewrite_as_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Problems pass through, and so do HTML pages (the results page's own 404).
    let keep = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(PROBLEM_CONTENT_TYPE.as_bytes()) || v.as_bytes().starts_with(b"text/html")
    });
    if keep {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let api = match status {
        StatusCode::NOT_FOUND => ApiError::not_found("there is nothing at this path"),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "method-not-allowed",
            "Method not allowed",
            "this method is not supported on this path",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(0),
        s if s.is_server_error() => ApiError::internal(anyhow::anyhow!(
            "unhandled {} response: {}",
            s.as_u16(),
            res.response().error().map(|e| e.to_string()).unwrap_or_default()
        )),
        s => ApiError::new(
            s,
            "http-error",
            s.canonical_reason().unwrap_or("Error"),
            res.response()
                .error()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "the request could not be handled".to_owned()),
        ),
    };
    let (req, res) = res.into_parts();
    let mut res = res.set_body(serde_json::to_string(&api.problem()).unwrap_or_default());
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    if status == StatusCode::METHOD_NOT_ALLOWED && !res.headers().contains_key(header::ALLOW) {
        let allow = super::allow::allowed_methods(req.path())
            .and_then(|methods| HeaderValue::from_str(&methods).ok());
        if let Some(allow) = allow {
            res.headers_mut().insert(header::ALLOW, allow);
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, res)
            .map_into_boxed_body()
            .map_into_right_body(),
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

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
