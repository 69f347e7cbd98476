//! The public results page, `GET /r/{share_token}`: server-rendered HTML readable
//! without an account, with no external assets and strict security headers.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder, get, web};
use askama::Template;

use crate::AppState;
use crate::domain::report::Report;
use crate::http::problem::ApiError;
use crate::services::interviews;

#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportPage<'a> {
    pub report: &'a Report,
    /// e.g. "29 Nov 2026"
    pub graded_on: String,
}

#[derive(Template)]
#[template(path = "link_unavailable.html")]
struct LinkUnavailable;

/// Security headers of every page: no scripts, no external loads, not embeddable, not
/// indexed, no referrer (the URL is the secret), never cached by shared caches.
fn page(status: StatusCode) -> HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'",
        ))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Cache-Control", "private, no-store"));
    response
}

/// Renders a report as the results page.
pub fn render(report: &Report) -> Result<String, askama::Error> {
    ReportPage {
        report,
        graded_on: report.graded_at.format("%-d %b %Y").to_string(),
    }
    .render()
}

/// The results page
///
/// The report behind a share link, as a self-contained HTML page (works on a phone and
/// prints well). 404 when the link was revoked or never existed.
#[utoipa::path(
    tag = "reports",
    params(("share_token" = String, Path, description = "The token of a share link")),
    responses(
        (status = 200, description = "The results page", body = String, content_type = "text/html"),
        (status = 404, description = "Revoked or unknown link", body = String, content_type = "text/html"),
    )
)]
#[get("/r/{share_token}")]
pub async fn results_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let report = interviews::shared_report(state.interviews(), &path).await?;
    let Some(report) = report else {
        let html = LinkUnavailable.render().map_err(ApiError::internal)?;
        return Ok(page(StatusCode::NOT_FOUND).body(html));
    };
    let html = render(&report).map_err(ApiError::internal)?;
    Ok(page(StatusCode::OK).body(html))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::TimeZone;

    use super::*;
    use crate::catalog::QuestionKind;
    use crate::domain::report::{
        CriterionResult, Dimension, GraderInfo, QuestionReport, ReportTrack, Timing, Verdict,
    };

    fn sample() -> Report {
        Report {
            interview_id: uuid::Uuid::nil(),
            track: Some(ReportTrack {
                id: "senior-backend-fintech".into(),
                title: "Senior Backend Engineer".into(),
                company_context: "fintech startup".into(),
                level: "senior".into(),
            }),
            duration_minutes: Some(12),
            verdict: Verdict::NeedsWork,
            verdict_label: Verdict::NeedsWork.label().into(),
            headline: Verdict::NeedsWork.headline().into(),
            score: 41,
            dimensions: vec![
                Dimension {
                    key: "knowledge".into(),
                    label: "Knowledge".into(),
                    score: 55,
                },
                Dimension {
                    key: "structure".into(),
                    label: "Structure".into(),
                    score: 20,
                },
            ],
            summary: "You know the building blocks; the answers need structure <and> numbers.".into(),
            strengths: vec!["Named base62 encoding & a key-value store.".into()],
            improvements: vec!["Open with requirements, then estimate the load.".into()],
            general_feedback: "Spend the first minutes on scope.".into(),
            questions: vec![QuestionReport {
                position: 1,
                question: "Design a URL shortener like bit.ly that handles 100 million new URLs per day."
                    .into(),
                kind: Some(QuestionKind::SystemDesign),
                is_follow_up: false,
                answer: "Base62 counter.\n<script>alert('x')</script>".into(),
                time_spent_seconds: Some(240),
                expected_minutes: Some(30),
                score: 35,
                feedback_summary: "Right blocks, no requirements.".into(),
                feedback: "You covered the high-level design.".into(),
                ideal_answer: Some("Requirements, then estimates.".into()),
                tips: vec![
                    "State the read/write ratio.".into(),
                    "Compare two encodings.".into(),
                ],
                timing: Some(Timing::Rushed),
                criteria: vec![CriterionResult {
                    key: "high_level_design".into(),
                    label: "High-level design".into(),
                    weight: 3,
                    score: 67,
                    evidence: vec!["base62".into()],
                }],
            }],
            grader: GraderInfo {
                kind: "rubric".into(),
                model: None,
                prompt_version: "rubric-v1".into(),
                prompt_tokens: 0,
                completion_tokens: 0,
                cost_usd: 0.0,
                latency_ms: 1,
                fallback: false,
                flags: vec![],
            },
            how_graded: None,
            graded_at: Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap(),
            share_url: None,
        }
    }

    use chrono::Utc;

    #[test]
    fn the_results_page_says_how_the_report_was_graded() {
        let mut report = sample();
        report.how_graded = Some(crate::domain::report::GradingMethod::for_grader(&report.grader));
        let html = render(&report).unwrap();
        assert!(html.contains("How this was graded"), "{html}");
        assert!(html.contains("without a language model"));
        assert!(html.contains("What it cannot check"));
        let older = render(&sample()).unwrap();
        assert!(!older.contains("How this was graded"));
    }

    #[test]
    fn the_results_page_shows_the_whole_report_and_escapes_answers() {
        let html = render(&sample()).unwrap();
        assert!(html.contains("NEEDS WORK"));
        assert!(html.contains("29 Nov 2026"));
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;and&gt;") || html.contains("&#60;and&#62;"));
        insta::assert_snapshot!("results_page", html);
    }
}
