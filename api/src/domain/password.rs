use secrecy::{ExposeSecret, SecretString};

use super::ValidationError;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A password chosen by a user: 8 to 256 characters. Never printed, never logged.
pub struct Password(SecretString);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(ValidationError::new(format!(
                "must be at least {MIN_PASSWORD_CHARS} characters long"
            )));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(ValidationError::new(format!(
                "must be at most {MAX_PASSWORD_CHARS} characters long"
            )));
        }
        if raw.trim().is_empty() {
            return Err(ValidationError::new("must not be only whitespace"));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_length_in_characters_not_bytes() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("        ").is_err());
        assert!(Password::parse("eight ch").is_ok());
        assert!(Password::parse(&"é".repeat(256)).is_ok());
        assert!(Password::parse(&"a".repeat(257)).is_err());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::parse("correct horse battery").map(|p| format!("{p:?}"));
        assert_eq!(p.as_deref(), Ok("Password(***)"));
    }
}
