//! Logging setup and the per-request span + metrics middleware.

use crate::config::LogFormat;
use crate::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use std::time::Instant;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests start many apps) do nothing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("STAFFROOM_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let is_terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(is_terminal);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Wraps every request in a span (method, route, request id), logs its outcome and records
/// it in the metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let request_id = crate::auth::tokens::random_token()[..12].to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let span = tracing::info_span!(
        "http_request",
        http.method = %method,
        http.path = %req.path(),
        request_id = %request_id,
    );
    let response = next.call(req).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(state) = state {
        state.metrics.observe(&method, &route, status, elapsed);
        // A successful write has committed its events and mail: let the live hub and the
        // mail worker fetch them now rather than at their next poll.
        if !method.is_safe() && response.status().is_success() {
            state.hub.wake();
            state.mailer.wake();
        }
    }
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, route = %route, latency_ms = elapsed * 1000.0, "request failed");
        } else {
            tracing::debug!(status, route = %route, latency_ms = elapsed * 1000.0, "request completed");
        }
    });
    Ok(response)
}
