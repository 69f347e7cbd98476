//! Tokens and cost of LLM grading per organization and UTC day.

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Statement, Value};
use uuid::Uuid;

use crate::entities::llm_usage;

fn day(offset_days: i64) -> String {
    (Utc::now() - Duration::days(offset_days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Tokens (prompt + completion) the organization spent today.
pub async fn tokens_today<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> Result<u64, DbErr> {
    Ok(llm_usage::Entity::find_by_id((organization_id, day(0)))
        .one(db)
        .await?
        .map_or(0, |u| {
            u64::try_from(u.prompt_tokens + u.completion_tokens).unwrap_or(0)
        }))
}

/// Adds one grading's usage to today's row (atomically, whoever else is adding).
pub async fn record<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    prompt_tokens: u64,
    completion_tokens: u64,
    cost_usd: f64,
    calls: u32,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO llm_usage (organization_id, day, prompt_tokens, completion_tokens, cost_usd, calls) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (organization_id, day) DO UPDATE SET \
           prompt_tokens = llm_usage.prompt_tokens + excluded.prompt_tokens, \
           completion_tokens = llm_usage.completion_tokens + excluded.completion_tokens, \
           cost_usd = llm_usage.cost_usd + excluded.cost_usd, \
           calls = llm_usage.calls + excluded.calls",
        [
            Value::from(organization_id),
            Value::from(day(0)),
            Value::from(i64::try_from(prompt_tokens).unwrap_or(i64::MAX)),
            Value::from(i64::try_from(completion_tokens).unwrap_or(i64::MAX)),
            Value::from(cost_usd),
            Value::from(i32::try_from(calls).unwrap_or(i32::MAX)),
        ],
    ))
    .await?;
    Ok(())
}

/// The last `days` days of usage, newest first.
pub async fn recent<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    days: i64,
) -> Result<Vec<llm_usage::Model>, DbErr> {
    llm_usage::Entity::of_organization(organization_id)
        .filter(llm_usage::Column::Day.gte(day(days - 1)))
        .order_by_desc(llm_usage::Column::Day)
        .all(db)
        .await
}
