//! The `staffroom` command line: serve the application, manage its database, administer it.
//! Lives in the library so that tests drive exactly what operators type.

use crate::config::Config;
use crate::db::Db;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "staffroom",
    version,
    about = "Asynchronous collaboration for peer learning networks"
)]
pub struct Cli {
    /// Configuration file (default: ./staffroom.toml when present).
    #[arg(long, short, global = true, env = "STAFFROOM_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// The mail outbox: what waits, what was given up, and sending it again.
    Mail {
        #[command(subcommand)]
        action: MailAction,
    },
    /// The search index.
    Search {
        #[command(subcommand)]
        action: SearchAction,
    },
    /// Email digests: look at one, or send a period's.
    Digest {
        #[command(subcommand)]
        action: DigestAction,
    },
    /// Uploaded files: those whose words could not be read for search.
    Files {
        #[command(subcommand)]
        action: FilesAction,
    },
    /// Read one file's words from standard input and write them to standard output. The
    /// server runs this as a child process under OS limits; it is not for people.
    #[command(hide = true)]
    ExtractText {
        /// `text`, `pdf` or `office`.
        #[arg(long)]
        format: String,
    },
    /// Print live events of some topics, one JSON message per line (reconnects and resumes).
    Watch {
        /// Topics: `network:<id>`, `thread:<id>` or `me`; repeat for several.
        #[arg(long = "topic", required = true)]
        topics: Vec<String>,
        /// Server to connect to.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// An access token; or use --as on the server host.
        #[arg(
            long,
            env = "STAFFROOM_TOKEN",
            hide_env_values = true,
            conflicts_with = "as_member"
        )]
        token: Option<String>,
        /// Watch as this member (email), signing a token with this instance's secret.
        #[arg(long = "as", value_name = "EMAIL")]
        as_member: Option<String>,
        /// Replay events after this id first.
        #[arg(long)]
        last_event_id: Option<String>,
        /// Exit after this many events.
        #[arg(long)]
        max_events: Option<usize>,
    },
}

#[derive(Subcommand)]
pub enum FilesAction {
    /// List the files whose words could not be read (newest first): when, why, and the
    /// resources that share each file. They stay downloadable, and findable by everything
    /// but their words.
    Unreadable {
        /// Most files listed.
        #[arg(long, default_value_t = 100)]
        limit: u64,
        /// Forget these outcomes instead, so the next reading (`staffroom search reindex`, or
        /// the next change to their resources) tries the files again, e.g. after raising
        /// `file_text.*` limits.
        #[arg(long)]
        retry: bool,
    },
}

#[derive(Subcommand)]
pub enum MigrateAction {
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
pub enum AdminAction {
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
pub enum SearchAction {
    /// Rebuild the index from the database beside the one being served, then swap it in
    /// (searches answer throughout). A running server does the work; with none running,
    /// this command does it.
    Reindex,
}

#[derive(Subcommand)]
pub enum DigestAction {
    /// Print the text of the digest a member would get now, and write its HTML to a file.
    /// Nothing is recorded or sent.
    Preview {
        /// The member's email address.
        #[arg(long)]
        member: String,
        /// Default: the member's own frequency (weekly when their digests are off).
        #[arg(long, value_enum)]
        frequency: Option<crate::digests::schedule::Cadence>,
        /// Where the HTML goes.
        #[arg(long, default_value = "digest-preview.html")]
        html: PathBuf,
    },
    /// Send the digests that are due (as the scheduler would), or with --now the current
    /// period's to every member of a frequency whatever their hour. Never sends a member
    /// a second digest for a period; safe beside a running server.
    Send {
        #[arg(long, value_enum)]
        frequency: Option<crate::digests::schedule::Cadence>,
        /// Ignore the members' chosen weekday and hour (needs --frequency).
        #[arg(long, requires = "frequency")]
        now: bool,
        /// Count what would be sent; record and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum MailAction {
    /// List messages, newest first, with their attempts and last error.
    List {
        /// Which messages.
        #[arg(long, value_enum, default_value = "pending")]
        status: crate::mail::outbox::Listing,
        /// Shorthand for `--status failed`.
        #[arg(long, conflicts_with = "status")]
        failed: bool,
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Queue given-up messages again (all of them, or one by id); a running server sends
    /// them within `mail.poll_interval_ms`.
    Retry {
        #[arg(
            long,
            conflicts_with = "all_failed",
            required_unless_present = "all_failed"
        )]
        id: Option<i64>,
        #[arg(long)]
        all_failed: bool,
    },
}

#[derive(Subcommand)]
pub enum DemoAction {
    /// Fill the instance with a realistic Attendance peer learning network.
    Seed {
        /// Password of every demo account.
        #[arg(long, default_value = "staffroom-demo")]
        password: String,
    },
}

/// The `staffroom` binary's `main`: the text reader runs alone, without a runtime,
/// configuration or logging; every other command in a Tokio runtime.
pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::ExtractText { format }) = &cli.command {
        std::process::exit(crate::file_text::child::run(format));
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run_parsed(cli))
}

/// The whole program: parses the command line, loads the configuration, sets up logging,
/// runs the command.
pub async fn run() -> anyhow::Result<()> {
    run_parsed(Cli::parse()).await
}

async fn run_parsed(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())
        .map_err(|err| anyhow::anyhow!("configuration: {err}"))?;
    crate::ops::telemetry::init(config.log_format);
    execute(cli.command, config).await
}

/// Runs a parsed command with an already loaded configuration.
pub async fn execute(command: Option<Command>, config: Config) -> anyhow::Result<()> {
    match command.unwrap_or(Command::Serve) {
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
            let state = crate::AppState::open(config).await?;
            let outcome =
                crate::demo::admin::create_admin(&state, &email, &display_name, password).await?;
            println!("{outcome}");
            Ok(())
        }
        Command::Watch {
            topics,
            server,
            token,
            as_member,
            last_event_id,
            max_events,
        } => {
            let access_token = match (token, as_member) {
                (Some(token), _) => token,
                (None, Some(email)) => {
                    let state = crate::AppState::open(config).await?;
                    let member = crate::members::queries::find_by_email(
                        state.db.reader(),
                        &email.to_lowercase(),
                    )
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no member with email {email}"))?;
                    state.tokens.issue_access(member.id)
                }
                (None, None) => anyhow::bail!(
                    "give --token (or STAFFROOM_TOKEN), or --as EMAIL on the server host"
                ),
            };
            let options = crate::live::watch::WatchOptions {
                server,
                access_token,
                topics,
                last_event_id,
                max_events,
            };
            crate::live::watch::watch(options, std::io::stdout()).await
        }
        Command::Mail { action } => mail(config, action).await,
        Command::Files { action } => files(config, action).await,
        Command::ExtractText { format } => {
            std::process::exit(crate::file_text::child::run(&format))
        }
        Command::Digest {
            action:
                DigestAction::Preview {
                    member,
                    frequency,
                    html,
                },
        } => crate::digests::command::preview(config, &member, frequency, &html).await,
        Command::Digest {
            action:
                DigestAction::Send {
                    frequency,
                    now,
                    dry_run,
                },
        } => {
            let options = crate::digests::command::SendOptions {
                frequency,
                now,
                dry_run,
            };
            crate::digests::command::send(config, options).await
        }
        Command::Search {
            action: SearchAction::Reindex,
        } => crate::search::command::reindex(config).await,
        Command::Demo {
            action: DemoAction::Seed { password },
        } => {
            let state = crate::AppState::open(config).await?;
            let summary = crate::demo::seed::seed(&state, &password).await?;
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
    let app = crate::Application::build(config).await?;
    tracing::info!(url = %format!("http://{}", app.address()), database, "Staffroom is listening");
    app.run_until_stopped()
        .await
        .context("server stopped with an error")
}

async fn files(config: Config, action: FilesAction) -> anyhow::Result<()> {
    use crate::file_text::records;
    let db = Db::connect(&config).await?;
    db.migrate_up().await?;
    match action {
        FilesAction::Unreadable { retry: true, .. } => {
            let forgotten = records::forget_unreadable(db.writer()).await?;
            println!(
                "Forgot {forgotten} unreadable file(s): run `staffroom search reindex` to read them again."
            );
        }
        FilesAction::Unreadable { limit, .. } => {
            let files = records::unreadable(db.reader(), limit).await?;
            if files.is_empty() {
                println!("Every file's words could be read.");
            }
            for file in files {
                println!(
                    "{}  {}  {} ({} bytes)\n    why: {}",
                    file.read_at.format("%Y-%m-%d %H:%M:%SZ"),
                    file.sha256,
                    file.media_type,
                    file.size_bytes,
                    file.reason
                );
                for used in file.resources {
                    println!(
                        "    resource {} \"{}\", version {}: {}",
                        used.resource_id, used.title, used.version, used.file_name
                    );
                }
            }
        }
    }
    db.close().await;
    Ok(())
}

async fn mail(config: Config, action: MailAction) -> anyhow::Result<()> {
    use crate::mail::outbox::{self, Listing};
    let db = Db::connect(&config).await?;
    db.migrate_up().await?;
    match action {
        MailAction::List {
            status,
            failed,
            limit,
        } => {
            let status = if failed { Listing::Failed } else { status };
            let rows = outbox::list(db.reader(), status, limit).await?;
            if rows.is_empty() {
                println!("No messages.");
            }
            for row in rows {
                let state = match (row.sent_at, row.failed_at) {
                    (Some(at), _) => format!("sent {}", at.format("%Y-%m-%d %H:%M:%SZ")),
                    (_, Some(at)) => format!("FAILED {}", at.format("%Y-%m-%d %H:%M:%SZ")),
                    _ => format!("due {}", row.next_attempt_at.format("%Y-%m-%d %H:%M:%SZ")),
                };
                println!(
                    "{:>8}  {:<12} {:<40} attempts {:<3} {}{}",
                    row.id,
                    row.kind,
                    row.recipient,
                    row.attempts,
                    state,
                    row.last_error
                        .map(|e| format!("\n          last error: {e}"))
                        .unwrap_or_default()
                );
            }
        }
        MailAction::Retry { id, .. } => {
            let queued = outbox::retry(db.writer(), id).await?;
            println!("Queued {queued} message(s) again.");
        }
    }
    db.close().await;
    Ok(())
}

async fn migrate(config: Config, action: MigrateAction) -> anyhow::Result<()> {
    use staffroom_migrations::{Migrator, MigratorTrait};
    let db = Db::connect(&config).await?;
    match action {
        MigrateAction::Up => {
            Migrator::up(db.writer().connection(), None).await?;
            println!("All migrations applied.");
        }
        MigrateAction::Down { steps } => {
            Migrator::down(db.writer().connection(), Some(steps)).await?;
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
