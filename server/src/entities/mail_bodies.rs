use sea_orm::entity::prelude::*;

/// The bodies of a `mail_outbox` row, by its `Message-ID`: written once, never updated.
/// Either `text_body` and `html_body`, or the `template` and its `data` that write them
/// when the message is sent (`mail::Content` reads a row as one or the other).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_bodies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_id: String,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub template: Option<String>,
    pub data: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
