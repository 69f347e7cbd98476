use sea_orm::entity::prelude::*;

use crate::domain::{Plan, SubscriptionStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: Uuid,
    #[sea_orm(unique)]
    pub stripe_customer_id: String,
    pub stripe_subscription_id: Option<String>,
    pub subscription_status: Option<SubscriptionStatus>,
    pub subscription_plan: Option<Plan>,
    pub seats: i32,
    pub current_period_start: Option<DateTimeUtc>,
    pub current_period_end: Option<DateTimeUtc>,
    pub cancel_at_period_end: bool,
    pub past_due_since: Option<DateTimeUtc>,
    pub last_event_created: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
