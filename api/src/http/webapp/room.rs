//! The interview room: one question at a time with the server's clock, the answer box
//! with drafts saved as you type, follow-ups as the next question, then a review screen
//! and a confirmed submit. Every rule (timing, size, stale question) is the
//! interviews service's; its errors appear next to the answer box.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, Ctx, PageError, SignedIn, field_message};
use crate::catalog::QuestionKind;
use crate::http::problem::ApiError;
use crate::services::interviews::{self, AnswerRequest, InterviewView, QuestionView, STATUS_IN_PROGRESS};
use crate::services::web::{self as web_service, WebError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/interviews/{id}", web::get().to(room))
        .route("/app/interviews/{id}/answer", web::post().to(answer))
        .route("/app/interviews/{id}/draft", web::post().to(save_draft))
        .route("/app/interviews/{id}/review", web::get().to(review))
        .route("/app/interviews/{id}/submit", web::post().to(submit));
}

fn parse_id(raw: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(raw).map_err(|_| PageError::NotFound)
}

pub async fn load(ctx: &Ctx, me: &SignedIn, id: &str) -> Result<InterviewView, PageError> {
    let id = parse_id(id)?;
    interviews::get(ctx.state.interviews(), &me.access, id)
        .await
        .map_err(|e| PageError::from(ApiError::from(e)))
}

pub fn kind_label(kind: Option<QuestionKind>) -> &'static str {
    match kind {
        Some(QuestionKind::SystemDesign) => "System design",
        Some(QuestionKind::Technical) => "Technical",
        Some(QuestionKind::Behavioral) => "Behavioral",
        None => "Question",
    }
}

fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, r) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{r:02}")
    } else {
        format!("{m}:{r:02}")
    }
}

#[derive(Template)]
#[template(path = "web/room.html")]
struct Room {
    c: Chrome,
    interview_id: Uuid,
    track: String,
    number: usize,
    total: usize,
    question: QuestionView,
    kind: &'static str,
    asked_at_ms: i64,
    now_ms: i64,
    expected_secs: i64,
    elapsed: String,
    over: bool,
    answer: String,
    saved_at_ms: i64,
    error: Option<String>,
    answered: usize,
}

async fn render_room(
    ctx: &Ctx,
    me: &SignedIn,
    view: InterviewView,
    status: StatusCode,
    posted: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let Some(question) = view.current_question.clone() else {
        return Ok(ctx.see_other(&format!("/app/interviews/{}/review", view.id)));
    };
    let (answer, error, saved_at_ms) = match posted {
        Some((answer, error)) => (answer, Some(error), 0),
        None => match web_service::draft(&ctx.state.db, &me.access, question.id).await? {
            Some((body, at)) => (body, None, at.timestamp_millis()),
            None => (String::new(), None, 0),
        },
    };
    let now = Utc::now();
    let asked = question.asked_at.unwrap_or(now);
    let spent = (now - asked).num_seconds();
    let expected_secs = i64::from(question.expected_minutes.unwrap_or(0)) * 60;
    let answered = view.questions.iter().filter(|q| q.answered_at.is_some()).count();
    let page = Room {
        c: ctx.chrome(format!("Question {}", question.position)),
        interview_id: view.id,
        track: view.track.as_ref().map_or_else(
            || "Interview".to_owned(),
            |t| format!("{} · {}", t.title, t.company_context),
        ),
        number: question.position as usize,
        total: view.questions.len() + view.remaining_questions as usize,
        kind: kind_label(question.kind),
        asked_at_ms: asked.timestamp_millis(),
        now_ms: now.timestamp_millis(),
        expected_secs,
        elapsed: if expected_secs > 0 {
            format!("{} of {}", clock(spent), clock(expected_secs))
        } else {
            clock(spent)
        },
        over: expected_secs > 0 && spent > expected_secs,
        answer,
        saved_at_ms,
        error,
        answered,
        question,
    };
    ctx.render(status, &page)
}

async fn room(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let view = load(&ctx, me, &path).await?;
    if view.status != STATUS_IN_PROGRESS {
        return Ok(ctx.see_other(&format!("/app/interviews/{}/report", view.id)));
    }
    render_room(&ctx, me, view, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    csrf: Option<String>,
    #[serde(default)]
    question_id: String,
    #[serde(default)]
    answer: String,
}

async fn answer(
    ctx: Ctx,
    path: web::Path<String>,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    let id = parse_id(&path)?;
    let form = form.into_inner();
    let failure = match Uuid::parse_str(&form.question_id) {
        Err(_) => ApiError::from(interviews::InterviewsError::QuestionNotFound),
        Ok(question_id) if form.answer.trim().is_empty() => {
            let _ = question_id;
            ApiError::field(
                "answer",
                "write an answer before sending it (or finish the interview from the review page)",
            )
        }
        Ok(question_id) => {
            let request = AnswerRequest {
                question_id,
                answer: form.answer.clone(),
            };
            match interviews::answer(ctx.state.interviews(), &me.access, id, request).await {
                Ok(_) => return Ok(ctx.see_other(&format!("/app/interviews/{id}"))),
                Err(e) => ApiError::from(e),
            }
        }
    };
    let status = failure.status();
    if status == StatusCode::NOT_FOUND && failure.slug() == "not-found" {
        return Err(PageError::NotFound);
    }
    let message = field_message(failure)?;
    let view = interviews::get(ctx.state.interviews(), &me.access, id)
        .await
        .map_err(|e| PageError::from(ApiError::from(e)))?;
    if view.status != STATUS_IN_PROGRESS {
        return Ok(ctx.see_other(&format!("/app/interviews/{id}/report")));
    }
    // A stale question (answered in another tab): show the current one, with the text
    // that was sent so nothing typed is lost.
    render_room(&ctx, me, view, status, Some((form.answer, message))).await
}

/// Saves the draft (htmx, debounced) and answers with the line that says so.
async fn save_draft(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    let id = parse_id(&path)?;
    let question_id = Uuid::parse_str(&form.question_id).map_err(|_| PageError::NotFound)?;
    let line = match web_service::save_draft(&ctx.state.db, &me.access, id, question_id, &form.answer).await {
        Ok(at) => format!("Draft saved at {}", at.format("%H:%M:%S UTC")),
        Err(WebError::NotFound) => return Err(PageError::NotFound),
        Err(e @ (WebError::Stale | WebError::Invalid(_))) => format!("Draft not saved: {e}."),
        Err(e) => return Err(e.into()),
    };
    let html = if req.headers().contains_key("hx-request") {
        askama::filters::escape(&line, askama::filters::Html)
            .map_err(|e| PageError::Internal(e.into()))?
            .to_string()
    } else {
        return Ok(ctx.see_other(&format!("/app/interviews/{id}")));
    };
    Ok(ctx.respond(StatusCode::OK).body(html))
}

#[derive(Template)]
#[template(path = "web/review.html")]
struct Review {
    c: Chrome,
    interview_id: Uuid,
    track: String,
    questions: Vec<(QuestionView, &'static str)>,
    current: Option<QuestionView>,
    remaining: u32,
    error: Option<String>,
}

async fn render_review(
    ctx: &Ctx,
    view: InterviewView,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let page = Review {
        c: ctx.chrome("Review and submit"),
        interview_id: view.id,
        track: view.track.as_ref().map_or_else(
            || "Interview".to_owned(),
            |t| format!("{} · {}", t.title, t.company_context),
        ),
        questions: view
            .questions
            .iter()
            .filter(|q| q.answered_at.is_some())
            .map(|q| (q.clone(), kind_label(q.kind)))
            .collect(),
        current: view.current_question.clone(),
        remaining: view.remaining_questions,
        error,
    };
    ctx.render(status, &page)
}

async fn review(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let view = load(&ctx, me, &path).await?;
    if view.status != STATUS_IN_PROGRESS {
        return Ok(ctx.see_other(&format!("/app/interviews/{}/report", view.id)));
    }
    render_review(&ctx, view, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct SubmitForm {
    csrf: Option<String>,
    confirm: Option<String>,
}

async fn submit(
    ctx: Ctx,
    path: web::Path<String>,
    form: web::Form<SubmitForm>,
) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    let view = load(&ctx, me, &path).await?;
    if form.confirm.as_deref() != Some("yes") {
        return render_review(
            &ctx,
            view,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(
                "Tick the box to confirm you are done: a submitted interview cannot take more answers."
                    .into(),
            ),
        )
        .await;
    }
    match interviews::submit(ctx.state.interviews(), &me.access, view.id).await {
        Ok(_) => Ok(ctx.see_other(&format!("/app/interviews/{}/report", view.id))),
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status();
            let message = field_message(e)?;
            render_review(&ctx, view, status, Some(message)).await
        }
    }
}
