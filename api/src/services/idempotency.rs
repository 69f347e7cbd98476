//! `Idempotency-Key` support for POSTs that create things. The key is claimed inside
//! the transaction that does the work and its response stored there too, so a request
//! either happened once with its stored response, or did not happen at all.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::Value;
use uuid::Uuid;

use crate::entities::idempotency_keys;
use crate::services::is_unique_violation;

/// A request that carries an idempotency key.
#[derive(Debug, Clone)]
pub struct Idempotent {
    pub key: String,
    pub endpoint: &'static str,
    /// Digest of the request body as parsed (so formatting does not matter).
    pub request_hash: String,
}

impl Idempotent {
    /// Validates the header value: 1–255 visible ASCII characters.
    pub fn new(key: &str, endpoint: &'static str, request: &impl serde::Serialize) -> Result<Self, String> {
        if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err("Idempotency-Key must be 1 to 255 visible ASCII characters".into());
        }
        let body = serde_json::to_vec(request).map_err(|e| e.to_string())?;
        Ok(Self {
            key: key.to_owned(),
            endpoint,
            request_hash: crate::domain::tokens::digest(&String::from_utf8_lossy(&body)),
        })
    }
}

/// A response stored under a key.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    #[error("this Idempotency-Key was already used with a different request")]
    Reused,
    /// Another request with the same key committed while this one ran: look again.
    #[error("a concurrent request used the same Idempotency-Key")]
    Raced,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// The stored response for this key, if the request already happened.
pub async fn replay<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    request: &Idempotent,
) -> Result<Option<StoredResponse>, IdempotencyError> {
    let row = idempotency_keys::Entity::find_by_id((
        organization_id,
        request.endpoint.to_owned(),
        request.key.clone(),
    ))
    .one(db)
    .await?;
    match row {
        None => Ok(None),
        Some(row) if row.request_hash != request.request_hash => Err(IdempotencyError::Reused),
        Some(row) => Ok(Some(StoredResponse {
            status: u16::try_from(row.response_status).unwrap_or(200),
            body: row.response_body,
        })),
    }
}

/// Stores the response in the caller's transaction. A concurrent request that stored
/// first makes this fail with `Raced`: roll back and replay theirs.
pub async fn store<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    request: &Idempotent,
    response: &StoredResponse,
) -> Result<(), IdempotencyError> {
    idempotency_keys::Entity::insert(idempotency_keys::ActiveModel {
        organization_id: Set(organization_id),
        endpoint: Set(request.endpoint.to_owned()),
        idempotency_key: Set(request.key.clone()),
        request_hash: Set(request.request_hash.clone()),
        response_status: Set(i32::from(response.status)),
        response_body: Set(response.body.clone()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            IdempotencyError::Raced
        } else {
            IdempotencyError::Db(e)
        }
    })?;
    Ok(())
}
