//! The browser client as the server delivers it: its page at every web address, its files
//! cached by version, a CSP that allows no inline script, and the API's helpers for it
//! (markdown preview, notifications in words with their web address).

use crate::backend_test;
use crate::helpers::{token_after, unfold_quoted_printable, wait_for_email, TestApp};
use reqwest::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn fetch(app: &TestApp, method: Method, path: &str, etag: Option<&str>) -> reqwest::Response {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    request.send().await.expect("request sent")
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `/assets/<version>/...` address of `file` named by the page.
fn asset_address(page: &str, file: &str) -> String {
    let end = page
        .find(file)
        .unwrap_or_else(|| panic!("the page names {file}"))
        + file.len();
    let start = page[..end].rfind("/assets/").expect("an assets address");
    page[start..end].to_owned()
}

backend_test! {
    /// Every web address of the contract opens the client (reload and links from emails
    /// work); what belongs to the server stays the server's.
    async fn every_web_address_serves_the_client_page(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        for path in ["/", "/threads/12", "/networks/3/members", "/search?q=attendance", "/sign-in/link?token=abc", "/invitations/xyz", "/settings"] {
            let response = fetch(&app, Method::GET, path, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert!(header(&response, CONTENT_TYPE).starts_with("text/html"), "{path}");
            let csp = header(&response, CONTENT_SECURITY_POLICY);
            assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
            assert!(csp.contains("frame-ancestors 'none'"));
            assert_eq!(header(&response, CACHE_CONTROL), "no-cache");
            let page = response.text().await.unwrap();
            assert!(page.contains("<main id=\"main\""), "{path}");
            // No inline script: every <script> loads a file.
            for script in page.split("<script").skip(1) {
                let tag = &script[..script.find('>').unwrap()];
                assert!(tag.contains("src=\"/assets/"), "inline script in {path}: {tag}");
            }
        }
        // Unknown API paths, and writes to page addresses, stay problem+json 404s.
        let unknown = fetch(&app, Method::GET, "/api/v1/no-such-thing", None).await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        assert!(header(&unknown, CONTENT_TYPE).starts_with("application/problem+json"));
        let write = fetch(&app, Method::POST, "/threads/12", None).await;
        assert_eq!(write.status(), StatusCode::NOT_FOUND);
        assert!(header(&write, CONTENT_TYPE).starts_with("application/problem+json"));
        // The server's own pages are still its own.
        let docs = fetch(&app, Method::GET, "/docs", None).await;
        assert!(!docs.text().await.unwrap().contains("<main id=\"main\""));
        let health = fetch(&app, Method::GET, "/healthz", None).await;
        assert!(header(&health, CONTENT_TYPE).starts_with("application/json"));
    }
}

backend_test! {
    /// Files are addressed by a version that changes with their content, so browsers may
    /// keep them for a year; an older version is served revalidated, never stale forever.
    async fn client_files_are_cached_by_version(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let page = fetch(&app, Method::GET, "/", None).await.text().await.unwrap();
        let main = asset_address(&page, "/js/main.js");
        let response = fetch(&app, Method::GET, &main, None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header(&response, CONTENT_TYPE).starts_with("text/javascript"));
        assert_eq!(header(&response, CACHE_CONTROL), "public, max-age=31536000, immutable");
        let etag = header(&response, ETAG);
        assert!(response.text().await.unwrap().contains("router.start"));
        let again = fetch(&app, Method::GET, &main, Some(&etag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let head = fetch(&app, Method::HEAD, &main, None).await;
        assert_eq!(head.status(), StatusCode::OK);
        assert!(header(&head, CONTENT_TYPE).starts_with("text/javascript"));
        assert!(head.bytes().await.unwrap().is_empty());

        // Modules import each other relatively, inside the same version.
        let api = main.replace("/js/main.js", "/js/api.js");
        assert_eq!(fetch(&app, Method::GET, &api, None).await.status(), StatusCode::OK);
        let css = asset_address(&page, "/app.css");
        let styles = fetch(&app, Method::GET, &css, None).await;
        assert!(header(&styles, CONTENT_TYPE).starts_with("text/css"));

        let old = fetch(&app, Method::GET, "/assets/0000000000000000/js/main.js", None).await;
        assert_eq!(old.status(), StatusCode::OK);
        assert_eq!(header(&old, CACHE_CONTROL), "no-cache");

        for missing in ["/assets/v/js/none.js", "/assets/v/../Cargo.toml", "/assets/v/%2e%2e/server/Cargo.toml"] {
            let response = fetch(&app, Method::GET, missing, None).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        }
    }
}

backend_test! {
    /// What the first page loads (the page, its styles and the modules main.js imports
    /// before any view) stays under 150 KB; views load on demand.
    async fn the_first_page_stays_small(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let page = fetch(&app, Method::GET, "/", None).await.text().await.unwrap();
        let base = asset_address(&page, "/js/main.js").replace("/js/main.js", "");
        let mut pending = vec!["js/main.js".to_owned()];
        let mut loaded = std::collections::BTreeSet::new();
        let mut total = page.len() + fetch(&app, Method::GET, &format!("{base}/app.css"), None).await.bytes().await.unwrap().len();
        while let Some(module) = pending.pop() {
            if !loaded.insert(module.clone()) {
                continue;
            }
            let source = fetch(&app, Method::GET, &format!("{base}/{module}"), None).await.text().await.unwrap();
            total += source.len();
            let dir = module.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            // Static imports only: `import … from './x.js'` and `import './x.js'`.
            for line in source.lines().filter(|l| l.starts_with("import ")) {
                let Some(spec) = line.split(['\'', '"']).nth(1) else { continue };
                let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
                for segment in spec.split('/') {
                    match segment {
                        "." => {}
                        ".." => { parts.pop(); }
                        name => parts.push(name),
                    }
                }
                pending.push(parts.join("/"));
            }
        }
        assert!(loaded.len() >= 5, "{loaded:?}");
        assert!(!loaded.iter().any(|m| m.starts_with("js/views/")), "views load on demand: {loaded:?}");
        assert!(total < 150 * 1024, "the first page loads {total} bytes");
    }
}

backend_test! {
    /// The composer's preview is exactly what would be stored: rendered, sanitized.
    async fn markdown_preview_renders_like_a_saved_post(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Preview").await;
        let body = "**Bold** idea <script>alert(1)</script> [x](javascript:alert(1))";
        let preview = app.post(&admin, "/markdown/preview", json!({"body": body})).await.expect(200);
        let html = preview.body["body_html"].as_str().unwrap();
        assert!(html.contains("<strong>Bold</strong>"));
        assert!(!html.contains("<script") && !html.contains("javascript:"), "{html}");
        let thread = app.post(&admin, &format!("/networks/{network}/threads"), json!({"title": "t", "body": body, "tags": []})).await.expect(201);
        assert_eq!(thread.body["body_html"], preview.body["body_html"]);

        app.request(Method::POST, "/markdown/preview", None, Some(json!({"body": "x"}))).await.expect(401);
        let refused = app.post(&admin, "/markdown/preview", json!({"body": "a\u{0}b"})).await.expect(422);
        assert!(refused.body["errors"]["body"].is_string());
        app.post(&admin, "/markdown/preview", json!({"body": "x".repeat(50_001)})).await.expect(422);
        app.post(&admin, "/markdown/preview", json!({"body": "x", "extra": 1})).await.expect(422);
    }
}

backend_test! {
    /// Notifications say what happened and where it leads, as emails do, so the bell and
    /// the notifications page link to the right post.
    async fn notifications_carry_words_and_a_web_address(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Words").await;
        let member = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let thread = app.create_thread(&admin, &network, "Bus routes").await;
        let thread_id = thread["id"].as_str().unwrap();
        app.reply(&admin, thread_id, &format!("@{} what do you think?", member.handle)).await;
        let page = app.get(&member, "/notifications").await.expect(200);
        let mention = page.body["items"].as_array().unwrap().iter().find(|n| n["kind"] == "mentioned").expect("a mention");
        assert_eq!(mention["headline"], "Ada Admin mentioned you in “Bus routes”");
        assert_eq!(mention["url"], format!("/threads/{thread_id}#post-2"));
        assert!(mention["detail"].as_str().unwrap().contains("what do you think?"));
    }
}

backend_test! {
    /// Links in emails are path addresses of the client, not `/#/` ones.
    async fn email_links_are_web_addresses(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Links").await;
        app.post(&admin, &format!("/networks/{network}/invitations"), json!({"email": "new@example.org"})).await.expect(201);
        let message = unfold_quoted_printable(&wait_for_email(&app.data_dir.join("outbox"), "new@example.org", "invited you").await);
        let token = token_after(&message, "/invitations/").expect("an invitation link");
        assert!(!message.contains("/#/"), "{message}");
        let page = fetch(&app, Method::GET, &format!("/invitations/{token}"), None).await;
        let page = page.text().await.unwrap();
        assert!(page.contains("<main id=\"main\""), "/invitations/{token}: {page}");
    }
}

/// The headers every page the server renders must carry, whatever its policy allows.
fn assert_secured(response: &reqwest::Response, what: &str) {
    assert!(
        header(response, CONTENT_TYPE).starts_with("text/html"),
        "{what}"
    );
    let csp = header(response, CONTENT_SECURITY_POLICY);
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(
        header(response, X_CONTENT_TYPE_OPTIONS),
        "nosniff",
        "{what}"
    );
    assert!(!header(response, REFERRER_POLICY).is_empty(), "{what}");
}

backend_test! {
    /// The reference page and the unsubscribe pages are as guarded as the client's page:
    /// not framed, not sniffed, each allowed exactly what it loads.
    async fn every_server_rendered_page_carries_the_security_headers(backend: Backend) {
        use base64::Engine;
        use sha2::Digest;
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Headers").await;
        let member = app.add_member(&admin, &network, "Pat Principal", "member").await;
        app.create_thread(&admin, &network, "Budget season").await;
        let preview = app.get(&member, "/me/digest/preview").await.expect(200);
        let token = crate::digests::unsubscribe_token(preview.body["text"].as_str().unwrap());

        let client = fetch(&app, Method::GET, "/", None).await;
        assert_secured(&client, "the client's page");
        assert_eq!(header(&client, REFERRER_POLICY), "same-origin");

        // The reference page styles itself inline: its policy allows that one style by hash.
        let docs = fetch(&app, Method::GET, "/docs", None).await;
        assert_eq!(docs.status(), StatusCode::OK);
        assert_secured(&docs, "/docs");
        let csp = header(&docs, CONTENT_SECURITY_POLICY);
        assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{csp}");
        let page = docs.text().await.unwrap();
        assert!(!page.contains("<script"), "/docs has a script");
        let style = &page[page.find("<style>").expect("a style") + 7..page.find("</style>").unwrap()];
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style));
        assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");

        // The unsubscribe pages carry a token in their address: it goes nowhere else.
        let confirm = fetch(&app, Method::GET, &format!("/unsubscribe?token={token}"), None).await;
        assert_eq!(confirm.status(), StatusCode::OK);
        assert_secured(&confirm, "the unsubscribe confirmation");
        assert_eq!(header(&confirm, REFERRER_POLICY), "no-referrer");
        // Its one form posts back here, which the policy allows.
        assert!(header(&confirm, CONTENT_SECURITY_POLICY).contains("form-action 'self'"));
        let done = fetch(&app, Method::POST, &format!("/unsubscribe?token={token}"), None).await;
        assert_eq!(done.status(), StatusCode::OK);
        assert_secured(&done, "the unsubscribe result");
        assert_eq!(header(&done, REFERRER_POLICY), "no-referrer");
        let broken = fetch(&app, Method::GET, "/unsubscribe?token=not-a-token", None).await;
        assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
        assert_secured(&broken, "the broken unsubscribe link");
    }
}
