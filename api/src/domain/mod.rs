//! Domain types: values that are valid by construction (parse, don't validate).

pub mod email;
pub mod name;
pub mod paging;
pub mod password;
pub mod report;
pub mod roles;
pub mod text;
pub mod tokens;
pub mod whole;

pub use email::EmailAddress;
pub use name::{OrganizationName, PersonName};
pub use password::Password;
pub use roles::{OrganizationKind, Role};
pub use text::{TextKind, check_optional_text, check_text};

/// A value was rejected; `field` names the request field it came from when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    pub message: String,
}

impl ValidationError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}
