//! Interviews: start, answer, submit, read; transcripts; reports and share links.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::domain::paging::Paging;
use crate::domain::report::Report;
use crate::http::auth::CurrentOrg;
use crate::http::problem::{ApiError, Problem};
use crate::services::idempotency::Idempotent;
use crate::services::interviews::{
    self, AnswerRequest, AnswerResponse, InterviewPage, InterviewView, StartInterview, SubmitResponse,
    TranscriptRequest, TranscriptResponse,
};

const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

fn idempotency(
    req: &HttpRequest,
    endpoint: &'static str,
    body: &impl Serialize,
) -> Result<Option<Idempotent>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiError::bad_request("Idempotency-Key must be visible ASCII"))?;
    Idempotent::new(key, endpoint, body)
        .map(Some)
        .map_err(ApiError::bad_request)
}

fn created<T: Serialize>(outcome: interviews::Created<T>) -> HttpResponse {
    let status =
        actix_web::http::StatusCode::from_u16(outcome.status).unwrap_or(actix_web::http::StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if outcome.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.json(outcome.body)
}

/// Start an interview
///
/// Starts an interview on a track and returns it with its first question in
/// `current_question`. Uses one interview of the organization's quota (the free
/// interview, or the plan's allowance); when none is left, answers 402. With an
/// `Idempotency-Key`, repeating the same request returns the original response and
/// uses no more quota; the same key with another body is a 422.
#[utoipa::path(
    tag = "interviews",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters", min_length = 1, max_length = 255, pattern = r"^[!-~]+$")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 201, description = "Started", body = InterviewView),
        (status = 400, description = "Malformed body or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 402, description = "No interviews left (`quota-exhausted`), with the plans that allow more", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown track or invalid candidate (`validation-failed`), or Idempotency-Key reused with another body (`idempotency-key-reused`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/interviews")]
pub async fn start_interview(
    req: HttpRequest,
    state: web::Data<AppState>,
    org: CurrentOrg,
    body: web::Json<StartInterview>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = idempotency(&req, "start_interview", &body)?;
    let outcome = interviews::start(state.interviews(), &org.0, body, key.as_ref()).await?;
    Ok(created(outcome))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<u64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// List interviews
///
/// The organization's interviews, newest first. Members see the interviews they
/// started; owners, admins and API keys see all of them.
#[utoipa::path(
    tag = "interviews",
    params(PageQuery),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "A page of interviews", body = InterviewPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/interviews")]
pub async fn list_interviews(
    state: web::Data<AppState>,
    org: CurrentOrg,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging =
        Paging::parse(query.page, query.per_page).map_err(|(field, e)| ApiError::field(field, e.message))?;
    let list = interviews::list(state.interviews(), &org.0, paging.page(), paging.per_page()).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get an interview
///
/// Its status and the questions asked so far, with answers and time spent.
#[utoipa::path(
    tag = "interviews",
    params(("interview_id" = Uuid, Path, description = "Interview id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The interview", body = InterviewView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/interviews/{interview_id}")]
pub async fn get_interview(
    state: web::Data<AppState>,
    org: CurrentOrg,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let interview = interviews::get(state.interviews(), &org.0, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(interview))
}

/// Answer the current question
///
/// Records the answer and the time spent on it (measured by the server, from when the
/// question was served), and returns the next question: a follow-up when the answer
/// calls for one, else the next question of the track, or `null` when none is left.
#[utoipa::path(
    tag = "interviews",
    params(("interview_id" = Uuid, Path, description = "Interview id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Recorded", body = AnswerResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown interview (`not-found`) or question (`question-not-found`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Question already answered (`question-already-answered`) or interview submitted (`interview-not-in-progress`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Answer too long or malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/interviews/{interview_id}/answers")]
pub async fn answer_question(
    state: web::Data<AppState>,
    org: CurrentOrg,
    path: web::Path<Uuid>,
    body: web::Json<AnswerRequest>,
) -> Result<HttpResponse, ApiError> {
    let result = interviews::answer(state.interviews(), &org.0, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Submit for grading
///
/// Ends the interview and queues its grading; the report is emailed when ready.
/// Submitting again changes nothing.
#[utoipa::path(
    tag = "interviews",
    params(("interview_id" = Uuid, Path, description = "Interview id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 202, description = "Queued for grading", body = SubmitResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No answer to grade (`nothing-to-grade`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/interviews/{interview_id}/submit")]
pub async fn submit_interview(
    state: web::Data<AppState>,
    org: CurrentOrg,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = interviews::submit(state.interviews(), &org.0, path.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(result))
}

/// Grade a transcript
///
/// Posts a whole interview (questions from the catalog or free-form, answers and time
/// spent) for grading in one call; uses quota like any interview. With a `candidate`,
/// the results email goes to them. Honors `Idempotency-Key`.
#[utoipa::path(
    tag = "interviews",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters", min_length = 1, max_length = 255, pattern = r"^[!-~]+$")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 202, description = "Queued for grading", body = TranscriptResponse),
        (status = 400, description = "Malformed body or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 402, description = "No interviews left (`quota-exhausted`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid items, track or candidate; or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/transcripts")]
pub async fn submit_transcript(
    req: HttpRequest,
    state: web::Data<AppState>,
    org: CurrentOrg,
    body: web::Json<TranscriptRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = idempotency(&req, "submit_transcript", &body)?;
    let outcome = interviews::submit_transcript(state.interviews(), &org.0, body, key.as_ref()).await?;
    Ok(created(outcome))
}

/// Get the report
///
/// The graded report, with `share_url` (the public results page) unless revoked.
/// 409 while the interview is not graded yet.
#[utoipa::path(
    tag = "reports",
    params(("interview_id" = Uuid, Path, description = "Interview id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The report", body = Report),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not graded yet (`report-not-ready`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/interviews/{interview_id}/report")]
pub async fn get_report(
    state: web::Data<AppState>,
    org: CurrentOrg,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let report = interviews::report(state.interviews(), &org.0, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Revoke the share link
///
/// The public results page stops working at once (404). `POST` the same path to get
/// a new link.
#[utoipa::path(
    tag = "reports",
    params(("interview_id" = Uuid, Path, description = "Interview id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not graded yet (`report-not-ready`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/interviews/{interview_id}/share")]
pub async fn revoke_share(
    state: web::Data<AppState>,
    org: CurrentOrg,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    interviews::revoke_share(state.interviews(), &org.0, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLink {
    pub share_url: String,
}

/// Issue a new share link
///
/// Earlier links stay revoked.
#[utoipa::path(
    tag = "reports",
    params(("interview_id" = Uuid, Path, description = "Interview id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 201, description = "The new link", body = ShareLink),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not graded yet (`report-not-ready`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/interviews/{interview_id}/share")]
pub async fn renew_share(
    state: web::Data<AppState>,
    org: CurrentOrg,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let share_url = interviews::renew_share(state.interviews(), &org.0, path.into_inner()).await?;
    Ok(HttpResponse::Created().json(ShareLink { share_url }))
}
