use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::domain::Role;
use crate::http::auth::CurrentUser;
use crate::http::dto::{MembershipDto, OrganizationDto, UserDto};
use crate::http::problem::{ApiError, Problem};
use crate::services::{accounts, quota};

/// The organization the access token acts for, with what it has left.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentOrganizationDto {
    #[serde(flatten)]
    pub organization: OrganizationDto,
    pub role: Role,
    /// The plan in force (`free` until a subscription exists).
    pub plan: String,
    /// Interviews the organization can still start.
    pub remaining_interviews: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserDto,
    pub memberships: Vec<MembershipDto>,
    pub current_organization: CurrentOrganizationDto,
}

/// The signed-in user
///
/// The account, every organization it belongs to, and the current organization's plan
/// and remaining interviews.
#[utoipa::path(
    tag = "account",
    security(("bearer_jwt" = [])),
    responses(
        (status = 200, description = "The account", body = MeResponse),
        (status = 401, description = "Missing or invalid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Called with an API key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, ApiError> {
    let profile = accounts::profile(&state.db, user.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the account no longer exists"))?;
    let current = profile
        .memberships
        .iter()
        .find(|(m, _)| m.organization_id == user.organization_id)
        .ok_or_else(|| ApiError::unauthorized("you are no longer a member of this organization"))?;
    let role = |raw: &str| Role::parse(raw).unwrap_or(Role::Member);
    let quota = quota::status(&state.db, &current.1, &state.config.settings)
        .await
        .map_err(ApiError::internal)?;
    let current_organization = CurrentOrganizationDto {
        organization: OrganizationDto::from(&current.1),
        role: role(&current.0.role),
        plan: quota.plan.key().to_owned(),
        remaining_interviews: i64::from(quota.remaining()),
    };
    let memberships = profile
        .memberships
        .iter()
        .map(|(m, o)| MembershipDto {
            organization: OrganizationDto::from(o),
            role: role(&m.role),
        })
        .collect();
    Ok(HttpResponse::Ok().json(MeResponse {
        user: UserDto::from(&profile.user),
        memberships,
        current_organization,
    }))
}
