//! Organizations and members.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::domain::{EmailAddress, OrganizationKind, OrganizationName, Role};
use crate::http::auth::{CurrentUser, OrgAccess};
use crate::http::dto::OrganizationDto;
use crate::http::problem::{ApiError, Problem};
use crate::services::organizations::{self, Member};

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateOrganizationRequest {
    /// 1 to 200 characters, not all spaces, no control characters.
    #[schema(
        example = "Acme Bootcamp",
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// `team` (default) for shared practice, `partner` for API integrations.
    pub kind: Option<OrganizationKind>,
}

/// Create an organization
///
/// Creates a team or partner organization; the caller becomes its owner.
#[utoipa::path(
    tag = "organizations",
    security(("bearer_jwt" = [])),
    responses(
        (status = 201, description = "Created", body = OrganizationDto),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Called with an API key, or kind `personal`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreateOrganizationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = OrganizationName::parse(&body.name).map_err(|e| ApiError::field("name", e.message))?;
    let org = organizations::create(
        &state.db,
        user.user_id,
        name,
        body.kind.unwrap_or(OrganizationKind::Team),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/organizations/{}", org.id)))
        .json(OrganizationDto::from(&org)))
}

/// Get an organization
#[utoipa::path(
    tag = "organizations",
    params(("org_id" = Uuid, Path, description = "Organization id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The organization", body = OrganizationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{org_id}")]
pub async fn get_organization(access: OrgAccess) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(OrganizationDto::from(&access.0.organization)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    pub user_id: Uuid,
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

impl From<Member> for MemberDto {
    fn from(m: Member) -> Self {
        Self {
            user_id: m.user.id,
            email: m.user.email,
            name: m.user.name,
            role: Role::parse(&m.membership.role).unwrap_or(Role::Member),
            joined_at: m.membership.created_at,
        }
    }
}

/// List members
#[utoipa::path(
    tag = "organizations",
    params(("org_id" = Uuid, Path, description = "Organization id")),
    security(("bearer_jwt" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Members, oldest first", body = Vec<MemberDto>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{org_id}/members")]
pub async fn list_members(state: web::Data<AppState>, access: OrgAccess) -> Result<HttpResponse, ApiError> {
    let members = organizations::members(&state.db, access.0.organization.id).await?;
    Ok(HttpResponse::Ok().json(members.into_iter().map(MemberDto::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddMemberRequest {
    /// The email of an existing account.
    #[schema(
        example = "grace@example.com",
        max_length = 254,
        pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,30}(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,30})?@([A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,20}$"
    )]
    pub email: String,
    /// Defaults to `member`. Only an owner can add an owner.
    pub role: Option<Role>,
}

/// Add a member
///
/// Adds an existing account by email. Needs an owner or admin; personal organizations
/// have no other members.
#[utoipa::path(
    tag = "organizations",
    params(("org_id" = Uuid, Path, description = "Organization id")),
    security(("bearer_jwt" = [])),
    responses(
        (status = 201, description = "Added", body = MemberDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner/admin, or called with an API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organization, or no account with that email (`user-not-found`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member, or a personal organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid email", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations/{org_id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    access: OrgAccess,
    body: web::Json<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = EmailAddress::parse(&body.email).map_err(|e| ApiError::field("email", e.message))?;
    let member =
        organizations::add_member(&state.db, &access.0, email, body.role.unwrap_or(Role::Member)).await?;
    Ok(HttpResponse::Created().json(MemberDto::from(member)))
}

/// One day of LLM grading usage.
#[derive(Debug, Serialize, ToSchema)]
pub struct LlmUsageDay {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost_usd: f64,
    /// Completions made (retries included).
    pub calls: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LlmUsage {
    /// The last 30 days, newest first; days without usage are omitted.
    pub days: Vec<LlmUsageDay>,
    pub total_tokens: i64,
    pub total_cost_usd: f64,
}

/// LLM grading usage
///
/// Tokens and cost spent grading the organization's interviews with the LLM, per day,
/// for the last 30 days. Owners and admins.
#[utoipa::path(
    tag = "organizations",
    params(("org_id" = Uuid, Path, description = "Organization id")),
    security(("bearer_jwt" = [])),
    responses(
        (status = 200, description = "Usage per day", body = LlmUsage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner/admin, or an API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{org_id}/llm-usage")]
pub async fn llm_usage(state: web::Data<AppState>, access: OrgAccess) -> Result<HttpResponse, ApiError> {
    access.0.require_member_role(Role::Admin)?;
    let rows = crate::services::llm_usage::recent(&state.db, access.0.organization.id, 30)
        .await
        .map_err(ApiError::internal)?;
    let days: Vec<LlmUsageDay> = rows
        .into_iter()
        .map(|r| LlmUsageDay {
            day: r.day,
            prompt_tokens: r.prompt_tokens,
            completion_tokens: r.completion_tokens,
            cost_usd: r.cost_usd,
            calls: r.calls,
        })
        .collect();
    Ok(HttpResponse::Ok().json(LlmUsage {
        total_tokens: days.iter().map(|d| d.prompt_tokens + d.completion_tokens).sum(),
        total_cost_usd: days.iter().map(|d| d.cost_usd).sum(),
        days,
    }))
}
