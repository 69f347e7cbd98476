//! Sign-up, sign-in and session endpoints.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::domain::{EmailAddress, Password, PersonName};
use crate::http::auth::CurrentUser;
use crate::http::dto::{OrganizationDto, TokenResponse, UserDto};
use crate::http::problem::{ApiError, FieldError, Problem};
use crate::services::accounts::{self, LoginInput, NewSignup};

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignupRequest {
    /// An email address (at most 254 characters; letters are stored lower-cased).
    #[schema(
        example = "ada@example.com",
        max_length = 254,
        pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,30}(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,30})?@([A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,20}$"
    )]
    pub email: String,
    /// 8 to 256 characters.
    #[schema(example = "correct horse battery staple", min_length = 8, max_length = 256)]
    pub password: String,
    /// 1 to 200 characters, not all spaces, no control characters.
    #[schema(
        example = "Ada Lovelace",
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
}

impl TryFrom<SignupRequest> for NewSignup {
    type Error = ApiError;

    fn try_from(r: SignupRequest) -> Result<Self, ApiError> {
        let email = EmailAddress::parse(&r.email);
        let password = Password::parse(&r.password);
        let name = r.name.as_deref().map(PersonName::parse).transpose();
        match (email, password, name) {
            (Ok(email), Ok(password), Ok(name)) => Ok(NewSignup {
                email,
                password,
                name,
            }),
            (email, password, name) => Err(ApiError::validation(
                [
                    ("email", email.err()),
                    ("password", password.err()),
                    ("name", name.err()),
                ]
                .into_iter()
                .filter_map(|(field, err)| {
                    err.map(|e| FieldError {
                        field: Some(field.to_owned()),
                        message: e.message,
                    })
                })
                .collect(),
            )),
        }
    }
}

/// A new account and its first session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupResponse {
    pub user: UserDto,
    /// The personal organization, holding the free interview.
    pub organization: OrganizationDto,
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    pub expires_in: u64,
}

/// Create an account
///
/// Creates the user and a personal organization that holds one free interview, signs
/// the user in, and emails a link to confirm the address.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 201, description = "Account created", body = SignupResponse),
        (status = 409, description = "An account already uses this email (`email-taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid email, password or name (`validation-failed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/signup")]
pub async fn signup(
    state: web::Data<AppState>,
    body: web::Json<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = NewSignup::try_from(body.into_inner())?;
    let created = accounts::signup(state.accounts(), input).await?;
    Ok(HttpResponse::Created().json(SignupResponse {
        user: UserDto::from(&created.user),
        organization: OrganizationDto::from(&created.organization),
        access_token: created.tokens.access_token,
        refresh_token: created.tokens.refresh_token,
        token_type: "Bearer".into(),
        expires_in: created.tokens.expires_in,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(example = "correct horse battery staple")]
    pub password: String,
    /// Act for this organization (you must be a member); defaults to your personal one.
    pub organization_id: Option<Uuid>,
}

/// Sign in
///
/// Every failure (unknown email, wrong password) gets the same 401. After repeated
/// failures the email is locked for a while (429 with `Retry-After`); a password reset
/// lifts the lock.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Invalid email or password (`invalid-credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a member of `organization_id`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts for this email (`too-many-requests`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until sign-in is allowed again"))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let pair = accounts::login(
        state.accounts(),
        LoginInput {
            email: body.email,
            password: body.password,
            organization_id: body.organization_id,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
    /// Switch the new access token to another organization you belong to.
    pub organization_id: Option<Uuid>,
}

/// Refresh the session
///
/// Exchanges a refresh token for a new pair. Each refresh token works once: presenting
/// one again revokes the whole session (every token descended from the same sign-in).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 401, description = "Invalid, expired or reused refresh token (`invalid-refresh-token`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a member of `organization_id`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = accounts::refresh(state.accounts(), &body.refresh_token, body.organization_id).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LogoutRequest {
    pub refresh_token: String,
}

/// Sign out
///
/// Revokes the session the refresh token belongs to, and with it every access token
/// issued for that session.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Signed out (also for unknown tokens)"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: web::Json<LogoutRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state.db, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out everywhere
///
/// Revokes every session of the signed-in user: all refresh tokens, and every access
/// token issued for them (including the one sending this request).
#[utoipa::path(
    tag = "auth",
    security(("bearer_jwt" = [])),
    responses(
        (status = 204, description = "Every session ended"),
        (status = 401, description = "Missing, invalid or revoked access token (`unauthorized`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key cannot sign a person out (`forbidden`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout-everywhere")]
pub async fn logout_everywhere(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    accounts::logout_everywhere(&state.db, user.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// The token from the emailed link.
    pub token: String,
}

/// Confirm an email address
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Address confirmed"),
        (status = 400, description = "Invalid, expired or used link (`invalid-token`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    state: web::Data<AppState>,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::verify_email(&state.db, &body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    pub email: String,
}

/// Ask for a password reset
///
/// Always answers 202, whether or not an account uses the address; when one does, a
/// reset link is emailed.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 202, description = "If the account exists, a reset link is on its way"),
        (status = 422, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset")]
pub async fn password_reset(
    state: web::Data<AppState>,
    body: web::Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::request_password_reset(state.accounts(), &body.email).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetConfirmRequest {
    pub token: String,
    /// The new password, 8 to 256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
}

/// Set a new password
///
/// Uses the token from the reset email. Signs out every session of the account and
/// lifts any sign-in lock.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Password changed"),
        (status = 400, description = "Invalid, expired or used link (`invalid-token`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn password_reset_confirm(
    state: web::Data<AppState>,
    body: web::Json<PasswordResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let password = Password::parse(&body.password).map_err(|e| ApiError::field("password", e.message))?;
    accounts::confirm_password_reset(state.accounts(), &body.token, password).await?;
    Ok(HttpResponse::NoContent().finish())
}
