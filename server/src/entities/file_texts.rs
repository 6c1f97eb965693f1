use sea_orm::entity::prelude::*;

/// What reading an uploaded file's words gave, once per file content: its text, or why it
/// could not be read (`outcome` is `text` or `unreadable`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "file_texts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sha256: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub outcome: String,
    pub body: Option<String>,
    pub reason: Option<String>,
    pub reader_version: i32,
    pub read_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
