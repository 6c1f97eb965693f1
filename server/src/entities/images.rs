use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "images")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub network_id: i64,
    pub uploaded_by: i64,
    pub sha256: String,
    pub media_type: String,
    pub width: i32,
    pub height: i32,
    pub display_sha256: String,
    pub display_media_type: String,
    pub display_width: i32,
    pub display_height: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
