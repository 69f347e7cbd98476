//! Opaque secrets: refresh, verification and reset tokens, API keys. Each is at least
//! 256 random bits, shown to its owner once and stored only as a SHA-256 digest (the
//! entropy makes a slow hash unnecessary; a digest lookup is an indexed equality).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// `bytes` random bytes from the OS generator, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Hex SHA-256 of a secret: what the database stores and looks up.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A freshly generated opaque token and its digest.
pub struct OpaqueToken {
    secret: SecretString,
    hash: String,
}

impl OpaqueToken {
    pub fn generate() -> Self {
        let secret = random_token(32);
        let hash = digest(&secret);
        Self {
            secret: SecretString::from(secret),
            hash,
        }
    }

    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }

    pub fn hash(&self) -> &str {
        &self.hash
    }
}

impl std::fmt::Debug for OpaqueToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpaqueToken(***)")
    }
}

const API_KEY_SCHEME: &str = "rk_";
const API_KEY_PREFIX_LEN: usize = 12;
const API_KEY_SECRET_LEN: usize = 43; // 32 bytes, base64url without padding

/// A partner API key as given to its owner once: `rk_<12 lookup chars>_<43 secret chars>`.
/// The `rk_<lookup>` prefix is stored in clear to find the row; the whole key only as
/// a digest.
pub struct PlaintextApiKey {
    key: SecretString,
    prefix: String,
}

impl PlaintextApiKey {
    pub fn generate() -> Self {
        const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyz23456789";
        let mut rng = rand::rng();
        let lookup: String = (0..API_KEY_PREFIX_LEN)
            .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
            .collect();
        let prefix = format!("{API_KEY_SCHEME}{lookup}");
        let key = format!("{prefix}_{}", random_token(32));
        Self {
            key: SecretString::from(key),
            prefix,
        }
    }

    /// Recognises the shape of a key presented in `Authorization: Bearer`.
    pub fn parse(raw: &str) -> Option<Self> {
        let rest = raw.strip_prefix(API_KEY_SCHEME)?;
        let (lookup, secret) = rest.split_at_checked(API_KEY_PREFIX_LEN)?;
        let secret = secret.strip_prefix('_')?;
        let valid = lookup
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && secret.len() == API_KEY_SECRET_LEN
            && secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        valid.then(|| Self {
            key: SecretString::from(raw.to_owned()),
            prefix: format!("{API_KEY_SCHEME}{lookup}"),
        })
    }

    pub fn looks_like_api_key(raw: &str) -> bool {
        raw.starts_with(API_KEY_SCHEME)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn expose(&self) -> &str {
        self.key.expose_secret()
    }

    pub fn hash(&self) -> String {
        digest(self.key.expose_secret())
    }
}

impl std::fmt::Debug for PlaintextApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlaintextApiKey({}_***)", self.prefix)
    }
}

/// Constant-time comparison of two digests.
pub fn digests_match(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_tokens_carry_256_bits_and_are_stored_as_digests() {
        let t = OpaqueToken::generate();
        assert_eq!(t.expose().len(), 43);
        assert_eq!(t.hash(), digest(t.expose()));
        assert_ne!(OpaqueToken::generate().expose(), t.expose());
    }

    #[test]
    fn generated_api_keys_parse_back() {
        let key = PlaintextApiKey::generate();
        let parsed = PlaintextApiKey::parse(key.expose());
        assert_eq!(parsed.as_ref().map(|k| k.prefix()), Some(key.prefix()));
        assert_eq!(parsed.map(|k| k.hash()), Some(key.hash()));
        assert!(format!("{key:?}").ends_with("_***)"));
    }

    #[test]
    fn malformed_api_keys_are_rejected() {
        let key = PlaintextApiKey::generate();
        let good = key.expose();
        assert!(PlaintextApiKey::parse(&good[..good.len() - 1]).is_none());
        assert!(PlaintextApiKey::parse(&format!("{good}x")).is_none());
        assert!(PlaintextApiKey::parse("rk_").is_none());
        assert!(PlaintextApiKey::parse("rk_ABCDEFGHIJKL_x").is_none());
        assert!(PlaintextApiKey::parse(&good.replacen("rk_", "rx_", 1)).is_none());
    }

    #[test]
    fn digest_comparison() {
        assert!(digests_match("abc", "abc"));
        assert!(!digests_match("abc", "abd"));
        assert!(!digests_match("abc", "abcd"));
    }
}
