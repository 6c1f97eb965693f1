//! Serves the browser client from `web/` (compiled in, so the binary is self-contained).

use actix_web::{web, HttpResponse};

const INDEX_HTML: &str = include_str!("../../web/index.html");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index));
}

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX_HTML)
}
