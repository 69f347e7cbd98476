//! Partner API keys.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::entities::api_keys::Model as ApiKeyRecord;
use crate::http::auth::OrgAccess;
use crate::http::problem::{ApiError, Problem};
use crate::services::api_keys;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateApiKeyRequest {
    /// 1 to 100 characters, not all spaces, no control characters.
    #[schema(
        example = "production",
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
}

/// A key, as shown once at creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyDto {
    pub id: Uuid,
    pub name: String,
    /// The secret. Store it now: it is never shown again.
    pub key: String,
    /// The public part of the key, shown in listings.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
}

/// A key, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRecord> for ApiKeyDto {
    fn from(k: ApiKeyRecord) -> Self {
        Self {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// Create an API key
///
/// The response carries the key once; only a digest is kept. Use it as
/// `Authorization: Bearer rk_…` to act for the organization. Needs an owner or admin.
#[utoipa::path(
    tag = "api-keys",
    params(("org_id" = Uuid, Path, description = "Organization id")),
    security(("bearer_jwt" = [])),
    responses(
        (status = 201, description = "Created; `key` is shown only now", body = CreatedApiKeyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner/admin, or called with an API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations/{org_id}/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    access: OrgAccess,
    body: web::Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = api_keys::create(&state.db, &access.0, &body.name).await?;
    Ok(HttpResponse::Created().json(CreatedApiKeyDto {
        id: created.record.id,
        name: created.record.name,
        key: created.key.expose().to_owned(),
        prefix: created.record.prefix,
        created_at: created.record.created_at,
    }))
}

/// List API keys
///
/// Every key of the organization, newest first, revoked ones included; never the secrets.
#[utoipa::path(
    tag = "api-keys",
    params(("org_id" = Uuid, Path, description = "Organization id")),
    security(("bearer_jwt" = [])),
    responses(
        (status = 200, description = "The keys", body = Vec<ApiKeyDto>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner/admin, or called with an API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{org_id}/api-keys")]
pub async fn list_api_keys(state: web::Data<AppState>, access: OrgAccess) -> Result<HttpResponse, ApiError> {
    let keys = api_keys::list(&state.db, &access.0).await?;
    Ok(HttpResponse::Ok().json(keys.into_iter().map(ApiKeyDto::from).collect::<Vec<_>>()))
}

/// Revoke an API key
///
/// The key stops working immediately.
#[utoipa::path(
    tag = "api-keys",
    params(
        ("org_id" = Uuid, Path, description = "Organization id"),
        ("key_id" = Uuid, Path, description = "API key id"),
    ),
    security(("bearer_jwt" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an owner/admin, or called with an API key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organization or key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/organizations/{org_id}/api-keys/{key_id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    access: OrgAccess,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (_, key_id) = path.into_inner();
    api_keys::revoke(&state.db, &access.0, key_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
