use sea_orm::entity::prelude::*;

/// A tag, grade level or subject of a resource (`facet` says which).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resource_labels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub facet: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub value: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
