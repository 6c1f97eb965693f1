//! The application state: what request handlers, the CLI and background workers share.
//! Handlers take it whole; services below them take only the parts they use.

use crate::auth::rate_limit::RateLimiter;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::Db;
use crate::files::FileStore;
use crate::live::Hub;
use crate::mail::Mailer;
use crate::ops::metrics::Metrics;
use crate::shutdown::Shutdown;
use std::sync::Arc;

pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub tokens: TokenKeys,
    /// Signs the one-click unsubscribe links of digests and notification emails.
    pub unsubscribe: crate::mail::unsubscribe::UnsubscribeKeys,
    /// Signs the download and calendar links the API hands out.
    pub links: crate::auth::links::LinkKeys,
    pub mailer: Mailer,
    pub limiter: RateLimiter,
    pub hashing: crate::auth::passwords::HashingLimiter,
    pub metrics: Metrics,
    pub files: FileStore,
    pub markdown: crate::markdown::Markdown,
    pub hub: Arc<Hub>,
    /// Opened by a serving instance only (see `Search::start`).
    pub search: crate::search::Search,
    /// The words of uploaded files, read in child processes and kept by content.
    pub file_texts: Arc<crate::file_text::FileTexts>,
    /// What registering with an invitation redeems (networks' invitations).
    pub invitations: Arc<dyn crate::auth::accounts::Invitations>,
    /// Stops the background tasks and closes live connections ("going away").
    pub shutdown: Shutdown,
    /// Notes that a member was seen, without slowing the request (`visits.rs`).
    pub visits: crate::visits::Visits,
    /// How many uploaded images are decoded at once (`images.concurrent`).
    pub image_decoding: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Opens the database (migrating it) and loads the secret: everything a command needs,
    /// and nothing that runs in the background (see `Application::build`).
    pub async fn open(config: Config) -> anyhow::Result<AppState> {
        let db = Db::connect(&config).await?;
        db.migrate_up().await?;
        let secret = crate::auth::secret::load_or_create(&config)?;
        Ok(AppState {
            tokens: TokenKeys::new(&secret, config.auth.access_token_ttl_secs),
            unsubscribe: crate::mail::unsubscribe::UnsubscribeKeys::new(&secret),
            links: crate::auth::links::LinkKeys::new(&secret),
            mailer: Mailer::from_config(&config)?,
            limiter: RateLimiter::new(&config.rate_limit),
            hashing: crate::auth::passwords::HashingLimiter::new(&config.auth),
            metrics: Metrics::default(),
            files: FileStore::new(config.files_dir()),
            markdown: crate::markdown::Markdown::new(&config.markdown.image_hosts),
            // Poll results reach each receiver as their visibility rule allows.
            hub: Arc::new(
                Hub::new(config.live.buffer)
                    .with_per_receiver(Arc::new(crate::polls::audience::LiveRenderer)),
            ),
            search: crate::search::Search::default(),
            file_texts: Arc::new(crate::file_text::FileTexts::new(
                &config.file_text,
                db.clone(),
                FileStore::new(config.files_dir()),
            )),
            invitations: Arc::new(crate::networks::invitations::NetworkInvitations),
            shutdown: Shutdown::default(),
            visits: crate::visits::Visits::new(&config.visits),
            image_decoding: Arc::new(tokio::sync::Semaphore::new(config.images.concurrent.max(1))),
            db,
            config: Arc::new(config),
        })
    }
}
