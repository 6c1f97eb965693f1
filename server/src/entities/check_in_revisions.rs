use sea_orm::entity::prelude::*;

/// A value a resubmission replaced.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "check_in_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub check_in_id: i64,
    pub value: f64,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub submitted_by: i64,
    pub submitted_at: DateTimeUtc,
    pub replaced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
