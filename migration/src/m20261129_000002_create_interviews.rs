use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The plan an organization is on; billing changes it from Stripe events.
        manager
            .alter_table(
                Table::alter()
                    .table("organizations")
                    .add_column(string_len("plan", 32).default("free"))
                    .to_owned(),
            )
            .await?;

        // Plan allowance per billing period, consumed with a conditional UPDATE.
        manager
            .create_table(
                Table::create()
                    .table("quota_periods")
                    .col(uuid("organization_id"))
                    .col(timestamp_with_time_zone("period_start"))
                    .col(timestamp_with_time_zone("period_end"))
                    .col(integer("allowance"))
                    .col(integer("used").default(0))
                    .primary_key(Index::create().col("organization_id").col("period_start"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_quota_periods_organization")
                            .from("quota_periods", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("interviews")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(string_len_null("track_id", 100))
                    .col(integer_null("track_version"))
                    // in_progress → submitted → grading → graded | failed
                    .col(string_len("status", 16))
                    // session (asked one question at a time) | transcript (posted whole)
                    .col(string_len("origin", 16))
                    .col(uuid_null("created_by_user_id"))
                    .col(uuid_null("created_by_api_key_id"))
                    .col(string_len_null("candidate_email", 320))
                    .col(string_len_null("candidate_name", 200))
                    .col(string_len_null("candidate_external_ref", 200))
                    // trial | plan: which allowance paid for it (given back on failure)
                    .col(string_len("quota_source", 16))
                    .col(timestamp_with_time_zone_null("quota_period_start"))
                    .col(text_null("failure_reason"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(timestamp_with_time_zone_null("graded_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_interviews_organization")
                            .from("interviews", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The target of tenant foreign keys: (organization_id, id).
        manager
            .create_index(
                Index::create()
                    .name("uq_interviews_organization_id_id")
                    .table("interviews")
                    .col("organization_id")
                    .col("id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_interviews_organization_created")
                    .table("interviews")
                    .col("organization_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("interview_questions")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid("interview_id"))
                    .col(integer("position"))
                    // The catalog question (or, for a follow-up, its parent question)
                    .col(string_len_null("catalog_question_id", 100))
                    .col(string_len_null("follow_up_id", 100))
                    .col(string_len_null("kind", 32))
                    .col(text("prompt"))
                    .col(integer_null("expected_minutes"))
                    .col(timestamp_with_time_zone_null("asked_at"))
                    .col(timestamp_with_time_zone_null("answered_at"))
                    .col(text_null("answer"))
                    .col(integer_null("time_spent_seconds"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_interview_questions_interview")
                            .from("interview_questions", ("organization_id", "interview_id"))
                            .to("interviews", ("organization_id", "id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_interview_questions_position")
                    .table("interview_questions")
                    .col("interview_id")
                    .col("position")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("reports")
                    .col(pk_uuid("id"))
                    .col(uuid("organization_id"))
                    .col(uuid_uniq("interview_id"))
                    .col(string_len("verdict", 16))
                    .col(integer("score"))
                    .col(string_len("grader_kind", 16))
                    .col(json_binary("body"))
                    // Share links are HMACs over (report id, generation): revoking bumps
                    // the generation, so old links stop working and no secret is stored.
                    .col(integer("share_generation").default(1))
                    .col(timestamp_with_time_zone_null("share_revoked_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reports_interview")
                            .from("reports", ("organization_id", "interview_id"))
                            .to("interviews", ("organization_id", "id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(uuid("organization_id"))
                    .col(string_len("endpoint", 64))
                    .col(string_len("idempotency_key", 255))
                    .col(string_len("request_hash", 64))
                    .col(integer("response_status"))
                    .col(json_binary("response_body"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(
                        Index::create()
                            .col("organization_id")
                            .col("endpoint")
                            .col("idempotency_key"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_idempotency_keys_organization")
                            .from("idempotency_keys", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "idempotency_keys",
            "reports",
            "interview_questions",
            "interviews",
            "quota_periods",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("organizations")
                    .drop_column("plan")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
