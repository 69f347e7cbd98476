use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interview_questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub interview_id: Uuid,
    pub position: i32,
    pub catalog_question_id: Option<String>,
    pub follow_up_id: Option<String>,
    pub kind: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub prompt: String,
    pub expected_minutes: Option<i32>,
    pub asked_at: Option<DateTimeUtc>,
    pub answered_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub answer: Option<String>,
    pub time_spent_seconds: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
