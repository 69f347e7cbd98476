//! Authentication extractors: who is calling, and for which organization.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use uuid::Uuid;

use crate::AppState;
use crate::domain::tokens::PlaintextApiKey;
use crate::http::problem::ApiError;
pub use crate::services::organizations::{Actor, OrganizationAccess};
use crate::services::{accounts, api_keys, organizations};

/// A caller authenticated by `Authorization: Bearer <JWT>` (a person acting for the
/// organization in the token) or `Authorization: Bearer rk_…` (a partner API key
/// acting for its organization). Either way, one organization is in scope.
#[derive(Debug, Clone, Copy)]
pub struct Principal {
    pub organization_id: Uuid,
    pub actor: Actor,
}

impl Principal {
    pub fn user_id(&self) -> Option<Uuid> {
        match self.actor {
            Actor::User { user_id } => Some(user_id),
            Actor::ApiKey { .. } => None,
        }
    }
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state is missing")))
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send `Authorization: Bearer <access token or API key>`"))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must use the Bearer scheme"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "the Authorization header must use the Bearer scheme",
        ));
    }
    Ok(token.trim().to_owned())
}

async fn authenticate(state: web::Data<AppState>, token: String) -> Result<Principal, ApiError> {
    let invalid = || ApiError::unauthorized("the access token or API key is invalid, expired or revoked");
    if PlaintextApiKey::looks_like_api_key(&token) {
        let key = api_keys::authenticate(&state.db, &token)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(invalid)?;
        tracing::Span::current().record("organization_id", tracing::field::display(key.organization_id));
        return Ok(Principal {
            organization_id: key.organization_id,
            actor: Actor::ApiKey {
                organization_id: key.organization_id,
                key_id: key.id,
            },
        });
    }
    let claims = state.jwt.verify(&token).map_err(|_| invalid())?;
    // Membership and the session are checked on every request (one query), so removing
    // a member, signing out or resetting the password takes effect at once rather than
    // when the token expires.
    accounts::session_membership(&state.db, claims.org, claims.sub, claims.sid)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(invalid)?;
    tracing::Span::current().record("organization_id", tracing::field::display(claims.org));
    Ok(Principal {
        organization_id: claims.org,
        actor: Actor::User { user_id: claims.sub },
    })
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let input = state(req).and_then(|s| Ok((s, bearer(req)?)));
        Box::pin(async move {
            let (state, token) = input?;
            authenticate(state, token).await
        })
    }
}

/// A person (not an API key), for endpoints about the account itself.
#[derive(Debug, Clone, Copy)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub organization_id: Uuid,
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        Box::pin(async move {
            let principal = principal.await?;
            match principal.actor {
                Actor::User { user_id } => Ok(CurrentUser {
                    user_id,
                    organization_id: principal.organization_id,
                }),
                Actor::ApiKey { .. } => Err(ApiError::forbidden(
                    "this endpoint needs a user's access token, not an API key",
                )),
            }
        })
    }
}

/// The caller's access to the organization named by the `{org_id}` path segment.
/// Organizations the caller cannot see are a 404, never a 403.
pub struct OrgAccess(pub OrganizationAccess);

impl FromRequest for OrgAccess {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        let org_id = req.match_info().get("org_id").map(Uuid::parse_str);
        let state = state(req);
        Box::pin(async move {
            let principal = principal.await?;
            let state = state?;
            let org_id = match org_id {
                Some(Ok(id)) => id,
                _ => return Err(ApiError::not_found("organization not found")),
            };
            let access = organizations::access(&state.db, principal.actor, org_id).await?;
            Ok(OrgAccess(access))
        })
    }
}

/// The caller's access to the organization its credentials act for (the token's
/// organization, or the API key's).
pub struct CurrentOrg(pub OrganizationAccess);

impl FromRequest for CurrentOrg {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        let state = state(req);
        Box::pin(async move {
            let principal = principal.await?;
            let state = state?;
            let access = organizations::access(&state.db, principal.actor, principal.organization_id)
                .await
                .map_err(|e| match e {
                    organizations::OrganizationsError::NotFound => {
                        ApiError::unauthorized("the organization of these credentials no longer exists")
                    }
                    other => ApiError::from(other),
                })?;
            Ok(CurrentOrg(access))
        })
    }
}
