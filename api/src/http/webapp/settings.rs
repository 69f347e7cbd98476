//! Settings: name, password change (ends every other session), active sessions and
//! "sign out everywhere", the data export, and deleting the account.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, Ctx, PageError, date_time};
use crate::domain::{Password, PersonName};
use crate::http::problem::ApiError;
use crate::services::web::{self as web_service, WebError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/settings", web::get().to(page))
        .route("/app/settings/name", web::post().to(rename))
        .route("/app/settings/password", web::post().to(change_password))
        .route("/app/settings/sessions/{id}/end", web::post().to(end_one))
        .route("/app/settings/sessions/end-all", web::post().to(end_all))
        .route("/app/settings/export", web::get().to(export))
        .route("/app/settings/delete", web::post().to(delete));
}

pub struct SessionRow {
    pub id: Uuid,
    pub browser: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "web/settings.html")]
struct Settings {
    c: Chrome,
    email: String,
    name: String,
    sessions: Vec<SessionRow>,
    notice: Option<String>,
    name_error: Option<String>,
    password_error: Option<String>,
    delete_error: Option<String>,
}

#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    name_error: Option<String>,
    password_error: Option<String>,
    delete_error: Option<String>,
}

async fn render(ctx: &Ctx, status: StatusCode, outcome: Outcome) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let sessions = web_service::active_sessions(&ctx.state.db, me.user.id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: s.id == me.session.id,
            id: s.id,
            browser: s.browser,
            started: date_time(s.created_at),
            last_seen: date_time(s.last_seen_at),
        })
        .collect();
    ctx.render(
        status,
        &Settings {
            c: ctx.chrome("Settings"),
            email: me.user.email.clone(),
            name: me.user.name.clone().unwrap_or_default(),
            sessions,
            notice: outcome.notice,
            name_error: outcome.name_error,
            password_error: outcome.password_error,
            delete_error: outcome.delete_error,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct SettingsQuery {
    done: Option<String>,
}

async fn page(ctx: Ctx, query: web::Query<SettingsQuery>) -> Result<HttpResponse, PageError> {
    let notice = match query.done.as_deref() {
        Some("name") => Some("Your name is saved.".to_owned()),
        Some("password") => Some("Your password is changed. Every other session was signed out.".to_owned()),
        Some("sessions") => Some("Every other session was signed out.".to_owned()),
        Some("session") => Some("That session was signed out.".to_owned()),
        _ => None,
    };
    render(
        &ctx,
        StatusCode::OK,
        Outcome {
            notice,
            ..Outcome::default()
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct NameForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
}

async fn rename(ctx: Ctx, form: web::Form<NameForm>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    let name = form.name.trim();
    let name = if name.is_empty() {
        None
    } else {
        match PersonName::parse(name) {
            Ok(n) => Some(n.into_inner()),
            Err(e) => {
                return render(
                    &ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Outcome {
                        name_error: Some(super::sentence(&format!("The name {}", e.message))),
                        ..Outcome::default()
                    },
                )
                .await;
            }
        }
    };
    web_service::rename(&ctx.state.db, me.user.id, name).await?;
    Ok(ctx.see_other("/app/settings?done=name"))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf: Option<String>,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

fn web_error_message(e: WebError) -> Result<(StatusCode, String), PageError> {
    match e {
        WebError::WrongPassword => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            "The current password is not right.".into(),
        )),
        WebError::Throttled { .. } => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            "Too many wrong passwords: try again later, or reset the password by email.".into(),
        )),
        other => Err(other.into()),
    }
}

async fn change_password(ctx: Ctx, form: web::Form<PasswordForm>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    let fail = |status, message| {
        Outcome {
            password_error: Some(message),
            ..Outcome::default()
        }
        .with_status(status)
    };
    let new = match Password::parse(&form.new_password) {
        Ok(p) => p,
        Err(e) => {
            let (status, outcome) = fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                super::sentence(&format!("The new password {}", e.message)),
            );
            return render(&ctx, status, outcome).await;
        }
    };
    match web_service::change_password(ctx.state.accounts(), &me.session, &form.current_password, new).await {
        Ok(()) => Ok(ctx.see_other("/app/settings?done=password")),
        Err(e) => {
            let (status, message) = web_error_message(e)?;
            let (status, outcome) = fail(status, message);
            render(&ctx, status, outcome).await
        }
    }
}

impl Outcome {
    fn with_status(self, status: StatusCode) -> (StatusCode, Self) {
        (status, self)
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

async fn end_one(
    ctx: Ctx,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    let id = Uuid::parse_str(&path).map_err(|_| PageError::NotFound)?;
    if !web_service::end_session_by_id(&ctx.state.db, me.user.id, id).await? {
        return Err(PageError::NotFound);
    }
    if id == me.session.id {
        return Ok(ctx.end_session("/login"));
    }
    Ok(ctx.see_other("/app/settings?done=session"))
}

async fn end_all(ctx: Ctx, form: web::Form<CsrfForm>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    web_service::end_all_sessions(&ctx.state.db, me.user.id, Some(me.session.id)).await?;
    Ok(ctx.see_other("/app/settings?done=sessions"))
}

/// The data export: a JSON download of the account, interviews, answers and reports.
async fn export(ctx: Ctx) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let export = web_service::export(&ctx.state.db, me.user.id).await?;
    let body = serde_json::to_vec_pretty(&export).map_err(|e| PageError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"rehearse-export-{}.json\"",
                chrono::Utc::now().format("%Y-%m-%d")
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "web/message.html")]
struct Gone<'a> {
    c: Chrome,
    heading: &'a str,
    lines: &'a [&'a str],
    link: Option<(&'a str, &'a str)>,
}

async fn delete(ctx: Ctx, form: web::Form<DeleteForm>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    let deleted = match web_service::delete_account(ctx.state.accounts(), me.user.id, &form.password).await {
        Ok(d) => d,
        Err(e) => {
            let (status, message) = web_error_message(e)?;
            return render(
                &ctx,
                status,
                Outcome {
                    delete_error: Some(message),
                    ..Outcome::default()
                },
            )
            .await;
        }
    };
    for customer in &deleted.stripe_customers {
        // The account is gone either way; a customer Stripe could not delete now is
        // logged for an operator (it no longer maps to anyone here).
        if let Err(e) = crate::services::billing::forget_customer(ctx.state.billing(), customer).await {
            tracing::error!(error = %ApiError::from(e).problem().detail, "could not cancel the subscription of a deleted account");
        }
    }
    let mut gone = Gone {
        c: ctx.chrome("Account deleted"),
        heading: "Your account is deleted",
        lines: &[
            "Your personal organization, its interviews, answers, reports and drafts, your sessions and your emails are gone, and any subscription is canceled.",
            "Stripe keeps the invoices and payment records of past payments, as tax law requires; nothing else about you is kept here.",
        ],
        link: Some(("/", "Back to the home page")),
    };
    gone.c.user_name = None;
    let body = gone.render().map_err(|e| PageError::Internal(e.into()))?;
    let mut response = ctx.end_session("/");
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().remove(header::LOCATION);
    let mut page = super::page_headers(StatusCode::OK);
    for cookie in response.cookies() {
        page.cookie(cookie.into_owned());
    }
    Ok(page.body(body))
}
