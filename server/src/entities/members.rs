use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub title: String,
    pub organization: String,
    pub bio: String,
    pub timezone: String,
    pub digest_frequency: String,
    pub digest_weekday: i16,
    pub digest_hour: i16,
    pub is_admin: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The last request seen from the member (written at most every few minutes).
    pub last_seen_at: Option<DateTimeUtc>,
    /// When the current visit began: a request after 30 minutes away begins a new one.
    pub visit_started_at: Option<DateTimeUtc>,
    /// When the visit before the current one began: what the feed's "new" counts from.
    pub previous_visit_at: Option<DateTimeUtc>,
    /// When they last saved their digest settings (the first-run checklist asks).
    pub digest_chosen_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
