use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One billing account per organization: our mapping to the Stripe customer, and
        // the subscription state as the webhooks last described it.
        manager
            .create_table(
                Table::create()
                    .table("billing_accounts")
                    .col(uuid("organization_id").primary_key())
                    .col(string_len_uniq("stripe_customer_id", 255))
                    .col(string_len_null("stripe_subscription_id", 255))
                    // Stripe's status: active, trialing, past_due, canceled, incomplete, …
                    .col(string_len_null("subscription_status", 32))
                    .col(string_len_null("subscription_plan", 32))
                    .col(integer("seats").default(1))
                    .col(timestamp_with_time_zone_null("current_period_start"))
                    .col(timestamp_with_time_zone_null("current_period_end"))
                    .col(boolean("cancel_at_period_end").default(false))
                    .col(timestamp_with_time_zone_null("past_due_since"))
                    // `created` of the newest event applied: older events never regress state.
                    .col(big_integer("last_event_created").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_billing_accounts_organization")
                            .from("billing_accounts", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // Every verified Stripe event, stored once by id before it is processed.
        manager
            .create_table(
                Table::create()
                    .table("stripe_events")
                    .col(string_len("id", 255).primary_key())
                    .col(string_len("event_type", 100))
                    .col(string_len_null("api_version", 32))
                    .col(big_integer("created"))
                    .col(json_binary("payload"))
                    // pending → processed | ignored | dead (cannot be understood)
                    .col(string_len("status", 16))
                    .col(text_null("error"))
                    .col(uuid_null("organization_id"))
                    .col(timestamp_with_time_zone("received_at"))
                    .col(timestamp_with_time_zone_null("processed_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stripe_events_status")
                    .table("stripe_events")
                    .col("status")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["stripe_events", "billing_accounts"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
