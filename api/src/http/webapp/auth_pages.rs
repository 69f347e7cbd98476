//! Landing, pricing, sign-up, sign-in, sign-out and "forgot password". The email links
//! (verify, reset) land on the account pages of `http::account_pages`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Chrome, Ctx, PageError, field_message, money, safe_next};
use crate::http::handlers::auth::SignupRequest;
use crate::http::problem::ApiError;
use crate::services::accounts::{self, LoginInput, NewSignup};
use crate::services::billing;
use crate::services::web as web_service;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(landing))
        .route("/pricing", web::get().to(pricing))
        .route("/signup", web::get().to(signup_page))
        .route("/signup", web::post().to(signup_submit))
        .route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login_submit))
        .route("/logout", web::post().to(logout))
        .route("/forgot-password", web::get().to(forgot_page))
        .route("/forgot-password", web::post().to(forgot_submit));
}

#[derive(Template)]
#[template(path = "web/landing.html")]
struct Landing {
    c: Chrome,
    track_count: usize,
}

async fn landing(ctx: Ctx) -> Result<HttpResponse, PageError> {
    ctx.render(
        StatusCode::OK,
        &Landing {
            c: ctx.chrome("Practice interviews"),
            track_count: ctx.state.catalog.tracks().len(),
        },
    )
}

pub struct PlanCard {
    pub key: String,
    pub name: String,
    pub price: String,
    pub per_month: bool,
    pub per_seat: bool,
    pub description: String,
    pub allowance: String,
    pub purchasable: bool,
}

/// The plans as shown, from the billing configuration.
pub fn plan_cards(ctx: &Ctx) -> Vec<PlanCard> {
    billing::plans(&ctx.state.config.settings.plans)
        .into_iter()
        .map(|p| PlanCard {
            price: if p.price_cents == 0 {
                "Free".into()
            } else {
                money(p.price_cents, &p.currency)
            },
            per_month: p.price_cents > 0,
            allowance: match (p.key.as_str(), p.per_seat) {
                ("free", _) => "1 interview, once".into(),
                (_, true) => format!("{} interviews a month per seat", p.interviews_per_period),
                _ => format!("{} interviews a month", p.interviews_per_period),
            },
            key: p.key,
            name: p.name,
            per_seat: p.per_seat,
            description: p.description,
            purchasable: p.purchasable,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "web/pricing.html")]
struct Pricing {
    c: Chrome,
    plans: Vec<PlanCard>,
    billing_on: bool,
}

async fn pricing(ctx: Ctx) -> Result<HttpResponse, PageError> {
    ctx.render(
        StatusCode::OK,
        &Pricing {
            c: ctx.chrome("Pricing"),
            plans: plan_cards(&ctx),
            billing_on: ctx.state.stripe.is_some(),
        },
    )
}

// ------------------------------------------------------------------------ the forms

#[derive(Template)]
#[template(path = "web/auth_form.html")]
struct AuthForm<'a> {
    c: Chrome,
    heading: &'a str,
    intro: Option<&'a str>,
    error: Option<String>,
    action: &'a str,
    next: Option<&'a str>,
    ask_name: bool,
    name: &'a str,
    email: &'a str,
    ask_password: bool,
    new_password: bool,
    button: &'a str,
    links: &'a [(&'a str, &'a str)],
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SignupForm {
    csrf: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    name: Option<String>,
}

fn signup_form(
    ctx: &Ctx,
    status: StatusCode,
    error: Option<String>,
    email: &str,
    name: &str,
) -> Result<HttpResponse, PageError> {
    ctx.render(
        status,
        &AuthForm {
            c: ctx.chrome("Create your account"),
            heading: "Create your account",
            intro: Some("Your first interview is free. No card needed."),
            error,
            action: "/signup",
            next: None,
            ask_name: true,
            name,
            email,
            ask_password: true,
            new_password: true,
            button: "Create my account",
            links: &[("/login", "I already have an account")],
        },
    )
}

async fn signup_page(ctx: Ctx) -> Result<HttpResponse, PageError> {
    if ctx.signed_in.is_some() {
        return Ok(ctx.see_other("/app"));
    }
    signup_form(&ctx, StatusCode::OK, None, "", "")
}

async fn signup_submit(
    ctx: Ctx,
    req: HttpRequest,
    form: web::Form<SignupForm>,
) -> Result<HttpResponse, PageError> {
    ctx.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let name = form.name.filter(|n| !n.trim().is_empty());
    let shown_name = name.clone().unwrap_or_default();
    let input = NewSignup::try_from(SignupRequest {
        email: form.email.clone(),
        password: form.password,
        name,
    });
    let result = match input {
        Ok(input) => accounts::signup(ctx.state.accounts(), input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let created = match result {
        Ok(created) => created,
        Err(e) => {
            let status = e.status();
            let message = field_message(e)?;
            return signup_form(&ctx, status, Some(message), &form.email, &shown_name);
        }
    };
    // The browser gets a cookie session; the API pair made by sign-up is not needed.
    accounts::logout(&ctx.state.db, &created.tokens.refresh_token)
        .await
        .map_err(ApiError::from)?;
    let (token, _) = web_service::create_session(
        &ctx.state.db,
        created.user.id,
        created.organization.id,
        user_agent(&req),
    )
    .await?;
    Ok(ctx.start_session(token, "/app?welcome=1"))
}

fn user_agent(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

fn login_form(
    ctx: &Ctx,
    status: StatusCode,
    error: Option<String>,
    email: &str,
    next: Option<&str>,
) -> Result<HttpResponse, PageError> {
    ctx.render(
        status,
        &AuthForm {
            c: ctx.chrome("Sign in"),
            heading: "Sign in",
            intro: None,
            error,
            action: "/login",
            next,
            ask_name: false,
            name: "",
            email,
            ask_password: true,
            new_password: false,
            button: "Sign in",
            links: &[
                ("/forgot-password", "I forgot my password"),
                ("/signup", "Create an account"),
            ],
        },
    )
}

async fn login_page(ctx: Ctx, query: web::Query<NextQuery>) -> Result<HttpResponse, PageError> {
    let next = safe_next(query.next.as_deref());
    if ctx.signed_in.is_some() {
        return Ok(ctx.see_other(next));
    }
    login_form(&ctx, StatusCode::OK, None, "", Some(next))
}

async fn login_submit(
    ctx: Ctx,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    ctx.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref()).to_owned();
    // The API's sign-in, with its throttle and hashing bounds; its refresh token is
    // revoked at once (the browser holds a cookie session instead).
    let result = accounts::login(
        ctx.state.accounts(),
        LoginInput {
            email: form.email.clone(),
            password: form.password,
            organization_id: None,
        },
    )
    .await;
    let pair = match result {
        Ok(pair) => pair,
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status();
            let message = field_message(e)?;
            return login_form(&ctx, status, Some(message), &form.email, Some(&next));
        }
    };
    accounts::logout(&ctx.state.db, &pair.refresh_token)
        .await
        .map_err(ApiError::from)?;
    let claims = ctx
        .state
        .jwt
        .verify(&pair.access_token)
        .map_err(|e| PageError::Internal(anyhow::anyhow!("a fresh access token does not verify: {e}")))?;
    let (token, _) =
        web_service::create_session(&ctx.state.db, claims.sub, pair.organization_id, user_agent(&req))
            .await?;
    Ok(ctx.start_session(token, &next))
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    pub csrf: Option<String>,
}

async fn logout(ctx: Ctx, req: HttpRequest, form: web::Form<CsrfOnly>) -> Result<HttpResponse, PageError> {
    if ctx.signed_in.is_none() {
        // Already signed out (expired or revoked): nothing to protect.
        return Ok(ctx.end_session("/"));
    }
    ctx.check_csrf(form.csrf.as_deref())?;
    if let Some(cookie) = req.cookie(super::SESSION_COOKIE) {
        web_service::end_session(&ctx.state.db, cookie.value()).await?;
    }
    Ok(ctx.end_session("/"))
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    csrf: Option<String>,
    #[serde(default)]
    email: String,
}

#[derive(Template)]
#[template(path = "web/message.html")]
pub struct Message<'a> {
    pub c: Chrome,
    pub heading: &'a str,
    pub lines: &'a [&'a str],
    pub link: Option<(&'a str, &'a str)>,
}

async fn forgot_page(ctx: Ctx) -> Result<HttpResponse, PageError> {
    ctx.render(
        StatusCode::OK,
        &AuthForm {
            c: ctx.chrome("Reset your password"),
            heading: "Reset your password",
            intro: Some("We will email you a link to choose a new password."),
            error: None,
            action: "/forgot-password",
            next: None,
            ask_name: false,
            name: "",
            email: "",
            ask_password: false,
            new_password: false,
            button: "Email me a link",
            links: &[("/login", "Back to sign in")],
        },
    )
}

async fn forgot_submit(ctx: Ctx, form: web::Form<ForgotForm>) -> Result<HttpResponse, PageError> {
    ctx.check_csrf(form.csrf.as_deref())?;
    accounts::request_password_reset(ctx.state.accounts(), &form.email)
        .await
        .map_err(ApiError::from)?;
    ctx.render(
        StatusCode::OK,
        &Message {
            c: ctx.chrome("Check your email"),
            heading: "Check your email",
            lines: &[
                "If an account uses this address, a link to choose a new password is on its way. It works once and expires within the hour.",
            ],
            link: Some(("/login", "Back to sign in")),
        },
    )
}
