//! How each service's errors leave the API.

use actix_web::http::StatusCode;

use crate::http::problem::ApiError;
use crate::services::accounts::AccountsError;
use crate::services::api_keys::ApiKeysError;
use crate::services::organizations::OrganizationsError;

impl From<AccountsError> for ApiError {
    fn from(e: AccountsError) -> Self {
        match e {
            AccountsError::EmailTaken => ApiError::conflict("email-taken", e.to_string()),
            AccountsError::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Invalid credentials",
                e.to_string(),
            ),
            AccountsError::LoginThrottled { retry_after_secs } => {
                ApiError::too_many_requests(e.to_string(), retry_after_secs)
            }
            AccountsError::InvalidRefreshToken => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid-refresh-token",
                "Invalid refresh token",
                e.to_string(),
            ),
            AccountsError::InvalidEmailToken => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid-token",
                "Invalid or expired link",
                e.to_string(),
            ),
            AccountsError::NotAMember => ApiError::not_found("organization not found"),
            AccountsError::Unexpected(source) => ApiError::internal(source),
        }
    }
}

impl From<OrganizationsError> for ApiError {
    fn from(e: OrganizationsError) -> Self {
        match e {
            OrganizationsError::NotFound => ApiError::not_found(e.to_string()),
            OrganizationsError::Forbidden(why) => ApiError::forbidden(why),
            OrganizationsError::UserNotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "user-not-found",
                "No such account",
                e.to_string(),
            ),
            OrganizationsError::AlreadyMember => ApiError::conflict("already-member", e.to_string()),
            OrganizationsError::PersonalOrganization => {
                ApiError::conflict("personal-organization", e.to_string())
            }
            OrganizationsError::Unexpected(source) => ApiError::internal(source),
        }
    }
}

impl From<ApiKeysError> for ApiError {
    fn from(e: ApiKeysError) -> Self {
        match e {
            ApiKeysError::NotFound => ApiError::not_found(e.to_string()),
            ApiKeysError::InvalidName => ApiError::field("name", e.to_string()),
            ApiKeysError::Organization(inner) => inner.into(),
            ApiKeysError::Unexpected(source) => ApiError::internal(source),
        }
    }
}
