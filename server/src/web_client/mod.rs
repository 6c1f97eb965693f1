//! Serves the browser client from `web/`: its page for every web address (the client routes
//! on the path, see "Web addresses" in `docs/api.md`) and its files under
//! `/assets/<version>/`, with a Content-Security-Policy that allows no inline script.

mod assets;

use crate::page_security::{self, Referrer};
use actix_web::http::header;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use assets::{Asset, Source};
use std::sync::{Arc, LazyLock};

static SOURCE: LazyLock<Source> = LazyLock::new(Source::from_build);

/// Scripts, styles and connections (the API and its WebSocket) from this origin only;
/// nothing inline, no plugins, not framed. Images also from the hosts posts may show them
/// from (`markdown.image_hosts`: the renderer turns any other image into a link).
pub fn content_security_policy(image_hosts: &[String]) -> String {
    let mut images = String::from("'self' data: blob:");
    for host in image_hosts {
        // Host patterns as the config gives them (`images.example.org`, `*.example.org`);
        // anything that could end the directive is left out.
        if host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*' | ':'))
        {
            images.push(' ');
            images.push_str(host);
        }
    }
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Paths that belong to the server, never to the client's router.
const SERVER_PREFIXES: [&str; 6] = [
    "/api", "/docs", "/healthz", "/readyz", "/metrics", "/assets",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    // HEAD as well: link checkers and proxies ask it (actix answers it without a body).
    cfg.service(
        web::resource("/assets/{version}/{path:.*}")
            .route(web::get().to(asset))
            .route(web::head().to(asset)),
    );
}

/// The client's page for a web address; anything else the server does not know is a 404
/// problem (an unknown `/api/...` path among them).
pub async fn page_or_not_found(request: HttpRequest) -> HttpResponse {
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    if !is_read || is_server_path(request.path()) {
        return actix_web::ResponseError::error_response(&crate::error::ApiError::NotFound);
    }
    page(&request)
}

/// The address of the client's stylesheet now (`/assets/<version>/app.css`), for the few
/// pages the server renders alone in the client's look.
pub fn stylesheet_href() -> Option<String> {
    let bundle = SOURCE.bundle().ok()?;
    bundle.get("app.css")?;
    Some(format!("/assets/{}/app.css", bundle.version))
}

fn is_server_path(path: &str) -> bool {
    SERVER_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

fn page(request: &HttpRequest) -> HttpResponse {
    let rendered = SOURCE.bundle().ok().and_then(|bundle| {
        let template = bundle.get("index.html")?;
        let html = String::from_utf8_lossy(&template.bytes)
            .replace("{{assets}}", &format!("/assets/{}", bundle.version));
        Some((bundle.version.clone(), html))
    });
    let Some((version, html)) = rendered else {
        tracing::error!("the web client's index.html is missing");
        return actix_web::ResponseError::error_response(&crate::error::ApiError::NotFound);
    };
    // The page names the current version of every module: always revalidate it.
    let etag = format!("\"{version}\"");
    if is_fresh(request, &etag) {
        return secured(request, HttpResponse::NotModified())
            .insert_header((header::ETAG, etag))
            .finish();
    }
    secured(request, HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag))
        .body(html)
}

async fn asset(request: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (version, file) = path.into_inner();
    let bundle = match SOURCE.bundle() {
        Ok(bundle) => bundle,
        Err(error) => {
            tracing::error!(%error, "the web client's files cannot be read");
            return actix_web::ResponseError::error_response(&crate::error::ApiError::NotFound);
        }
    };
    let Some(found) = bundle.get(&file) else {
        return actix_web::ResponseError::error_response(&crate::error::ApiError::NotFound);
    };
    // Files of the current version never change under their address; a page left open
    // across an upgrade asks for an older version and gets today's file, revalidated.
    let cache = if bundle.version == version {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    serve(&request, found, cache)
}

fn serve(request: &HttpRequest, asset: Arc<Asset>, cache: &'static str) -> HttpResponse {
    if is_fresh(request, &asset.etag) {
        return secured(request, HttpResponse::NotModified())
            .insert_header((header::ETAG, asset.etag.clone()))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish();
    }
    secured(request, HttpResponse::Ok())
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, asset.etag.clone()))
        .body(actix_web::web::Bytes::copy_from_slice(&asset.bytes))
}

fn is_fresh(request: &HttpRequest, etag: &str) -> bool {
    request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag))
}

fn secured(
    request: &HttpRequest,
    mut builder: actix_web::HttpResponseBuilder,
) -> actix_web::HttpResponseBuilder {
    let hosts = request
        .app_data::<web::Data<crate::AppState>>()
        .map(|state| state.config.markdown.image_hosts.clone())
        .unwrap_or_default();
    page_security::secure(
        &mut builder,
        &content_security_policy(&hosts),
        Referrer::SameOrigin,
    );
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_may_come_from_the_configured_hosts_only() {
        let policy = content_security_policy(&[
            "images.example.org".into(),
            "*.cdn.example".into(),
            "evil; script-src *".into(),
        ]);
        assert!(
            policy.contains("img-src 'self' data: blob: images.example.org *.cdn.example;"),
            "{policy}"
        );
        assert!(!policy.contains("evil"));
        assert!(policy.contains("script-src 'self';"));
    }

    #[test]
    fn server_paths_are_not_the_clients() {
        for path in [
            "/api",
            "/api/v1/nothing",
            "/docs",
            "/metrics",
            "/assets/x/y.js",
        ] {
            assert!(is_server_path(path), "{path}");
        }
        for path in ["/", "/threads/12", "/apiary", "/docsearch", "/search"] {
            assert!(!is_server_path(path), "{path}");
        }
    }
}
