//! `/docs`: a human reference page rendered from the OpenAPI document on the server, so it
//! can never drift from the code and needs no JavaScript or CDN.

use super::openapi::DOCUMENT;
use crate::page_security::{self, Referrer};
use crate::text::escape_html as esc;
use actix_web::HttpResponse;
use std::fmt::Write;
use std::sync::LazyLock;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::RefOr;

static PAGE: LazyLock<String> = LazyLock::new(render);

/// The page's one style sheet, inline (the page loads nothing else); its policy allows
/// this style by its hash and nothing more.
const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2430}\
     h2{border-bottom:1px solid #ddd;margin-top:2.5rem}.op{margin:1.2rem 0;padding:.6rem .9rem;border:1px solid #e3e6ea;border-radius:6px}\
     .m{display:inline-block;min-width:4.5rem;font-weight:700}code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}\
     .r{color:#555;font-size:.9em}";

static POLICY: LazyLock<String> = LazyLock::new(|| page_security::inline_style_policy(STYLE));

pub async fn docs() -> HttpResponse {
    page_security::secure(&mut HttpResponse::Ok(), &POLICY, Referrer::SameOrigin)
        .content_type("text/html; charset=utf-8")
        .body(PAGE.as_str())
}

fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Head => "HEAD",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Trace => "TRACE",
    }
}

fn operations(item: &utoipa::openapi::PathItem) -> Vec<(HttpMethod, &Operation)> {
    [
        (HttpMethod::Get, &item.get),
        (HttpMethod::Post, &item.post),
        (HttpMethod::Put, &item.put),
        (HttpMethod::Patch, &item.patch),
        (HttpMethod::Delete, &item.delete),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_ref().map(|op| (method, op)))
    .collect()
}

fn schema_name<T>(schema: &RefOr<T>) -> String {
    match schema {
        RefOr::Ref(reference) => reference
            .ref_location
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
        RefOr::T(_) => "inline".to_owned(),
    }
}

fn render() -> String {
    let doc = &*DOCUMENT;
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} reference</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>{STYLE}</style></head><body><h1>{title}</h1><p>{description}</p>\
         <p>Machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. \
         Authenticate with <code>Authorization: Bearer &lt;access_token&gt;</code>.</p>",
        title = esc(&doc.info.title),
        description = esc(doc.info.description.as_deref().unwrap_or_default()),
    );
    for tag in doc.tags.iter().flatten() {
        let _ = write!(
            html,
            "<h2 id=\"{name}\">{name}</h2><p>{desc}</p>",
            name = esc(&tag.name),
            desc = esc(tag.description.as_deref().unwrap_or_default())
        );
        for (path, item) in doc.paths.paths.iter() {
            for (method, op) in operations(item) {
                if !op.tags.iter().flatten().any(|t| *t == tag.name) {
                    continue;
                }
                let _ = write!(
                    html,
                    "<div class=\"op\"><div><span class=\"m\">{}</span><code>{}</code></div>",
                    method_name(&method),
                    esc(path)
                );
                if let Some(summary) = op.summary.as_deref().or(op.description.as_deref()) {
                    let _ = write!(html, "<p>{}</p>", esc(summary));
                }
                if let Some(body) = &op.request_body {
                    for (media, content) in body.content.iter() {
                        let _ = write!(
                            html,
                            "<div class=\"r\">Body ({}): <code>{}</code></div>",
                            esc(media),
                            esc(&schema_name(
                                &content
                                    .schema
                                    .clone()
                                    .unwrap_or(RefOr::Ref(utoipa::openapi::Ref::new("inline")))
                            ))
                        );
                    }
                }
                let responses: Vec<String> = op
                    .responses
                    .responses
                    .iter()
                    .map(|(status, response)| match response {
                        RefOr::T(response) => format!("{} {}", status, response.description),
                        RefOr::Ref(_) => status.clone(),
                    })
                    .collect();
                let _ = write!(
                    html,
                    "<div class=\"r\">Responses: {}</div></div>",
                    esc(&responses.join(" · "))
                );
            }
        }
    }
    html.push_str("</body></html>");
    html
}
