//! Response bodies shared by several endpoints.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{OrganizationKind, Role};
use crate::entities::{organizations, users};

/// A person's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: Uuid,
    pub email: String,
    pub name: Option<String>,
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&users::Model> for UserDto {
    fn from(u: &users::Model) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            email_verified: u.email_verified_at.is_some(),
            created_at: u.created_at,
        }
    }
}

/// An organization: the tenant that owns interviews, quota, keys and billing.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationDto {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganizationKind,
    pub created_at: DateTime<Utc>,
}

impl From<&organizations::Model> for OrganizationDto {
    fn from(o: &organizations::Model) -> Self {
        Self {
            id: o.id,
            name: o.name.clone(),
            // Rows are written only through `OrganizationKind`; a foreign value would
            // be a bug, shown as a team rather than failing the response.
            kind: OrganizationKind::parse(&o.kind).unwrap_or(OrganizationKind::Team),
            created_at: o.created_at,
        }
    }
}

/// A token pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer`, valid `expires_in` seconds.
    pub access_token: String,
    /// Opaque, single-use: exchange it at `/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_in: u64,
    /// The organization the access token acts for.
    pub organization_id: Uuid,
}

impl From<crate::services::accounts::TokenPair> for TokenResponse {
    fn from(t: crate::services::accounts::TokenPair) -> Self {
        Self {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            token_type: "Bearer".into(),
            expires_in: t.expires_in,
            organization_id: t.organization_id,
        }
    }
}

/// A membership as seen by the member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipDto {
    pub organization: OrganizationDto,
    pub role: Role,
}
