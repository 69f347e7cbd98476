//! How each service's errors leave the API.

use actix_web::http::StatusCode;

use crate::http::problem::{ApiError, FieldError, UpgradeHint};
use crate::services::accounts::AccountsError;
use crate::services::api_keys::ApiKeysError;
use crate::services::billing::BillingError;
use crate::services::billing::stripe_client::StripeFailure;
use crate::services::idempotency::IdempotencyError;
use crate::services::interviews::InterviewsError;
use crate::services::organizations::OrganizationsError;
use crate::services::webhooks::WebhooksError;

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
            OrganizationsError::EmailNotVerified => ApiError::conflict("email-not-verified", e.to_string()),
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

impl From<InterviewsError> for ApiError {
    fn from(e: InterviewsError) -> Self {
        match e {
            InterviewsError::UnknownTrack(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation-failed",
                "The request is not valid",
                e.to_string(),
            )
            .with_field_errors(vec![FieldError {
                field: Some("track_id".into()),
                message: e.to_string(),
            }]),
            InterviewsError::NotFound => ApiError::not_found(e.to_string()),
            InterviewsError::QuestionNotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "question-not-found", "Question not found", e.to_string())
            }
            InterviewsError::AlreadyAnswered => ApiError::conflict("question-already-answered", e.to_string()),
            InterviewsError::NotInProgress(_) => ApiError::conflict("interview-not-in-progress", e.to_string()),
            InterviewsError::NothingToGrade => ApiError::conflict("nothing-to-grade", e.to_string()),
            InterviewsError::ReportNotReady(_) => ApiError::conflict("report-not-ready", e.to_string()),
            InterviewsError::QuotaExhausted { plan } => ApiError::new(
                StatusCode::PAYMENT_REQUIRED,
                "quota-exhausted",
                "No interviews left",
                match plan {
                    "free" => "You have used your free interview. Subscribe to a plan to keep practising: \
                               see GET /v1/billing/plans, then POST /v1/billing/checkout."
                        .to_owned(),
                    _ => format!(
                        "The {plan} plan's interviews for this period are used up. Upgrade, or wait for the next \
                         period: see GET /v1/billing/plans."
                    ),
                },
            )
            .with_upgrade(UpgradeHint {
                plans: match plan {
                    "pro" => vec!["team".into()],
                    "team" | "partner" => vec![],
                    _ => vec!["pro".into(), "team".into()],
                },
                checkout: "/v1/billing/checkout".into(),
                pricing: "/v1/billing/plans".into(),
            }),
            InterviewsError::Invalid { field, message } => ApiError::field(&field, message),
            InterviewsError::Idempotency(IdempotencyError::Reused) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency key reused",
                "this Idempotency-Key was already used with a different request body",
            ),
            InterviewsError::Idempotency(other) => ApiError::internal(anyhow::Error::new(other)),
            InterviewsError::Unexpected(source) => ApiError::internal(source),
        }
    }
}

impl From<BillingError> for ApiError {
    fn from(e: BillingError) -> Self {
        match e {
            BillingError::NotConfigured => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "billing-not-configured",
                "Billing is not configured",
                "this server has no Stripe account configured; plans and subscriptions are unavailable",
            ),
            BillingError::NoBillingAccount => ApiError::conflict("no-billing-account", e.to_string()),
            BillingError::UnknownPlan(_) => ApiError::field("plan", e.to_string()),
            BillingError::Organization(inner) => inner.into(),
            BillingError::Stripe(StripeFailure::Unavailable(reason)) => {
                tracing::warn!(reason, "Stripe unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "billing-unavailable",
                    "Billing is temporarily unavailable",
                    "our payment provider did not answer; please try again in a minute",
                )
            }
            BillingError::Stripe(StripeFailure::Rejected {
                status,
                code,
                message,
            }) => {
                tracing::error!(status, code, message, "Stripe refused a request");
                if code == "card_declined" {
                    ApiError::new(
                        StatusCode::PAYMENT_REQUIRED,
                        "card-declined",
                        "Card declined",
                        message,
                    )
                } else {
                    ApiError::new(
                        StatusCode::BAD_GATEWAY,
                        "billing-provider-error",
                        "The payment provider refused the request",
                        "our payment provider refused the request; it has been logged",
                    )
                }
            }
            BillingError::BadSignature(reason) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid-signature",
                "Invalid signature",
                reason.to_string(),
            ),
            BillingError::BadEvent(reason) => ApiError::bad_request(reason),
            BillingError::Unexpected(source) => ApiError::internal(source),
        }
    }
}

impl From<WebhooksError> for ApiError {
    fn from(e: WebhooksError) -> Self {
        match e {
            WebhooksError::Invalid { field, message } => ApiError::field(field, message),
            WebhooksError::NotFound => ApiError::not_found(e.to_string()),
            WebhooksError::LimitReached(_) => ApiError::conflict("webhook-limit-reached", e.to_string()),
            WebhooksError::Organization(inner) => inner.into(),
            WebhooksError::Unexpected(source) => ApiError::internal(source),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The problem every service error becomes, pinned: status, type, title, detail,
    //! extra members and headers.

    use actix_web::ResponseError;
    use actix_web::http::header;

    use super::*;
    use crate::services::billing::signature::SignatureError;

    fn render(name: &str, error: ApiError) -> serde_json::Value {
        let response = error.error_response();
        let header = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        serde_json::json!({
            "case": name,
            "problem": error.problem(),
            "content_type": header(header::CONTENT_TYPE),
            "retry_after": header(header::RETRY_AFTER),
            "www_authenticate": header(header::WWW_AUTHENTICATE),
        })
    }

    #[test]
    fn every_service_error_has_a_pinned_problem() {
        let rejected = |code: &str| {
            BillingError::Stripe(StripeFailure::Rejected {
                status: 402,
                code: code.to_owned(),
                message: "Your card was declined.".to_owned(),
            })
        };
        let cases: Vec<(&str, ApiError)> = vec![
            ("accounts/email-taken", AccountsError::EmailTaken.into()),
            (
                "accounts/invalid-credentials",
                AccountsError::InvalidCredentials.into(),
            ),
            (
                "accounts/login-throttled",
                AccountsError::LoginThrottled { retry_after_secs: 42 }.into(),
            ),
            (
                "accounts/invalid-refresh-token",
                AccountsError::InvalidRefreshToken.into(),
            ),
            (
                "accounts/invalid-email-token",
                AccountsError::InvalidEmailToken.into(),
            ),
            ("accounts/not-a-member", AccountsError::NotAMember.into()),
            (
                "accounts/unexpected",
                AccountsError::Unexpected(anyhow::anyhow!("boom")).into(),
            ),
            ("organizations/not-found", OrganizationsError::NotFound.into()),
            (
                "organizations/forbidden",
                OrganizationsError::Forbidden("only owners may").into(),
            ),
            (
                "organizations/user-not-found",
                OrganizationsError::UserNotFound.into(),
            ),
            (
                "organizations/already-member",
                OrganizationsError::AlreadyMember.into(),
            ),
            (
                "organizations/email-not-verified",
                OrganizationsError::EmailNotVerified.into(),
            ),
            (
                "organizations/personal",
                OrganizationsError::PersonalOrganization.into(),
            ),
            ("api-keys/not-found", ApiKeysError::NotFound.into()),
            ("api-keys/invalid-name", ApiKeysError::InvalidName.into()),
            (
                "api-keys/organization",
                ApiKeysError::Organization(OrganizationsError::NotFound).into(),
            ),
            (
                "interviews/unknown-track",
                InterviewsError::UnknownTrack("nope".into()).into(),
            ),
            ("interviews/not-found", InterviewsError::NotFound.into()),
            (
                "interviews/question-not-found",
                InterviewsError::QuestionNotFound.into(),
            ),
            (
                "interviews/already-answered",
                InterviewsError::AlreadyAnswered.into(),
            ),
            (
                "interviews/not-in-progress",
                InterviewsError::NotInProgress("graded".into()).into(),
            ),
            (
                "interviews/nothing-to-grade",
                InterviewsError::NothingToGrade.into(),
            ),
            (
                "interviews/report-not-ready",
                InterviewsError::ReportNotReady("grading".into()).into(),
            ),
            (
                "interviews/quota-free",
                InterviewsError::QuotaExhausted { plan: "free" }.into(),
            ),
            (
                "interviews/quota-pro",
                InterviewsError::QuotaExhausted { plan: "pro" }.into(),
            ),
            (
                "interviews/quota-team",
                InterviewsError::QuotaExhausted { plan: "team" }.into(),
            ),
            (
                "interviews/quota-partner",
                InterviewsError::QuotaExhausted { plan: "partner" }.into(),
            ),
            (
                "interviews/invalid",
                InterviewsError::Invalid {
                    field: "answer".into(),
                    message: "must not be empty".into(),
                }
                .into(),
            ),
            (
                "interviews/idempotency-reused",
                InterviewsError::Idempotency(IdempotencyError::Reused).into(),
            ),
            (
                "interviews/idempotency-raced",
                InterviewsError::Idempotency(IdempotencyError::Raced).into(),
            ),
            ("billing/not-configured", BillingError::NotConfigured.into()),
            (
                "billing/no-billing-account",
                BillingError::NoBillingAccount.into(),
            ),
            (
                "billing/unknown-plan",
                BillingError::UnknownPlan("gold".into()).into(),
            ),
            (
                "billing/organization",
                BillingError::Organization(OrganizationsError::Forbidden("owners only")).into(),
            ),
            (
                "billing/stripe-unavailable",
                BillingError::Stripe(StripeFailure::Unavailable("timeout".into())).into(),
            ),
            ("billing/card-declined", rejected("card_declined").into()),
            ("billing/stripe-rejected", rejected("resource_missing").into()),
            (
                "billing/bad-signature",
                BillingError::BadSignature(SignatureError::Stale).into(),
            ),
            (
                "billing/bad-event",
                BillingError::BadEvent("no type".into()).into(),
            ),
            (
                "webhooks/invalid",
                WebhooksError::Invalid {
                    field: "url",
                    message: "must be https".into(),
                }
                .into(),
            ),
            ("webhooks/not-found", WebhooksError::NotFound.into()),
            ("webhooks/limit-reached", WebhooksError::LimitReached(10).into()),
            (
                "webhooks/organization",
                WebhooksError::Organization(OrganizationsError::NotFound).into(),
            ),
            (
                "http/bad-request",
                ApiError::bad_request("the body is not valid JSON"),
            ),
            (
                "http/unauthorized",
                ApiError::unauthorized("missing bearer token"),
            ),
            ("http/forbidden", ApiError::forbidden("not yours")),
            (
                "http/too-many-requests",
                ApiError::too_many_requests("slow down", 7),
            ),
            ("http/unavailable", ApiError::unavailable("busy")),
            ("http/panicked", ApiError::panicked()),
            (
                "http/payload-too-large",
                crate::http::problem::payload_too_large(2048),
            ),
        ];
        let rendered: Vec<serde_json::Value> = cases
            .into_iter()
            .map(|(name, error)| render(name, error))
            .collect();
        insta::assert_json_snapshot!("service_error_problems", rendered);
    }
}
