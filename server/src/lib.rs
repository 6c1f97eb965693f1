//! Staffroom: asynchronous collaboration for professional peer learning networks.
//!
//! `Application::build` turns a `Config` into a running HTTP server: it opens the database,
//! applies migrations, loads the signing secret and binds the listener. `main.rs` (the CLI)
//! and the black-box tests both start the server through it.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod commits;
pub mod config;
pub mod convenings;
pub mod conversations;
pub mod db;
pub mod demo;
pub mod digests;
pub mod discussions;
pub mod display_name;
pub mod email_address;
pub mod entities;
pub mod error;
pub mod events;
pub mod extract;
pub mod failpoint;
pub mod feed;
pub mod file_text;
pub mod files;
pub mod grouping;
pub mod help_requests;
mod http_server;
pub mod ids;
pub mod images;
pub mod initiatives;
pub mod insights;
pub mod ip_range;
pub mod item_reads;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod markdown;
pub mod members;
pub mod networks;
pub mod notification_level;
pub mod notifications;
pub mod ops;
pub mod page_security;
pub mod paging;
pub mod polls;
pub mod progress;
pub mod purpose_tokens;
pub mod random;
pub mod resources;
pub mod role;
pub mod search;
pub mod serialize;
pub mod shutdown;
pub mod state;
pub mod tags;
pub mod text;
pub mod threads;
pub mod timezone;
pub mod tx;
pub mod visits;
pub mod web_client;

use crate::config::Config;
use crate::error::ApiError;
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::web;
use actix_web::ResponseError;
use anyhow::Context;
use std::net::{SocketAddr, TcpListener};

pub use state::AppState;

/// Temporary upload files untouched this long are leftovers of a crash.
const ABANDONED_UPLOAD_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

pub struct Application {
    server: Server,
    address: SocketAddr,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let listener =
            TcpListener::bind(config.bind).with_context(|| format!("binding {}", config.bind))?;
        let address = listener.local_addr()?;
        let workers = config.workers;
        let poll_interval = std::time::Duration::from_millis(config.live.poll_interval_ms.max(10));
        let state = web::Data::new(AppState::open(config).await?);
        // Only a serving instance cleans up, and only what nobody is still writing.
        match state.files.clean_temporary(ABANDONED_UPLOAD_AGE) {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed abandoned uploads"),
            Err(err) => tracing::warn!(error = %err, "could not clean abandoned uploads"),
        }
        state.hub.start_at_end(&state.db).await?;
        tokio::spawn(state.hub.clone().run(
            state.db.clone(),
            poll_interval,
            state.shutdown.signal(),
        ));
        if let Some(writer) = state.visits.take_writer(state.db.writer().clone()) {
            tokio::spawn(writer.run(state.shutdown.signal()));
        }
        let mail_worker = mail::worker::MailWorker::new(
            &state.config,
            state.db.clone(),
            state.metrics.mail.clone(),
        )?
        .with_recheck(notifications::email::recheck())
        .with_recheck(digests::recheck::recheck())
        .with_template(
            mail::content::Template::Digest,
            digests::render::write_stored,
        );
        tokio::spawn(mail_worker.run(state.shutdown.signal()));
        if state.config.digests.scheduler {
            tokio::spawn(digests::scheduler::run(
                state.clone(),
                state.shutdown.signal(),
            ));
        }
        if state.config.initiatives.reminders {
            tokio::spawn(initiatives::reminders::run(
                state.clone(),
                state.shutdown.signal(),
            ));
        }
        if state.config.polls.closer {
            tokio::spawn(polls::closer::run(state.clone(), state.shutdown.signal()));
        }
        if state.config.notification_emails.enabled {
            tokio::spawn(notifications::email::run(
                state.clone(),
                state.shutdown.signal(),
            ));
        }
        // Without its search index (another instance holds the embedded one) an instance
        // still serves everything else; `/readyz` says search is degraded.
        match state.search.start(&state.config, &state.db) {
            Ok(engine) => {
                let indexer = search::indexer::Indexer {
                    engine,
                    db: state.db.clone(),
                    file_texts: state.file_texts.clone(),
                    wake: state.search.wake_signal(),
                    counters: state.search.counters.clone(),
                };
                tokio::spawn(indexer.run(state.shutdown.signal()));
            }
            Err(err) => tracing::error!(
                error = format!("{err:#}"),
                "search is unavailable on this instance (several instances need Meilisearch)"
            ),
        }
        if state.db.backend() == sea_orm::DatabaseBackend::Postgres {
            tokio::spawn(live::listen::listen(
                state.hub.clone(),
                state.config.database_url(),
                state.shutdown.signal(),
            ));
        }
        let server = http_server::start(listener, workers, state.clone())?;
        Ok(Application {
            server,
            address,
            state,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle to stop the server gracefully (used by tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM: live connections get a "going away" close frame, then
    /// in-flight requests finish (up to 10 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let shutdown = self.state.shutdown.clone();
        tokio::spawn(async move {
            wait_for_stop_signal().await;
            tracing::info!("stopping: closing live connections, finishing requests");
            shutdown.trigger();
            handle.stop(true).await;
        });
        let result = self.server.await;
        // However the server stopped, the background tasks stop with it.
        self.state.shutdown.trigger();
        result
    }
}

/// Routes, extractor settings and middleware of the whole application.
pub fn configure_app(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(extract::JSON_LIMIT_BYTES))
        // A path segment that is not an id cannot name anything: not found.
        .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            ApiError::invalid("query", extract_query_message(&err.to_string())).into()
        }))
        .service(
            web::scope("")
                .wrap(
                    ErrorHandlers::new()
                        .handler(StatusCode::METHOD_NOT_ALLOWED, method_not_allowed),
                )
                .wrap(from_fn(ops::telemetry::observe))
                .configure(ops::health::configure)
                .configure(ops::openapi::configure)
                .service(
                    // actix tries resources in the order they are registered, each path
                    // pattern with parameters by its regex: the busiest read (search) first.
                    web::scope("/api/v1")
                        .configure(search::routes::configure)
                        .configure(auth::routes::configure)
                        .configure(feed::routes::configure)
                        .configure(members::routes::configure)
                        .configure(networks::routes::configure)
                        .configure(images::routes::configure)
                        .configure(threads::routes::configure)
                        .configure(help_requests::routes::configure)
                        .configure(convenings::routes::configure)
                        .configure(resources::routes::configure)
                        .configure(initiatives::routes::configure)
                        .configure(conversations::routes::configure)
                        .configure(polls::routes::configure)
                        .configure(insights::routes::configure)
                        .configure(live::routes::configure)
                        .configure(notifications::routes::configure)
                        .configure(threads::preview::configure)
                        .configure(digests::routes::configure_api)
                        .configure(mail::routes::configure_api(unsubscribing()))
                        .default_service(web::to(not_found)),
                )
                .configure(mail::routes::configure_pages(unsubscribing()))
                .configure(web_client::configure)
                .default_service(web::to(web_client::page_or_not_found)),
        );
}

/// What mail's one-click unsubscribe turns off: the member's email preferences.
fn unsubscribing() -> std::sync::Arc<dyn mail::unsubscribe::TurnOff> {
    std::sync::Arc::new(members::opt_outs::EmailPreferences)
}

/// actix answers a known path with an unsupported method with an empty 405; give it the
/// same problem+json body as every other error.
fn method_not_allowed<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let (request, _) = res.into_parts();
    let problem = ApiError::MethodNotAllowed.error_response();
    let res = ServiceResponse::new(request, problem).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

pub(crate) fn extract_query_message(raw: &str) -> String {
    raw.strip_prefix("Query deserialize error: ")
        .unwrap_or(raw)
        .to_owned()
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
