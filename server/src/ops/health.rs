//! `/healthz`, `/readyz`, `/metrics`.

use crate::AppState;
use actix_web::{web, HttpResponse};
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ok` or `unreachable`.
    pub database: &'static str,
    /// `ok`, or `degraded` while the search engine cannot answer (everything else still
    /// works, so the instance stays ready).
    pub search: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Up")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers; 503 otherwise. Search being down does not make an instance
/// unready (a load balancer would take every instance out at once): it shows as `degraded`.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database_ok = state.db.ping().await;
    let search_ok = match state.search.engine() {
        Some(engine) => engine.healthy().await,
        None => false,
    };
    let readiness = Readiness {
        database: if database_ok { "ok" } else { "unreachable" },
        search: if search_ok { "ok" } else { "degraded" },
    };
    if database_ok {
        HttpResponse::Ok().json(readiness)
    } else {
        HttpResponse::ServiceUnavailable().json(readiness)
    }
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // The outbox gauges come from the database (every instance's mail); without it the
    // rest of the page is still worth serving.
    let outbox = crate::mail::outbox::counts(state.db.reader()).await.ok();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(
            state.metrics.render(outbox)
                + &state.search.counters.render()
                + &state.file_texts.render_metrics().await,
        )
}
