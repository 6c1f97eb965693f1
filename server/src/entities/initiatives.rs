use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "initiatives")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub network_id: i64,
    pub created_by: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub problem: String,
    #[sea_orm(column_type = "Text")]
    pub problem_html: String,
    #[sea_orm(column_type = "Text")]
    pub aim: String,
    pub measure_name: String,
    pub measure_unit: String,
    /// `decrease` or `increase`: which way is better.
    pub direction: String,
    /// `weekly` or `monthly`.
    pub cadence: String,
    pub target: Option<f64>,
    pub stage: String,
    pub status: String,
    pub discussion_thread_id: Option<i64>,
    /// The network chart's baseline starts here after a re-baseline.
    pub baseline_from: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
