use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_positions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub index_uid: String,
    pub position: i64,
    pub holder: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    pub rebuild_requested_at: Option<DateTimeUtc>,
    pub rebuild_started_at: Option<DateTimeUtc>,
    pub rebuild_finished_at: Option<DateTimeUtc>,
    pub rebuild_done: i64,
    pub rebuild_total: i64,
    pub rebuild_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
