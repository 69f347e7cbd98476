//! Credentials: password hashing and access tokens.

pub mod jwt;
pub mod password;

pub use jwt::{AccessClaims, JwtError, JwtKeys};
pub use password::PasswordHasher;

/// Whether an `Authorization` header value is `Bearer <expected>`, compared in constant
/// time (for shared operator tokens such as the metrics token).
pub fn bearer_matches(header: Option<&str>, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    let presented = header.and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
    !expected.is_empty() && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::bearer_matches;

    #[test]
    fn only_the_exact_bearer_token_matches() {
        assert!(bearer_matches(Some("Bearer s3cret-token"), "s3cret-token"));
        assert!(!bearer_matches(Some("Bearer s3cret-toke"), "s3cret-token"));
        assert!(!bearer_matches(Some("s3cret-token"), "s3cret-token"));
        assert!(!bearer_matches(None, "s3cret-token"));
        assert!(!bearer_matches(Some("Bearer "), ""));
    }
}
