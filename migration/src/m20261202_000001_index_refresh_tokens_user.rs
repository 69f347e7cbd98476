//! Sessions are refresh-token families; access tokens name theirs (`sid`). "Sign out
//! everywhere" and a password reset revoke every session of a user by `user_id`, so that
//! column gets an index (the per-request check already uses the family index).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_refresh_tokens_user_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table("refresh_tokens")
                    .col("user_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table("refresh_tokens").to_owned())
            .await
    }
}
