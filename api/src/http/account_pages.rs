//! The pages behind the links of account emails: `/verify-email?token=…` and
//! `/reset-password?token=…`. Opening a link changes nothing (mail scanners prefetch
//! links); the page posts the token back with a button, and only that POST acts.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::domain::Password;
use crate::http::problem::ApiError;
use crate::services::accounts::{self, AccountsError};

struct Form<'a> {
    action: &'a str,
    token: &'a str,
    button: &'a str,
    ask_password: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    title: &'a str,
    message: &'a [&'a str],
    is_error: bool,
    form: Option<Form<'a>>,
}

fn html(status: StatusCode, page: &AccountPage<'_>) -> Result<HttpResponse, ApiError> {
    let body = page.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

const INVALID_LINK: &[&str] = &[
    "This link is invalid, has expired, or was already used.",
    "Ask for a new one from the app.",
];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The token from the emailed link.
    pub token: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenForm {
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetForm {
    pub token: String,
    /// 8 to 256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
}

/// Email confirmation page
///
/// Where the verification email links to: a page with a button that confirms the
/// address. Opening it changes nothing.
#[utoipa::path(
    tag = "pages",
    params(TokenQuery),
    responses((status = 200, description = "The confirmation page", body = String, content_type = "text/html"))
)]
#[get("/verify-email")]
pub async fn verify_email_page(query: web::Query<TokenQuery>) -> Result<HttpResponse, ApiError> {
    let token = query.token.as_deref().unwrap_or_default();
    html(
        StatusCode::OK,
        &AccountPage {
            title: "Confirm your email address",
            message: &["One click and your address is confirmed."],
            is_error: false,
            form: Some(Form {
                action: "/verify-email",
                token,
                button: "Confirm my email",
                ask_password: false,
            }),
        },
    )
}

/// Confirm an email address (form)
#[utoipa::path(
    tag = "pages",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Confirmed", body = String, content_type = "text/html"),
        (status = 400, description = "Invalid, expired or used link", body = String, content_type = "text/html"),
    )
)]
#[post("/verify-email")]
pub async fn verify_email_submit(
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    match accounts::verify_email(&state.db, &form.token).await {
        Ok(()) => html(
            StatusCode::OK,
            &AccountPage {
                title: "Email confirmed",
                message: &["Thanks: your results will be sent to this address. You can close this page."],
                is_error: false,
                form: None,
            },
        ),
        Err(AccountsError::InvalidEmailToken) => invalid_link(),
        Err(e) => Err(e.into()),
    }
}

/// Password reset page
///
/// Where the reset email links to: a form for the new password.
#[utoipa::path(
    tag = "pages",
    params(TokenQuery),
    responses((status = 200, description = "The reset form", body = String, content_type = "text/html"))
)]
#[get("/reset-password")]
pub async fn reset_password_page(query: web::Query<TokenQuery>) -> Result<HttpResponse, ApiError> {
    let token = query.token.as_deref().unwrap_or_default();
    reset_form(
        StatusCode::OK,
        token,
        "Setting it signs you out everywhere else.",
        false,
    )
}

/// Set a new password (form)
#[utoipa::path(
    tag = "pages",
    request_body(content = ResetForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Password changed", body = String, content_type = "text/html"),
        (status = 400, description = "Invalid link", body = String, content_type = "text/html"),
        (status = 422, description = "The password is not valid", body = String, content_type = "text/html"),
    )
)]
#[post("/reset-password")]
pub async fn reset_password_submit(
    state: web::Data<AppState>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, ApiError> {
    let password = match Password::parse(&form.password) {
        Ok(p) => p,
        Err(e) => {
            let line = format!("The new password {}.", e.message);
            return reset_form(StatusCode::UNPROCESSABLE_ENTITY, &form.token, &line, true);
        }
    };
    match accounts::confirm_password_reset(state.accounts(), &form.token, password).await {
        Ok(()) => html(
            StatusCode::OK,
            &AccountPage {
                title: "Password changed",
                message: &["Your new password is set. Sign in with it from the app."],
                is_error: false,
                form: None,
            },
        ),
        Err(AccountsError::InvalidEmailToken) => invalid_link(),
        Err(e) => Err(e.into()),
    }
}

/// The page for a link that is invalid, expired or already used.
fn invalid_link() -> Result<HttpResponse, ApiError> {
    html(
        StatusCode::BAD_REQUEST,
        &AccountPage {
            title: "This link does not work",
            message: INVALID_LINK,
            is_error: true,
            form: None,
        },
    )
}

/// The new-password form for `token`, with one line of guidance or error.
fn reset_form(status: StatusCode, token: &str, line: &str, is_error: bool) -> Result<HttpResponse, ApiError> {
    html(
        status,
        &AccountPage {
            title: "Choose a new password",
            message: &[line],
            is_error,
            form: Some(Form {
                action: "/reset-password",
                token,
                button: "Set my new password",
                ask_password: true,
            }),
        },
    )
}
