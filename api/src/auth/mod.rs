//! Credentials: password hashing and access tokens.

pub mod jwt;
pub mod password;

pub use jwt::{AccessClaims, JwtError, JwtKeys};
pub use password::PasswordHasher;
