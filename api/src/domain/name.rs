use super::{TextKind, ValidationError, check_text};

fn parse_display_name(raw: &str, max: usize) -> Result<String, ValidationError> {
    // Checked before trimming: trimming would quietly drop a trailing CR or NEL.
    check_text(raw, TextKind::Line)?;
    let name = raw.trim();
    if name.is_empty() {
        return Err(ValidationError::new("must not be empty"));
    }
    if name.chars().count() > max {
        return Err(ValidationError::new(format!(
            "must be at most {max} characters long"
        )));
    }
    Ok(name.to_owned())
}

/// A person's display name (1–200 characters, no control characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        parse_display_name(raw, 200).map(Self)
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An organization's name (1–200 characters, no control characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        parse_display_name(raw, 200).map(Self)
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_rejects_control_characters() {
        assert_eq!(
            PersonName::parse("  Ada ").map(PersonName::into_inner),
            Ok("Ada".into())
        );
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse("Ada\u{0}").is_err());
        assert!(OrganizationName::parse(&"x".repeat(201)).is_err());
    }
}
