//! Rehearse's transactional emails.
//!
//! Each email is a folder under `templates/` holding `subject.txt`, `body.html` and
//! `body.txt`, a typed struct with the data it needs, and one render function returning
//! a [`RenderedEmail`]. Rendering is pure: no I/O, no clock, no configuration; callers
//! pass links that are already absolute. [`transport`] delivers rendered messages.

mod render;
pub mod transport;

pub use render::{
    InterviewResults, PasswordReset, PaymentFailed, RenderError, RenderedEmail, SubscriptionActivated,
    SubscriptionCanceled, VerifyEmail,
};
pub use transport::{MailError, Mailer, OutgoingEmail, is_valid_mailbox};
