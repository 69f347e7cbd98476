//! Share links to results pages: `/r/<token>`, readable without an account.
//!
//! A token is the report id followed by 128 bits of HMAC-SHA256 over (report id, link
//! generation) under a key derived from the server secret. Nothing secret is stored;
//! the owner can always see the current link; revoking bumps the generation (or marks
//! the link revoked), and every earlier token stops working.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

const MAC_BYTES: usize = 16;

/// Key for share-link MACs, derived from the JWT secret with a fixed label so the
/// two uses never share a key directly.
#[derive(Clone)]
pub struct ShareKey([u8; 32]);

impl ShareKey {
    pub fn derive(server_secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(server_secret) {
            mac.update(b"rehearse/share-links/v1");
            key.copy_from_slice(&mac.finalize().into_bytes());
        }
        Self(key)
    }

    fn mac(&self, report_id: Uuid, generation: i32) -> [u8; MAC_BYTES] {
        let mut out = [0u8; MAC_BYTES];
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) {
            mac.update(report_id.as_bytes());
            mac.update(&generation.to_be_bytes());
            out.copy_from_slice(&mac.finalize().into_bytes()[..MAC_BYTES]);
        }
        out
    }

    pub fn token(&self, report_id: Uuid, generation: i32) -> String {
        let mut bytes = Vec::with_capacity(16 + MAC_BYTES);
        bytes.extend_from_slice(report_id.as_bytes());
        bytes.extend_from_slice(&self.mac(report_id, generation));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The report id a token names, without checking it: check with [`Self::verify`].
    pub fn report_id(token: &str) -> Option<Uuid> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        if bytes.len() != 16 + MAC_BYTES {
            return None;
        }
        Uuid::from_slice(&bytes[..16]).ok()
    }

    /// Whether `token` is the current link of `report_id` at `generation`.
    pub fn verify(&self, token: &str, report_id: Uuid, generation: i32) -> bool {
        crate::domain::tokens::digests_match(token, &self.token(report_id, generation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_report_and_generation() {
        let key = ShareKey::derive(b"0123456789abcdef0123456789abcdef");
        let report = Uuid::new_v4();
        let token = key.token(report, 1);
        assert_eq!(token.len(), 43);
        assert_eq!(ShareKey::report_id(&token), Some(report));
        assert!(key.verify(&token, report, 1));
        assert!(!key.verify(&token, report, 2));
        assert!(!key.verify(&token, Uuid::new_v4(), 1));
        let other_key = ShareKey::derive(b"another-secret-another-secret-012");
        assert!(!other_key.verify(&token, report, 1));
        assert_eq!(ShareKey::report_id("short"), None);
    }
}
