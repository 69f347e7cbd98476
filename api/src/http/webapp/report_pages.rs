//! After submitting: the grading status page that turns into the report by itself
//! (htmx polling, and a `<noscript>` refresh without JavaScript), the report inside the
//! app with its share link on/off, and the history with filters and pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::dashboard::{Row, rows};
use super::room::{kind_label, load};
use super::{Chrome, Ctx, PageError, date, verdict_label};
use crate::domain::report::{Report, Timing};
use crate::http::problem::ApiError;
use crate::services::interviews::{self, InterviewView, STATUS_FAILED, STATUS_GRADED, STATUS_IN_PROGRESS};
use crate::services::web::{self as web_service, HistoryFilter};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/interviews/{id}/report", web::get().to(report))
        .route("/app/interviews/{id}/status", web::get().to(status))
        .route("/app/interviews/{id}/share", web::post().to(share))
        .route("/app/history", web::get().to(history));
}

#[derive(Template)]
#[template(path = "web/grading.html")]
struct Grading {
    c: Chrome,
    interview_id: Uuid,
    track: String,
    failed: bool,
    reason: Option<String>,
}

#[derive(Template)]
#[template(path = "web/grading_status.html")]
struct GradingStatus {
    interview_id: Uuid,
    failed: bool,
    reason: Option<String>,
}

pub struct QuestionCard {
    pub q: crate::domain::report::QuestionReport,
    pub kind: &'static str,
    pub spent: Option<String>,
    pub timing: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "web/report.html")]
struct ReportPage {
    c: Chrome,
    interview_id: Uuid,
    report: Report,
    verdict_key: &'static str,
    graded_on: String,
    questions: Vec<QuestionCard>,
    share_url: Option<String>,
}

fn track_line(view: &InterviewView) -> String {
    view.track.as_ref().map_or_else(
        || "Interview".to_owned(),
        |t| format!("{} · {}", t.title, t.company_context),
    )
}

fn report_page(ctx: &Ctx, interview_id: Uuid, report: Report) -> ReportPage {
    let questions = report
        .questions
        .iter()
        .map(|q| QuestionCard {
            kind: kind_label(q.kind),
            spent: q
                .time_spent_seconds
                .map(|s| format!("{} min {} s", s / 60, s % 60)),
            timing: q.timing.map(|t| match t {
                Timing::Rushed => "rushed",
                Timing::OnTime => "on time",
                Timing::Long => "long",
            }),
            q: q.clone(),
        })
        .collect();
    ReportPage {
        c: ctx.chrome("Your report"),
        interview_id,
        verdict_key: report.verdict.as_str(),
        graded_on: date(report.graded_at),
        questions,
        share_url: report.share_url.clone(),
        report,
    }
}

async fn report(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let view = load(&ctx, me, &path).await?;
    match view.status.as_str() {
        STATUS_IN_PROGRESS => Ok(ctx.see_other(&format!("/app/interviews/{}", view.id))),
        STATUS_GRADED => {
            let report = interviews::report(ctx.state.interviews(), &me.access, view.id)
                .await
                .map_err(|e| PageError::from(ApiError::from(e)))?;
            ctx.render(StatusCode::OK, &report_page(&ctx, view.id, report))
        }
        _ => {
            let failed = view.status == STATUS_FAILED;
            ctx.render(
                StatusCode::OK,
                &Grading {
                    c: ctx.chrome(if failed {
                        "Grading failed"
                    } else {
                        "Grading your interview"
                    }),
                    interview_id: view.id,
                    track: track_line(&view),
                    failed,
                    reason: view.failure_reason.clone(),
                },
            )
        }
    }
}

/// The polled fragment: the same status block while grading runs; once graded, htmx is
/// told to load the report page.
async fn status(ctx: Ctx, req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let view = load(&ctx, me, &path).await?;
    let report_url = format!("/app/interviews/{}/report", view.id);
    if view.status == STATUS_GRADED || view.status == STATUS_IN_PROGRESS {
        if req.headers().contains_key("hx-request") {
            return Ok(ctx
                .respond(StatusCode::OK)
                .insert_header(("HX-Redirect", report_url))
                .finish());
        }
        return Ok(ctx.see_other(&report_url));
    }
    ctx.render(
        StatusCode::OK,
        &GradingStatus {
            interview_id: view.id,
            failed: view.status == STATUS_FAILED,
            reason: view.failure_reason.clone(),
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ShareForm {
    csrf: Option<String>,
    #[serde(default)]
    action: String,
}

async fn share(
    ctx: Ctx,
    path: web::Path<String>,
    form: web::Form<ShareForm>,
) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    let view = load(&ctx, me, &path).await?;
    let deps = ctx.state.interviews();
    let result = match form.action.as_str() {
        "off" => interviews::revoke_share(deps, &me.access, view.id).await,
        "on" => interviews::renew_share(deps, &me.access, view.id)
            .await
            .map(|_| ()),
        _ => {
            return Err(PageError::Message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose to turn the share link on or off.".into(),
            ));
        }
    };
    result.map_err(|e| PageError::from(ApiError::from(e)))?;
    Ok(ctx.see_other(&format!("/app/interviews/{}/report#share", view.id)))
}

// -------------------------------------------------------------------------- history

const PER_PAGE: u64 = 20;
const VERDICTS: &[&str] = &["outstanding", "strong", "acceptable", "needs_work", "not_ready"];

#[derive(Debug, Deserialize, Default)]
pub struct HistoryQuery {
    track: Option<String>,
    verdict: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "web/history.html")]
struct History {
    c: Chrome,
    rows: Vec<Row>,
    tracks: Vec<(String, String)>,
    verdicts: Vec<(&'static str, String)>,
    track: String,
    verdict: String,
    from: String,
    to: String,
    page: u64,
    pages: u64,
    total: u64,
    prev: Option<String>,
    next: Option<String>,
    error: Option<String>,
}

fn day(raw: Option<&str>) -> Result<Option<NaiveDate>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{s:?} is not a date (use YYYY-MM-DD)")),
    }
}

async fn history(ctx: Ctx, query: web::Query<HistoryQuery>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let q = query.into_inner();
    let mut error = None;
    let track = q.track.clone().filter(|t| ctx.state.catalog.track(t).is_some());
    let verdict = q.verdict.clone().filter(|v| VERDICTS.contains(&v.as_str()));
    let from = day(q.from.as_deref()).unwrap_or_else(|e| {
        error = Some(e);
        None
    });
    let to = day(q.to.as_deref()).unwrap_or_else(|e| {
        error = Some(e);
        None
    });
    let page: u64 = q
        .page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let filter = HistoryFilter {
        track_id: track.clone(),
        verdict: verdict.clone(),
        from: from
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| Utc.from_utc_datetime(&d)),
        until: to
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| Utc.from_utc_datetime(&d)),
    };
    let found = web_service::history(&ctx.state.db, &me.access, &filter, page, PER_PAGE).await?;
    let link = |p: u64| {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        if let Some(t) = &track {
            pairs.append_pair("track", t);
        }
        if let Some(v) = &verdict {
            pairs.append_pair("verdict", v);
        }
        if let Some(f) = from {
            pairs.append_pair("from", &f.to_string());
        }
        if let Some(t) = to {
            pairs.append_pair("to", &t.to_string());
        }
        pairs.append_pair("page", &p.to_string());
        format!("/app/history?{}", pairs.finish())
    };
    let page = History {
        c: ctx.chrome("History"),
        tracks: ctx
            .state
            .catalog
            .tracks()
            .iter()
            .map(|t| (t.id.clone(), t.display_title()))
            .collect(),
        verdicts: VERDICTS.iter().map(|v| (*v, verdict_label(v))).collect(),
        track: track.clone().unwrap_or_default(),
        verdict: verdict.clone().unwrap_or_default(),
        from: from.map(|d| d.to_string()).unwrap_or_default(),
        to: to.map(|d| d.to_string()).unwrap_or_default(),
        prev: (found.page > 1).then(|| link(found.page - 1)),
        next: (found.page < found.pages).then(|| link(found.page + 1)),
        page: found.page,
        pages: found.pages,
        total: found.total,
        rows: rows(&ctx, found.items),
        error,
    };
    ctx.render(StatusCode::OK, &page)
}
