//! The HTTP server: actix-server workers running actix-http's HTTP/1 service with the
//! application, as actix-web's `HttpServer` would, except that WebSocket upgrades go to
//! `live::upgrade`, which takes their TCP stream over.

use crate::AppState;
use actix_codec::Framed;
use actix_http::{h1, HttpService, Request};
use actix_server::Server;
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::dev::AppConfig;
use actix_web::{web, App};
use std::time::Duration;
use tokio::net::TcpStream;

/// Serves the application on `listener` with `workers` worker threads (one per core without).
/// The server does not listen for signals: `Application::run_until_stopped` does, because
/// live connections must be told to go before the server waits for them.
pub fn start(
    listener: std::net::TcpListener,
    workers: Option<usize>,
    state: web::Data<AppState>,
) -> std::io::Result<Server> {
    let address = listener.local_addr()?;
    let mut builder = Server::build();
    if let Some(workers) = workers {
        builder = builder.workers(workers.max(1));
    }
    let stopping = builder.graceful_shutdown_signal();
    let server = builder
        .disable_signals()
        .shutdown_timeout(10)
        .listen("staffroom-http", listener, move || {
            let upgrade_state = state.clone();
            let stopping = stopping.clone();
            let app = App::new()
                .app_data(state.clone())
                .configure(crate::configure_app)
                .into_factory()
                .map_err(|err| err.error_response());
            // actix-web's `HttpServer` settings, which the application was served with.
            HttpService::build()
                .graceful_shutdown_signal(move || {
                    let stopping = stopping.clone();
                    async move { stopping.notified().await }
                })
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(address)
                .upgrade(fn_service(
                    move |(request, framed): (Request, Framed<TcpStream, h1::Codec>)| {
                        crate::live::upgrade::take_over(upgrade_state.clone(), request, framed)
                    },
                ))
                .finish(map_config(app, |_| AppConfig::default()))
                .tcp()
        })?
        .run();
    Ok(server)
}
