//! Runs Staffroom's migrations on their own: `staffroom-migrations up|down|status|fresh`.
//! Reads `DATABASE_URL` (or `-u URL`), like every sea-orm-migration CLI.

#[tokio::main]
async fn main() {
    sea_orm_migration::cli::run_cli(staffroom_migrations::Migrator).await;
}
