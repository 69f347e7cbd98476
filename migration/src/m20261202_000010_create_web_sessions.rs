use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Browser sessions of the web app: the cookie holds an opaque id, this table
        // only its digest. Expiry, idle timeout and revocation are checked on every use.
        manager
            .create_table(
                Table::create()
                    .table("web_sessions")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(uuid("organization_id"))
                    .col(string_len_uniq("token_hash", 64))
                    // A short description of the browser, for the list of sessions.
                    .col(string_len_null("user_agent", 200))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_web_sessions_user")
                            .from("web_sessions", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_web_sessions_organization")
                            .from("web_sessions", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_web_sessions_user_id")
                    .table("web_sessions")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;
        // The answer being typed, saved as the candidate writes (one row per question).
        manager
            .create_table(
                Table::create()
                    .table("answer_drafts")
                    .col(uuid("organization_id"))
                    .col(uuid("interview_id"))
                    .col(uuid("question_id"))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("organization_id").col("question_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_answer_drafts_interview")
                            .from("answer_drafts", ("organization_id", "interview_id"))
                            .to("interviews", ("organization_id", "id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["answer_drafts", "web_sessions"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
