use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Partner endpoints notified when interviews are graded or fail.
        manager
            .create_table(
                Table::create()
                    .table("webhook_endpoints")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(string_len("url", 2048))
                    // The signing secret: the partner verifies our signature with it, so it
                    // is kept (like Stripe keeps endpoint secrets) and shown once.
                    .col(string_len("secret", 100))
                    .col(string_len("events", 255))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("disabled_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_endpoints_organization")
                            .from("webhook_endpoints", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_webhook_endpoints_organization_id_id")
                    .table("webhook_endpoints")
                    .col("organization_id")
                    .col("id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("endpoint_id"))
                    // `interview.graded:<interview id>`: one delivery per endpoint and event.
                    .col(string_len("event_id", 200))
                    .col(string_len("event_type", 64))
                    .col(json_binary("payload"))
                    // pending → delivered | failed
                    .col(string_len("status", 16))
                    .col(integer("attempts").default(0))
                    .col(integer_null("last_status"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint")
                            .from("webhook_deliveries", ("organization_id", "endpoint_id"))
                            .to("webhook_endpoints", ("organization_id", "id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_webhook_deliveries_endpoint_event")
                    .table("webhook_deliveries")
                    .col("endpoint_id")
                    .col("event_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["webhook_deliveries", "webhook_endpoints"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
