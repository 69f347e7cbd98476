use sea_orm::entity::prelude::*;

use crate::domain::{InterviewOrigin, InterviewStatus, QuotaSource};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub track_id: Option<String>,
    pub track_version: Option<i32>,
    pub status: InterviewStatus,
    pub origin: InterviewOrigin,
    pub created_by_user_id: Option<Uuid>,
    pub created_by_api_key_id: Option<Uuid>,
    pub candidate_email: Option<String>,
    pub candidate_name: Option<String>,
    pub candidate_external_ref: Option<String>,
    pub quota_source: QuotaSource,
    pub quota_period_start: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub failure_reason: Option<String>,
    pub started_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub graded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
