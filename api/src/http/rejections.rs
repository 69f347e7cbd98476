//! How requests that never reach a handler are answered: bodies, paths and query
//! strings the extractors reject, routes that do not exist, and — as middleware — any
//! other error response, rewritten into problem+json.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse};

use crate::http::problem::{ApiError, FieldError, PROBLEM_CONTENT_TYPE, ProblemType};

/// JSON bodies: wrong content type → 415, too large → 413, not JSON → 400, JSON of the
/// wrong shape → 422 naming the field when serde tells which.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::ContentType => ApiError::new(
            ProblemType::UnsupportedMediaType,
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
    ApiError::new(ProblemType::PayloadTooLarge, detail)
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
    ApiError::new(ProblemType::ValidationFailed, detail).into()
}

/// The app's default service: an unknown path is a 404; a known path with another
/// method a 405, carrying `Allow` with the path's methods.
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let allow = crate::http::allow::allowed_methods(req.path());
    if allow.is_some() || req.resource_map().has_resource(req.path()) {
        Err(ApiError::new(
            ProblemType::MethodNotAllowed,
            format!("{} is not supported on this path", req.method()),
        )
        .with_allow(allow))
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
            ProblemType::MethodNotAllowed,
            "this method is not supported on this path",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(0),
        s if s.is_server_error() => ApiError::internal(anyhow::anyhow!(
            "unhandled {} response: {}",
            s.as_u16(),
            res.response().error().map(|e| e.to_string()).unwrap_or_default()
        )),
        s => ApiError::http(
            s,
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
        let allow = crate::http::allow::allowed_methods(req.path())
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
