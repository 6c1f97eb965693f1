use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "check_ins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub team_id: i64,
    pub initiative_id: i64,
    /// First day of the period, aligned to the measure's cadence.
    pub period: Date,
    pub value: f64,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub submitted_by: i64,
    /// When the current value was submitted.
    pub submitted_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
