use sea_orm::entity::prelude::*;

use crate::domain::StripeEventStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stripe_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub event_type: String,
    pub api_version: Option<String>,
    pub created: i64,
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    pub status: StripeEventStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub organization_id: Option<Uuid>,
    pub received_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
