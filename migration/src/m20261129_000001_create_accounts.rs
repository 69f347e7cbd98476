use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("organizations")
                    .col(pk_uuid("id"))
                    .col(string_len("kind", 16))
                    .col(string_len("name", 200))
                    // The one free interview of a personal organization (and any granted
                    // by support); consumed atomically by a conditional UPDATE.
                    .col(integer("free_interviews_remaining").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    // Stored lower-cased: uniqueness is case-insensitive on both engines.
                    .col(string_len_uniq("email", 320))
                    .col(string_len_null("name", 200))
                    .col(string_len("password_hash", 255))
                    .col(timestamp_with_time_zone_null("email_verified_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("memberships")
                    .col(uuid("organization_id"))
                    .col(uuid("user_id"))
                    .col(string_len("role", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("organization_id").col("user_id"))
                    .foreign_key(&mut fk(
                        "fk_memberships_organization",
                        ("memberships", "organization_id"),
                        ("organizations", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "fk_memberships_user",
                        ("memberships", "user_id"),
                        ("users", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_memberships_user_id")
                    .table("memberships")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("refresh_tokens")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(uuid("organization_id"))
                    // Every token minted by rotation from one login shares the family;
                    // presenting a rotated token revokes the whole family.
                    .col(uuid("family_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("rotated_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "fk_refresh_tokens_user",
                        ("refresh_tokens", "user_id"),
                        ("users", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "fk_refresh_tokens_organization",
                        ("refresh_tokens", "organization_id"),
                        ("organizations", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_family_id")
                    .table("refresh_tokens")
                    .col("family_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("email_tokens")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len("purpose", 32))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk(
                        "fk_email_tokens_user",
                        ("email_tokens", "user_id"),
                        ("users", "id"),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("login_throttles")
                    // sha256 of the normalised email, kept whether or not an account
                    // exists, so throttling does not reveal which emails are registered.
                    .col(string_len("email_hash", 64).primary_key())
                    .col(integer("failures"))
                    .col(timestamp_with_time_zone("window_started_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(string_len("name", 100))
                    .col(string_len_uniq("prefix", 32))
                    .col(string_len("key_hash", 64))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk(
                        "fk_api_keys_organization",
                        ("api_keys", "organization_id"),
                        ("organizations", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_keys_organization_id")
                    .table("api_keys")
                    .col("organization_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("email_outbox")
                    .col(pk_uuid("id"))
                    // Null for account emails (verification, reset) that belong to a
                    // person rather than to one organization.
                    .col(uuid_null("organization_id"))
                    // What the message is about, e.g. `email_token:<id>`: unique with the
                    // template, so the same email can never be queued twice.
                    .col(string_len("subject_key", 200))
                    .col(string_len("template", 64))
                    .col(string_len("recipient", 320))
                    .col(string_len("subject", 998))
                    .col(text("html_body"))
                    .col(text("text_body"))
                    // pending → sending (leased to one worker) → sent | failed
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone_null("lease_expires_at"))
                    .col(integer("attempts").default(0))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_email_outbox_subject_template")
                    .table("email_outbox")
                    .col("subject_key")
                    .col("template")
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "email_outbox",
            "api_keys",
            "login_throttles",
            "email_tokens",
            "refresh_tokens",
            "memberships",
            "users",
            "organizations",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
