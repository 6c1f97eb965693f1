//! Staffroom's schema, one migration per file, portable across SQLite and PostgreSQL.
//!
//! Migrations use the sea-query schema builder so the same file produces correct DDL on
//! both backends. Where the builder has no words for it (a PostgreSQL storage setting in
//! 000020, editing JSON in place in 000022, a table kept in key order on SQLite in 000027),
//! a migration branches on the backend and says so.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_members;
mod m20261123_000002_create_networks;
mod m20261123_000003_create_threads;
mod m20261123_000004_create_events;
mod m20261123_000005_create_help_requests;
mod m20261123_000006_create_notifications;
mod m20261123_000007_create_convenings;
mod m20261123_000008_create_resources;
mod m20261125_000009_add_event_subjects;
mod m20261125_000010_create_mail_outbox;
mod m20261125_000011_add_post_reaction_counts;
mod m20261125_000012_create_search_positions;
mod m20261125_000013_create_digests;
mod m20261125_000014_create_initiatives;
mod m20261203_000015_create_connections;
mod m20261203_000016_index_mail_queue;
mod m20261203_000017_split_mail_bodies;
mod m20261203_000018_index_digest_readers;
mod m20261203_000019_mail_bodies_from_templates;
mod m20261203_000020_mail_bodies_kept_whole;
mod m20261207_000021_create_file_texts;
/// Public so that tests can run it again over rows written the old way.
pub mod m20261207_000022_notifications_without_copied_text;
mod m20261207_000023_notification_email_messages;
mod m20261207_000024_visits_and_item_reads;
mod m20261207_000025_index_discussion_threads;
mod m20261207_000026_index_tests_of_change_network;
mod m20261207_000027_create_feed_items;
mod m20261207_000028_rebuild_search_for_statuses;
mod m20261207_000029_rebuild_search_for_discussions;
mod m20261207_000030_digest_deliveries_shown;
mod m20261208_000031_create_invite_links;
mod m20261208_000032_members_digest_chosen_at;
mod m20261208_000033_create_images;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_members::Migration),
            Box::new(m20261123_000002_create_networks::Migration),
            Box::new(m20261123_000003_create_threads::Migration),
            Box::new(m20261123_000004_create_events::Migration),
            Box::new(m20261123_000005_create_help_requests::Migration),
            Box::new(m20261123_000006_create_notifications::Migration),
            Box::new(m20261123_000007_create_convenings::Migration),
            Box::new(m20261123_000008_create_resources::Migration),
            Box::new(m20261125_000009_add_event_subjects::Migration),
            Box::new(m20261125_000010_create_mail_outbox::Migration),
            Box::new(m20261125_000011_add_post_reaction_counts::Migration),
            Box::new(m20261125_000012_create_search_positions::Migration),
            Box::new(m20261125_000013_create_digests::Migration),
            Box::new(m20261125_000014_create_initiatives::Migration),
            Box::new(m20261203_000015_create_connections::Migration),
            Box::new(m20261203_000016_index_mail_queue::Migration),
            Box::new(m20261203_000017_split_mail_bodies::Migration),
            Box::new(m20261203_000018_index_digest_readers::Migration),
            Box::new(m20261203_000019_mail_bodies_from_templates::Migration),
            Box::new(m20261203_000020_mail_bodies_kept_whole::Migration),
            Box::new(m20261207_000021_create_file_texts::Migration),
            Box::new(m20261207_000022_notifications_without_copied_text::Migration),
            Box::new(m20261207_000023_notification_email_messages::Migration),
            Box::new(m20261207_000024_visits_and_item_reads::Migration),
            Box::new(m20261207_000025_index_discussion_threads::Migration),
            Box::new(m20261207_000026_index_tests_of_change_network::Migration),
            Box::new(m20261207_000027_create_feed_items::Migration),
            Box::new(m20261207_000028_rebuild_search_for_statuses::Migration),
            Box::new(m20261207_000029_rebuild_search_for_discussions::Migration),
            Box::new(m20261207_000030_digest_deliveries_shown::Migration),
            Box::new(m20261208_000031_create_invite_links::Migration),
            Box::new(m20261208_000032_members_digest_chosen_at::Migration),
            Box::new(m20261208_000033_create_images::Migration),
        ]
    }
}

/// Primary keys are 64-bit and database-assigned on both backends.
pub(crate) fn id_column<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

pub(crate) fn timestamp<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

pub(crate) fn optional_timestamp<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

pub(crate) fn foreign_id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

/// A foreign key whose rows go with the row they point at.
pub(crate) fn cascade<F, FC, T, TC>(from: (F, FC), to: (T, TC)) -> ForeignKeyCreateStatement
where
    F: IntoIden + 'static,
    FC: IntoIden + 'static,
    T: IntoIden + 'static,
    TC: IntoIden + 'static,
{
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

pub(crate) fn text<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

pub(crate) fn string<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).string().not_null().to_owned()
}

/// An index named `name` on `columns` of `table`.
pub(crate) async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    columns: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(column);
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement.to_owned()).await
}
