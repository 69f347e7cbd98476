//! Access tokens: HS256 JWTs, 15 minutes by default, with the algorithm pinned and
//! `iss`, `aud`, `sub`, `exp`, `nbf`, the organization claim and the session claim all
//! required. The session claim (`sid`, the refresh-token family the token was minted
//! from) is checked on every request, so a token dies with its session.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: Uuid,
    /// The organization the token acts for.
    pub org: Uuid,
    /// The session (refresh-token family) the token belongs to.
    pub sid: Uuid,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: Uuid,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid access token: {0}")]
pub struct JwtError(#[from] jsonwebtoken::errors::Error);

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl JwtKeys {
    /// Builds the keys and proves they work: jsonwebtoken panics at run time when its
    /// crypto backend is missing, so a sign-and-verify round trip runs here, at start-up.
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl: Duration) -> anyhow::Result<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.leeway = 30;
        let keys = Self {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        };
        let (token, _) = keys.issue(Uuid::nil(), Uuid::nil(), Uuid::nil())?;
        let claims = keys.verify(&token)?;
        anyhow::ensure!(claims.sub == Uuid::nil(), "JWT self-test returned other claims");
        Ok(keys)
    }

    /// Lifetime of an access token, in seconds (the `expires_in` of a token response).
    pub fn ttl_secs(&self) -> u64 {
        self.ttl.as_secs()
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        organization_id: Uuid,
        session_id: Uuid,
    ) -> Result<(String, AccessClaims), JwtError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id,
            org: organization_id,
            sid: session_id,
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs(),
            jti: Uuid::new_v4(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims))
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, JwtError> {
        Ok(jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)?.claims)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> JwtKeys {
        JwtKeys::new(SECRET, "rehearse", "rehearse-api", Duration::from_secs(900)).unwrap()
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_organization_and_session() {
        let keys = keys();
        let (user, org, session) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let (token, _) = keys.issue(user, org, session).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!((claims.sub, claims.org, claims.sid), (user, org, session));
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn tokens_from_another_issuer_or_audience_are_rejected() {
        let (token, _) = JwtKeys::new(SECRET, "someone-else", "rehearse-api", Duration::from_secs(900))
            .unwrap()
            .issue(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4())
            .unwrap();
        assert!(keys().verify(&token).is_err());
        let (token, _) = JwtKeys::new(SECRET, "rehearse", "other-api", Duration::from_secs(900))
            .unwrap()
            .issue(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4())
            .unwrap();
        assert!(keys().verify(&token).is_err());
    }

    #[test]
    fn an_empty_secret_is_refused() {
        assert!(JwtKeys::new(b"", "rehearse", "rehearse-api", Duration::from_secs(900)).is_err());
    }
}
