use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recipient_id: i64,
    pub kind: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub network_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub data: Json,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    /// When it went out by email, or was settled not to.
    pub emailed_at: Option<DateTimeUtc>,
    /// The queued email that carries it, until that email is sent or withdrawn.
    pub email_message_id: Option<String>,
    /// A fingerprint of the words that email shows of its subject: the mail worker
    /// withdraws an email whose subject reads otherwise now.
    pub emailed_words: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
