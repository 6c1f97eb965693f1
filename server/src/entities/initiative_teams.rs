use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "initiative_teams")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub initiative_id: i64,
    /// The initiative's network, copied so the access query reads it directly.
    pub network_id: i64,
    pub name: String,
    pub organization: Option<String>,
    /// The team chart's baseline starts here after a re-baseline.
    pub baseline_from: Option<Date>,
    /// First period of the signal the team was last announced as a bright spot for; null
    /// while it is not one.
    pub bright_since: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
