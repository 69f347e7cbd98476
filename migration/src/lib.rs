//! Rehearse's database schema, as an ordered list of migrations.
//!
//! Rules: one migration per change, named `mYYYYMMDD_HHMMSS_<verb_object>`; columns are
//! referred to by name (never through entity types, which follow the schema, not the
//! other way round); every `down()` undoes its `up()` exactly. Tenant tables carry
//! `organization_id` and their foreign keys to other tenant tables include it, so the
//! schema can be distributed by organization later without rewriting queries.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_create_accounts;
mod m20261129_000002_create_interviews;
mod m20261129_000003_create_billing;
mod m20261129_000004_create_llm_usage;
mod m20261129_000005_create_webhooks;
mod m20261202_000001_index_refresh_tokens_user;
mod m20261202_000010_create_web_sessions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_accounts::Migration),
            Box::new(m20261129_000002_create_interviews::Migration),
            Box::new(m20261129_000003_create_billing::Migration),
            Box::new(m20261129_000004_create_llm_usage::Migration),
            Box::new(m20261129_000005_create_webhooks::Migration),
            Box::new(m20261202_000001_index_refresh_tokens_user::Migration),
            Box::new(m20261202_000010_create_web_sessions::Migration),
        ]
    }
}
