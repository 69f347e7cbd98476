//! One module per job. Handlers are plain async fns, callable directly from tests.

pub mod deliver_webhook;
pub mod grade_interview;
pub mod process_stripe_event;
pub mod send_email;
