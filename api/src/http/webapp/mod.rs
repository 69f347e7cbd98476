//! The web app: server-rendered pages under `/` and `/app/…`, for candidates and
//! subscribers in a browser. Page handlers extract the browser session, check the CSRF
//! token of every state-changing request, call `crate::services` exactly as the REST
//! handlers do, and render askama templates sharing one layout. Every page works
//! without JavaScript; htmx and `app.js` only make it nicer.
//!
//! Sessions are ours rather than actix-session's: the product needs a list of a user's
//! sessions and "sign out everywhere", which a key-value session store cannot answer
//! without an index of its own, so the table in `services::web` is the store.

pub mod assets;
mod auth_pages;
mod billing_pages;
mod dashboard;
mod report_pages;
mod room;
mod settings;

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{
    FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError, dev::Payload, web,
};
use askama::Template;
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::EntityTrait;
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::AppState;
use crate::domain::tokens::random_token;
use crate::entities::users;
use crate::http::problem::ApiError;
use crate::services::organizations::{self, Actor, OrganizationAccess};
use crate::services::web::{self as web_service, WebSession};

pub const SESSION_COOKIE: &str = "rh_session";
/// Binds the CSRF token of pages seen before signing in (sign-up, sign-in, forgot).
pub const ANON_COOKIE: &str = "rh_anon";
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Every route of the web app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(assets::serve);
    auth_pages::configure(cfg);
    dashboard::configure(cfg);
    room::configure(cfg);
    report_pages::configure(cfg);
    billing_pages::configure(cfg);
    settings::configure(cfg);
    // Anything else under /app is a friendly 404 in the app's layout.
    cfg.route("/app/{tail:.*}", web::route().to(not_found));
}

async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError::NotFound)
}

// --------------------------------------------------------------------------- context

/// The signed-in person, for a page.
pub struct SignedIn {
    pub session: WebSession,
    pub user: users::Model,
    pub access: OrganizationAccess,
}

impl SignedIn {
    pub fn display_name(&self) -> &str {
        self.user.name.as_deref().unwrap_or(&self.user.email)
    }
}

/// What every page handler gets: the state, who is signed in (if anyone) and the CSRF
/// token forms must carry back.
pub struct Ctx {
    pub state: web::Data<AppState>,
    pub signed_in: Option<SignedIn>,
    pub csrf: String,
    /// A new anonymous binding cookie to set with the response.
    new_anon: Option<String>,
    secure: bool,
    path: String,
    presented_csrf: Option<String>,
}

fn csrf_token(state: &AppState, binding: &str) -> String {
    // HMAC takes keys of any length; an empty token (never accepted) if it ever did not.
    let Ok(mut mac) =
        <Hmac<Sha256> as KeyInit>::new_from_slice(state.config.jwt_secret.expose_secret().as_bytes())
    else {
        return String::new();
    };
    mac.update(b"rehearse web csrf v1\0");
    mac.update(binding.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl FromRequest for Ctx {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let session_cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let anon_cookie = req.cookie(ANON_COOKIE).map(|c| c.value().to_owned());
        let presented_csrf = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let path = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| PageError::Internal(anyhow::anyhow!("application state is missing")))?;
            let secure = state.config.public_base_url.scheme() == "https";
            let mut signed_in = None;
            if let Some(cookie) = session_cookie
                && let Some(session) = web_service::find_session(&state.db, &cookie).await?
            {
                let user = users::Entity::find_by_id(session.user_id)
                    .one(&state.db)
                    .await
                    .map_err(|e| PageError::Internal(e.into()))?;
                let access = organizations::access(
                    &state.db,
                    Actor::User {
                        user_id: session.user_id,
                    },
                    session.organization_id,
                )
                .await;
                if let (Some(user), Ok(access)) = (user, access) {
                    signed_in = Some(SignedIn {
                        session,
                        user,
                        access,
                    });
                }
            }
            let (binding, new_anon) = match (&signed_in, anon_cookie) {
                (Some(s), _) => (format!("session:{}", s.session.id), None),
                (None, Some(anon)) if anon.len() >= 22 && anon.len() <= 64 => (format!("anon:{anon}"), None),
                (None, _) => {
                    let anon = random_token(16);
                    (format!("anon:{anon}"), Some(anon))
                }
            };
            let csrf = csrf_token(&state, &binding);
            Ok(Ctx {
                state,
                signed_in,
                csrf,
                new_anon,
                secure,
                path,
                presented_csrf,
            })
        })
    }
}

impl Ctx {
    /// The signed-in person, or a redirect to the sign-in page that comes back here.
    pub fn require(&self) -> Result<&SignedIn, PageError> {
        self.signed_in.as_ref().ok_or_else(|| {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &self.path)
                .finish();
            PageError::Redirect(format!("/login?{query}"))
        })
    }

    /// Refuses a state-changing request whose CSRF token (form field or header) is
    /// missing or not this visitor's.
    pub fn check_csrf(&self, form_token: Option<&str>) -> Result<(), PageError> {
        let presented = form_token.or(self.presented_csrf.as_deref()).unwrap_or_default();
        if self.new_anon.is_none()
            && !presented.is_empty()
            && subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), self.csrf.as_bytes()).into()
        {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }

    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        Chrome {
            title: title.into(),
            user_name: self.signed_in.as_ref().map(|s| s.display_name().to_owned()),
            csrf: self.csrf.clone(),
            assets: assets::urls(),
        }
    }

    fn cookie<'a>(&self, name: &'a str, value: String) -> Cookie<'a> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .finish()
    }

    /// A response builder with the page headers and the anonymous cookie when new.
    pub fn respond(&self, status: StatusCode) -> HttpResponseBuilder {
        let mut response = page_headers(status);
        if let Some(anon) = &self.new_anon {
            response.cookie(self.cookie(ANON_COOKIE, anon.clone()));
        }
        response
    }

    /// Renders a page.
    pub fn render(&self, status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
        let body = page.render().map_err(|e| PageError::Internal(e.into()))?;
        Ok(self.respond(status).body(body))
    }

    /// A `303 See Other` to `location` (the answer to a form post).
    pub fn see_other(&self, location: &str) -> HttpResponse {
        see_other(location)
    }

    /// Signs a browser in: the session cookie, and away to `location`.
    pub fn start_session(&self, token: String, location: &str) -> HttpResponse {
        let mut response = see_other_builder(location);
        response.cookie(self.cookie(SESSION_COOKIE, token));
        let mut gone = self.cookie(ANON_COOKIE, String::new());
        gone.make_removal();
        response.cookie(gone);
        response.finish()
    }

    /// Signs the browser out (the cookie is removed).
    pub fn end_session(&self, location: &str) -> HttpResponse {
        let mut response = see_other_builder(location);
        let mut gone = self.cookie(SESSION_COOKIE, String::new());
        gone.make_removal();
        response.cookie(gone);
        response.finish()
    }
}

fn see_other_builder(location: &str) -> HttpResponseBuilder {
    let mut response = HttpResponse::SeeOther();
    response
        .insert_header((header::LOCATION, location.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    response
}

pub fn see_other(location: &str) -> HttpResponse {
    see_other_builder(location).finish()
}

/// A `next` location is followed only when it is a path of this app (never another
/// origin, never a scheme-relative `//host`).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with("/app") && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/app",
    }
}

/// The Content-Security-Policy of app pages: scripts and styles from this origin only,
/// no inline script, no framing. Forms may also go to Stripe's hosted pages (and to the
/// Stripe endpoint configured, for test doubles).
fn content_security_policy() -> String {
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
     form-action 'self' https://checkout.stripe.com https://billing.stripe.com; base-uri 'none'; \
     frame-ancestors 'none'"
        .to_owned()
}

pub fn page_headers(status: StatusCode) -> HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", content_security_policy()))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "private, no-store"));
    response
}

// ---------------------------------------------------------------------------- layout

/// What the shared layout needs from every page.
pub struct Chrome {
    pub title: String,
    pub user_name: Option<String>,
    pub csrf: String,
    pub assets: &'static assets::Urls,
}

// ---------------------------------------------------------------------------- errors

/// Why a page could not be shown; rendered as a friendly page in the app's layout.
#[derive(Debug)]
pub enum PageError {
    Redirect(String),
    NotFound,
    Forbidden(String),
    Csrf,
    Message(StatusCode, String),
    Internal(anyhow::Error),
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Redirect(to) => write!(f, "redirect to {to}"),
            Self::NotFound => f.write_str("not found"),
            Self::Forbidden(why) | Self::Message(_, why) => f.write_str(why),
            Self::Csrf => f.write_str("CSRF token missing or invalid"),
            Self::Internal(e) => write!(f, "{e:#}"),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        let status = e.status();
        match status {
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::FORBIDDEN => Self::Forbidden(e.problem().detail),
            s if s.is_server_error() => {
                let detail = e.problem().detail;
                // Logged by the problem renderer of the API; here once, by hand.
                tracing::error!(error = ?e, "page failed");
                Self::Message(s, detail)
            }
            s => Self::Message(s, e.problem().detail),
        }
    }
}

impl From<web_service::WebError> for PageError {
    fn from(e: web_service::WebError) -> Self {
        use web_service::WebError as E;
        match e {
            E::NotFound => Self::NotFound,
            E::Unexpected(e) => Self::Internal(e),
            E::Throttled { .. } => Self::Message(StatusCode::TOO_MANY_REQUESTS, e.to_string()),
            E::WrongPassword | E::Stale | E::Invalid(_) => {
                Self::Message(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
            }
        }
    }
}

impl From<sea_orm::DbErr> for PageError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Internal(e.into())
    }
}

#[derive(Template)]
#[template(path = "web/error.html")]
struct ErrorPage {
    c: Chrome,
    heading: String,
    message: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Redirect(_) => StatusCode::SEE_OTHER,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::Message(status, _) => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (heading, message) = match self {
            Self::Redirect(to) => return see_other(to),
            Self::NotFound => (
                "Page not found",
                "There is nothing here, or it is not yours to see.".to_owned(),
            ),
            Self::Forbidden(why) => ("Not allowed", why.clone()),
            Self::Csrf => (
                "This form has expired",
                "For your safety the form was refused. Go back, reload the page and try again.".to_owned(),
            ),
            Self::Message(status, why) if status.is_server_error() => {
                ("Something went wrong on our side", why.clone())
            }
            Self::Message(_, why) => ("That did not work", why.clone()),
            Self::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "page failed");
                (
                    "Something went wrong on our side",
                    "We could not show this page. Try again in a moment.".to_owned(),
                )
            }
        };
        let page = ErrorPage {
            c: Chrome {
                title: heading.to_owned(),
                user_name: None,
                csrf: String::new(),
                assets: assets::urls(),
            },
            heading: heading.to_owned(),
            message: sentence(&message),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "<!DOCTYPE html><title>Error</title><p>Something went wrong.</p>".to_owned());
        page_headers(self.status_code()).body(body)
    }
}

/// A service message as a sentence: capital first letter, final full stop.
pub fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A service error as a message to show next to a form field.
pub fn field_message(e: ApiError) -> Result<String, PageError> {
    if e.status().is_server_error() {
        return Err(e.into());
    }
    let problem = e.problem();
    let message = match problem.errors.first() {
        Some(first) => first.message.clone(),
        None => problem.detail,
    };
    Ok(sentence(&message))
}

// -------------------------------------------------------------------------- formatting

/// "2 Dec 2026"
pub fn date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y").to_string()
}

/// "2 Dec 2026, 14:05 UTC"
pub fn date_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// A verdict key as shown: `needs_work` → "Needs work".
pub fn verdict_label(verdict: &str) -> String {
    sentence(&verdict.replace('_', " "))
        .trim_end_matches('.')
        .to_owned()
}

/// A status as shown.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "in_progress" => "In progress",
        "submitted" => "Waiting for grading",
        "grading" => "Grading",
        "graded" => "Graded",
        "failed" => "Grading failed",
        _ => "Unknown",
    }
}

/// Money in the smallest unit as shown: 1900, "usd" → "$19" / "19.50 EUR".
pub fn money(cents: u32, currency: &str) -> String {
    let whole = cents / 100;
    let rest = cents % 100;
    let amount = if rest == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{rest:02}")
    };
    match currency.to_ascii_lowercase().as_str() {
        "usd" => format!("${amount}"),
        "eur" => format!("€{amount}"),
        "gbp" => format!("£{amount}"),
        other => format!("{amount} {}", other.to_ascii_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_the_app_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/app/history?page=2")), "/app/history?page=2");
        assert_eq!(safe_next(Some("https://evil.example/app")), "/app");
        assert_eq!(safe_next(Some("//evil.example/app")), "/app");
        assert_eq!(safe_next(Some("/app\\@evil")), "/app");
        assert_eq!(safe_next(None), "/app");
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(money(1900, "usd"), "$19");
        assert_eq!(money(1950, "eur"), "€19.50");
        assert_eq!(money(500, "chf"), "5 CHF");
        assert_eq!(verdict_label("needs_work"), "Needs work");
        assert_eq!(sentence("no interviews left"), "No interviews left.");
    }
}
