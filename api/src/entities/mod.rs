//! SeaORM mirror of the schema in `migration/`: one module per table, no behaviour.
//! Business rules live in `crate::services`.

pub mod answer_drafts;
pub mod api_keys;
pub mod billing_accounts;
pub mod email_outbox;
pub mod email_tokens;
pub mod idempotency_keys;
pub mod interview_questions;
pub mod interviews;
pub mod llm_usage;
pub mod login_throttles;
pub mod memberships;
pub mod organizations;
pub mod quota_periods;
pub mod refresh_tokens;
pub mod reports;
pub mod stripe_events;
pub mod users;
pub mod web_sessions;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
