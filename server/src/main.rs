//! The `staffroom` command: serve the application, manage its database, administer it.

use anyhow::Context;
use clap::{Parser, Subcommand};
use staffroom::config::Config;
use staffroom::db::Db;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "staffroom",
    version,
    about = "Asynchronous collaboration for peer learning networks"
)]
struct Cli {
    /// Configuration file (default: ./staffroom.toml when present).
    #[arg(long, short, global = true, env = "STAFFROOM_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the HTTP server (the default when no command is given).
    Serve,
    /// Apply, revert or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Instance administration.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Demonstration data.
    Demo {
        #[command(subcommand)]
        action: DemoAction,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// Revert the most recent migrations.
    Down {
        /// How many migrations to revert.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create an instance admin (or make an existing account one).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        display_name: String,
        /// Password for a new account; generated and printed when omitted.
        #[arg(long, env = "STAFFROOM_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum DemoAction {
    /// Fill the instance with a realistic Attendance peer learning network.
    Seed {
        /// Password of every demo account.
        #[arg(long, default_value = "staffroom-demo")]
        password: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())
        .map_err(|err| anyhow::anyhow!("configuration: {err}"))?;
    staffroom::ops::telemetry::init(config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate { action } => migrate(config, action.unwrap_or(MigrateAction::Up)).await,
        Command::Admin {
            action:
                AdminAction::Create {
                    email,
                    display_name,
                    password,
                },
        } => {
            let state = staffroom::AppState::open(config).await?;
            let outcome =
                staffroom::demo::admin::create_admin(&state, &email, &display_name, password)
                    .await?;
            println!("{outcome}");
            Ok(())
        }
        Command::Demo {
            action: DemoAction::Seed { password },
        } => {
            let state = staffroom::AppState::open(config).await?;
            let summary = staffroom::demo::seed::seed(&state, &password).await?;
            println!("{summary}");
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let database = if config.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let app = staffroom::Application::build(config).await?;
    tracing::info!(url = %format!("http://{}", app.address()), database, "Staffroom is listening");
    app.run_until_stopped()
        .await
        .context("server stopped with an error")
}

async fn migrate(config: Config, action: MigrateAction) -> anyhow::Result<()> {
    use staffroom_migrations::{Migrator, MigratorTrait};
    let db = Db::connect(&config).await?;
    match action {
        MigrateAction::Up => {
            Migrator::up(db.writer(), None).await?;
            println!("All migrations applied.");
        }
        MigrateAction::Down { steps } => {
            Migrator::down(db.writer(), Some(steps)).await?;
            println!("Reverted {steps} migration(s).");
        }
        MigrateAction::Status => {
            for migration in Migrator::get_migration_with_status(db.writer()).await? {
                println!("{:<45} {:?}", migration.name(), migration.status());
            }
        }
    }
    db.close().await;
    Ok(())
}
