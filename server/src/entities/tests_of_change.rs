use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tests_of_change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub initiative_id: i64,
    pub team_id: i64,
    pub network_id: i64,
    pub created_by: i64,
    pub change_idea: String,
    #[sea_orm(column_type = "Text")]
    pub plan_what: String,
    #[sea_orm(column_type = "Text")]
    pub plan_who: String,
    #[sea_orm(column_type = "Text")]
    pub plan_when: String,
    #[sea_orm(column_type = "Text")]
    pub prediction: String,
    /// `planning`, `doing`, `studying`, `acted`.
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub do_notes: String,
    #[sea_orm(column_type = "Text")]
    pub study: String,
    /// `adopt`, `adapt` or `abandon`, once acted.
    pub act: Option<String>,
    pub discussion_thread_id: Option<i64>,
    /// The peer test this one copied ("try this").
    pub adopted_from: Option<i64>,
    /// When it moved to `doing`: where it is annotated on run charts.
    pub started_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub acted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
