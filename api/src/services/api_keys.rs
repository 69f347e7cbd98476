//! Partner API keys: shown once, stored as a digest, found by their prefix.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::domain::Role;
use crate::domain::tokens::{PlaintextApiKey, digests_match};
use crate::entities::api_keys;
use crate::services::organizations::{Actor, OrganizationAccess, OrganizationsError};

/// `last_used_at` is refreshed at most this often, so busy keys do not write on every
/// request.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// A key just created: the only time the plaintext exists outside the client.
pub struct CreatedApiKey {
    pub record: api_keys::Model,
    pub key: PlaintextApiKey,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiKeysError {
    #[error("API key not found")]
    NotFound,
    #[error("the name must be 1 to 100 characters")]
    InvalidName,
    #[error(transparent)]
    Organization(#[from] OrganizationsError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ApiKeysError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database error"))
    }
}

#[tracing::instrument(skip(db, access, name), fields(organization_id = %access.organization.id))]
pub async fn create(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    name: &str,
) -> Result<CreatedApiKey, ApiKeysError> {
    access.require_member_role(Role::Admin)?;
    if crate::domain::check_text(name, crate::domain::TextKind::Line).is_err() {
        return Err(ApiKeysError::InvalidName);
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiKeysError::InvalidName);
    }
    let key = PlaintextApiKey::generate();
    let created_by = match access.actor {
        Actor::User { user_id } => Some(user_id),
        Actor::ApiKey { .. } => None,
    };
    let record = api_keys::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(access.organization.id),
        name: Set(name.to_owned()),
        prefix: Set(key.prefix().to_owned()),
        key_hash: Set(key.hash()),
        created_by: Set(created_by),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(CreatedApiKey { record, key })
}

pub async fn list(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
) -> Result<Vec<api_keys::Model>, ApiKeysError> {
    access.require_member_role(Role::Admin)?;
    Ok(api_keys::Entity::find()
        .filter(api_keys::Column::OrganizationId.eq(access.organization.id))
        .order_by_desc(api_keys::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Revokes a key of the organization; it stops working on the next request.
/// Revoking twice is not an error.
#[tracing::instrument(skip(db, access), fields(organization_id = %access.organization.id))]
pub async fn revoke(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    key_id: Uuid,
) -> Result<(), ApiKeysError> {
    access.require_member_role(Role::Admin)?;
    let key = api_keys::Entity::find_by_id(key_id)
        .filter(api_keys::Column::OrganizationId.eq(access.organization.id))
        .one(db)
        .await?
        .ok_or(ApiKeysError::NotFound)?;
    if key.revoked_at.is_none() {
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::RevokedAt, Expr::value(Some(Utc::now())))
            .filter(api_keys::Column::Id.eq(key.id))
            .filter(api_keys::Column::RevokedAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The key's record if `presented` is a live key. Checked on every request, so a
/// revocation takes effect at once.
pub async fn authenticate(
    db: &DatabaseConnection,
    presented: &str,
) -> Result<Option<api_keys::Model>, ApiKeysError> {
    let Some(key) = PlaintextApiKey::parse(presented) else {
        return Ok(None);
    };
    let Some(record) = api_keys::Entity::find()
        .filter(api_keys::Column::Prefix.eq(key.prefix()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if record.revoked_at.is_some() || !digests_match(&record.key_hash, &key.hash()) {
        return Ok(None);
    }
    let now = Utc::now();
    let stale = record
        .last_used_at
        .is_none_or(|t| now - t > Duration::seconds(LAST_USED_RESOLUTION_SECS));
    if stale {
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(Some(now)))
            .filter(api_keys::Column::Id.eq(record.id))
            .exec(db)
            .await?;
    }
    Ok(Some(record))
}
