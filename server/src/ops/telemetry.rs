//! Logging setup and the per-request span + metrics middleware.

use crate::config::LogFormat;
use crate::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
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

/// A request id unique across instances and cheap to make: a random prefix per process and
/// a counter.
fn next_request_id() -> String {
    static PREFIX: LazyLock<String> =
        LazyLock::new(|| crate::random::random_token()[..6].to_owned());
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!("{}{:06x}", *PREFIX, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Wraps every request in a span (method, route, request id), logs its outcome and records
/// it in the metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let observation = Observation::start(req.method(), req.path(), req.query_string());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).instrument(observation.span.clone()).await?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    observation.finish(
        state.as_ref().map(|s| s.get_ref()),
        &route,
        response.status().as_u16(),
    );
    Ok(response)
}

/// A request being observed: its span and when it started. Requests the application does
/// not see (WebSocket upgrades, `live::upgrade`) are observed through it the same way.
pub struct Observation {
    pub span: tracing::Span,
    method: Method,
    started: Instant,
}

impl Observation {
    pub fn start(method: &Method, path: &str, query: &str) -> Observation {
        let request_id = next_request_id();
        let span = tracing::info_span!(
            "http_request",
            http.method = %method,
            http.path = %redacted_path(path),
            http.query = %redacted_query(query),
            request_id = %request_id,
        );
        Observation {
            span,
            method: method.clone(),
            started: Instant::now(),
        }
    }

    /// Logs the outcome and records it in the metrics (under `route`, the matched pattern).
    pub fn finish(self, state: Option<&AppState>, route: &str, status: u16) {
        let elapsed = self.started.elapsed().as_secs_f64();
        if let Some(state) = state {
            state.metrics.observe(&self.method, route, status, elapsed);
        }
        self.span.in_scope(|| {
            if status >= 500 {
                tracing::error!(status, route = %route, latency_ms = elapsed * 1000.0, "request failed");
            } else {
                tracing::debug!(status, route = %route, latency_ms = elapsed * 1000.0, "request completed");
            }
        });
    }
}

/// Stands in for a secret in logs.
const REDACTED: &str = "[redacted]";

/// Query parameters that carry secrets (`access_token` on `/live`, `token` on sign-in and
/// unsubscribe links).
const SECRET_PARAMETERS: [&str; 2] = ["access_token", "token"];

/// `path` as it may be logged: the segment after `invitations` (an invitation link's token)
/// is replaced.
pub fn redacted_path(path: &str) -> Cow<'_, str> {
    if !path.contains("/invitations/") {
        return Cow::Borrowed(path);
    }
    let mut after_invitations = false;
    let segments: Vec<&str> = path
        .split('/')
        .map(|segment| {
            let secret = after_invitations && !segment.is_empty();
            after_invitations = segment == "invitations";
            if secret {
                REDACTED
            } else {
                segment
            }
        })
        .collect();
    Cow::Owned(segments.join("/"))
}

/// `query` as it may be logged: values of secret parameters are replaced.
pub fn redacted_query(query: &str) -> Cow<'_, str> {
    let is_secret = |pair: &str| {
        let name = pair.split('=').next().unwrap_or_default();
        SECRET_PARAMETERS.contains(&name)
    };
    if !query.split('&').any(is_secret) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            if is_secret(pair) {
                format!("{}={REDACTED}", pair.split('=').next().unwrap_or_default())
            } else {
                pair.to_owned()
            }
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_tokens_are_redacted_from_paths() {
        assert_eq!(
            redacted_path("/api/v1/invitations/abc-DEF_123/accept"),
            "/api/v1/invitations/[redacted]/accept"
        );
        assert_eq!(redacted_path("/invitations/abc"), "/invitations/[redacted]");
        assert_eq!(redacted_path("/api/v1/threads/12"), "/api/v1/threads/12");
    }

    #[test]
    fn secret_parameters_are_redacted_from_queries() {
        assert_eq!(
            redacted_query("access_token=eyJ.secret&x=1"),
            "access_token=[redacted]&x=1"
        );
        assert_eq!(redacted_query("token=abc"), "token=[redacted]");
        assert_eq!(redacted_query("limit=20&cursor=abc"), "limit=20&cursor=abc");
    }
}
