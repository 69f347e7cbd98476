//! The dashboard, the track catalogue and starting an interview (the upgrade page when
//! the quota is spent).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::auth_pages::{PlanCard, plan_cards};
use super::{Chrome, Ctx, PageError, date, status_label, verdict_label};
use crate::catalog::QuestionKind;
use crate::http::problem::ApiError;
use crate::services::interviews::{self, InterviewsError, StartInterview};
use crate::services::quota;
use crate::services::web::{self as web_service, HistoryFilter};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/app", web::get().to(dashboard))
        .route("/app/", web::get().to(dashboard))
        .route("/app/tracks", web::get().to(tracks))
        .route("/app/interviews", web::post().to(start));
}

/// One interview as a line of a list.
pub struct Row {
    pub id: Uuid,
    pub track: String,
    pub date: String,
    pub status: String,
    pub status_label: &'static str,
    pub verdict: Option<String>,
    pub verdict_label: String,
    pub score: Option<i32>,
}

pub fn rows(ctx: &Ctx, items: Vec<web_service::HistoryItem>) -> Vec<Row> {
    items
        .into_iter()
        .map(|i| Row {
            id: i.id,
            track: i
                .track_id
                .as_deref()
                .and_then(|t| ctx.state.catalog.track(t))
                .map_or_else(|| "Transcript".to_owned(), |t| t.display_title()),
            date: date(i.started_at),
            status_label: status_label(&i.status),
            status: i.status,
            verdict_label: i.verdict.as_deref().map(verdict_label).unwrap_or_default(),
            verdict: i.verdict,
            score: i.score,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "web/dashboard.html")]
struct Dashboard {
    c: Chrome,
    name: String,
    welcome: bool,
    verified: bool,
    plan: String,
    remaining: u32,
    period_end: Option<String>,
    in_progress: Option<Uuid>,
    recent: Vec<Row>,
}

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    welcome: Option<String>,
}

async fn dashboard(ctx: Ctx, query: web::Query<DashboardQuery>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let org = &me.access.organization;
    let status = quota::status(&ctx.state.db, org, &ctx.state.config.settings).await?;
    let in_progress = web_service::in_progress(&ctx.state.db, &me.access).await?;
    let recent = web_service::history(&ctx.state.db, &me.access, &HistoryFilter::default(), 1, 5).await?;
    let page = Dashboard {
        c: ctx.chrome("Dashboard"),
        name: me.display_name().to_owned(),
        welcome: query.welcome.is_some(),
        verified: me.user.email_verified_at.is_some(),
        plan: plan_name(status.plan),
        remaining: status.remaining(),
        period_end: status.period_end.map(date),
        in_progress,
        recent: rows(&ctx, recent.items),
    };
    ctx.render(StatusCode::OK, &page)
}

pub fn plan_name(plan: quota::Plan) -> String {
    let key = plan.key();
    let mut chars = key.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

pub struct TrackCard {
    pub id: String,
    pub title: String,
    pub level: String,
    pub company_context: String,
    pub description: String,
    pub questions: usize,
    pub minutes: u32,
    pub kinds: String,
}

#[derive(Template)]
#[template(path = "web/tracks.html")]
struct Tracks {
    c: Chrome,
    tracks: Vec<TrackCard>,
    remaining: u32,
    in_progress: Option<Uuid>,
}

fn kind_label(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::SystemDesign => "system design",
        QuestionKind::Technical => "technical",
        QuestionKind::Behavioral => "behavioral",
    }
}

async fn tracks(ctx: Ctx) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let status = quota::status(&ctx.state.db, &me.access.organization, &ctx.state.config.settings).await?;
    let in_progress = web_service::in_progress(&ctx.state.db, &me.access).await?;
    let tracks = ctx
        .state
        .catalog
        .tracks()
        .iter()
        .map(|t| {
            let mut kinds: Vec<&str> = Vec::new();
            for q in &t.questions {
                let k = kind_label(q.kind);
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
            TrackCard {
                id: t.id.clone(),
                title: t.title.clone(),
                level: t.level.clone(),
                company_context: t.company_context.clone(),
                description: t.description.clone(),
                questions: t.questions.len(),
                minutes: t.total_minutes(),
                kinds: kinds.join(", "),
            }
        })
        .collect();
    ctx.render(
        StatusCode::OK,
        &Tracks {
            c: ctx.chrome("Choose an interview"),
            tracks,
            remaining: status.remaining(),
            in_progress,
        },
    )
}

#[derive(Template)]
#[template(path = "web/upgrade.html")]
struct Upgrade {
    c: Chrome,
    plan: String,
    plans: Vec<PlanCard>,
    billing_on: bool,
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    csrf: Option<String>,
    #[serde(default)]
    track_id: String,
}

async fn start(ctx: Ctx, form: web::Form<StartForm>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    let request = StartInterview {
        track_id: form.track_id.clone(),
        candidate: None,
    };
    match interviews::start(ctx.state.interviews(), &me.access, request, None).await {
        Ok(created) => Ok(ctx.see_other(&format!("/app/interviews/{}", created.body.id))),
        Err(InterviewsError::QuotaExhausted { plan }) => ctx.render(
            StatusCode::PAYMENT_REQUIRED,
            &Upgrade {
                c: ctx.chrome("Upgrade to keep practising"),
                plan: plan_name(quota::Plan::parse(plan)),
                plans: plan_cards(&ctx).into_iter().filter(|p| p.purchasable).collect(),
                billing_on: ctx.state.stripe.is_some(),
            },
        ),
        Err(InterviewsError::UnknownTrack(_)) => Err(PageError::NotFound),
        Err(e) => Err(ApiError::from(e).into()),
    }
}
