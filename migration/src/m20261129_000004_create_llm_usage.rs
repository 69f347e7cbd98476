use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Tokens and cost of LLM grading, summed per organization and UTC day: the
        // daily budget is checked against it, and operators bill or investigate from it.
        manager
            .create_table(
                Table::create()
                    .table("llm_usage")
                    .col(uuid("organization_id"))
                    .col(string_len("day", 10))
                    .col(big_integer("prompt_tokens").default(0))
                    .col(big_integer("completion_tokens").default(0))
                    .col(double("cost_usd").default(0.0))
                    .col(integer("calls").default(0))
                    .primary_key(Index::create().col("organization_id").col("day"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_llm_usage_organization")
                            .from("llm_usage", "organization_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("llm_usage").to_owned())
            .await
    }
}
