//! The resource library: uploads and downloads, versions, limits, media types, votes,
//! sorting and filtering, discussions.

use crate::backend_test;
use crate::helpers::*;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Deterministic, incompressible-looking bytes.
fn sample_bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut state: u32 = 0x9E37_79B9 ^ u32::from(seed);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state & 0xFF) as u8
        })
        .collect()
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn file_form(title: &str, file_name: &str, claimed_type: &str, bytes: Vec<u8>) -> Form {
    Form::new()
        .text("title", title.to_owned())
        .text("kind", "file")
        .text("description", "Shared at the **fall** convening.")
        .text("tags", "attendance, family-engagement")
        .text("grade_levels", "9")
        .text("subjects", r#"["Counseling"]"#)
        .part(
            "file",
            Part::bytes(bytes)
                .file_name(file_name.to_owned())
                .mime_str(claimed_type)
                .unwrap(),
        )
}

async fn upload(app: &TestApp, who: &Account, path: &str, form: Form) -> Reply {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(&who.access_token)
        .multipart(form)
        .send()
        .await
        .expect("upload sent");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

struct Download {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

async fn download(app: &TestApp, who: &Account, path: &str, headers: &[(&str, &str)]) -> Download {
    let mut request = app.client.get(app.url(path)).bearer_auth(&who.access_token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("download sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Download {
        status,
        headers,
        bytes: response.bytes().await.unwrap().to_vec(),
    }
}

fn header<'a>(download: &'a Download, name: &str) -> &'a str {
    download
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Every regular file under `dir`.
fn stored_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(stored_files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

backend_test! {
    async fn an_uploaded_file_downloads_byte_identical_with_ranges_and_caching(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let bytes = sample_bytes(300 * 1024 + 17, 1);
        let created = upload(&app, &admin, &format!("/networks/{network}/resources"), file_form("Attendance data template", "template.xlsx", "application/vnd.ms-excel", bytes.clone()))
            .await
            .expect(201);
        let resource = created.id();
        assert_eq!(created.body["kind"], "file");
        assert_eq!(created.body["tags"], json!(["attendance", "family-engagement"]));
        assert_eq!(created.body["grade_levels"], json!(["9"]));
        assert_eq!(created.body["subjects"], json!(["counseling"]));
        assert_eq!(created.body["current_version"], 1);
        let version = &created.body["versions"][0];
        assert_eq!(version["sha256"], hex_sha256(&bytes).as_str());
        assert_eq!(version["size_bytes"], bytes.len());
        assert_eq!(version["file_name"], "template.xlsx");
        assert_eq!(version["media_type"], "application/octet-stream", "unknown bytes are not what the client claimed");

        let path = format!("/resources/{resource}/download");
        let full = download(&app, &member, &path, &[]).await;
        assert_eq!(full.status, 200);
        assert!(full.bytes == bytes, "byte-identical download");
        assert_eq!(hex_sha256(&full.bytes), hex_sha256(&bytes));
        assert_eq!(header(&full, "content-type"), "application/octet-stream");
        assert!(header(&full, "content-disposition").starts_with("attachment; filename=\"template.xlsx\""));
        assert_eq!(header(&full, "etag"), format!("\"{}\"", hex_sha256(&bytes)));
        assert_eq!(header(&full, "accept-ranges"), "bytes");

        let cached = download(&app, &member, &path, &[("if-none-match", header(&full, "etag"))]).await;
        assert_eq!(cached.status, 304);
        assert!(cached.bytes.is_empty());

        let first = download(&app, &member, &path, &[("range", "bytes=0-99")]).await;
        assert_eq!(first.status, 206);
        assert_eq!(first.bytes, bytes[..100]);
        assert_eq!(header(&first, "content-range"), format!("bytes 0-99/{}", bytes.len()));
        let tail = download(&app, &member, &path, &[("range", "bytes=-17")]).await;
        assert_eq!(tail.bytes, bytes[bytes.len() - 17..]);
        let middle = download(&app, &member, &path, &[("range", &format!("bytes=1000-{}", 2000))]).await;
        assert_eq!(middle.bytes, bytes[1000..=2000]);
        let beyond = download(&app, &member, &path, &[("range", &format!("bytes={}-", bytes.len()))]).await;
        assert_eq!(beyond.status, 416);
        assert_eq!(header(&beyond, "content-range"), format!("bytes */{}", bytes.len()));
        let stale = download(&app, &member, &path, &[("range", "bytes=0-9"), ("if-range", "\"something-else\"")]).await;
        assert_eq!(stale.status, 200, "If-Range that does not match gets the whole file");

        // Full downloads and first ranges count; the 304, later ranges and the 416 do not.
        let counted = app.get(&member, &format!("/resources/{resource}")).await.expect(200);
        assert_eq!(counted.body["download_count"], 3);
    }
}

backend_test! {
    async fn new_versions_keep_old_ones_downloadable(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let first = b"school,chronic_absence\nLehman,0.21\n".to_vec();
        let second = b"school,chronic_absence\nLehman,0.17\nDessau,0.12\n".to_vec();
        let resource = upload(&app, &member, &format!("/networks/{network}/resources"), file_form("Rates", "rates.csv", "text/csv", first.clone()))
            .await
            .expect(201)
            .id();
        let new_version = Form::new()
            .text("note", "Spring numbers added")
            .part("file", Part::bytes(second.clone()).file_name("rates-spring.csv"));
        let versioned = upload(&app, &member, &format!("/resources/{resource}/versions"), new_version).await.expect(201);
        assert_eq!(versioned.body["current_version"], 2);
        let versions = versioned.body["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0]["version"], 2);
        assert_eq!(versions[0]["note"], "Spring numbers added");
        assert_eq!(versions[0]["media_type"], "text/csv");

        let current = download(&app, &admin, &format!("/resources/{resource}/download"), &[]).await;
        assert_eq!(current.bytes, second);
        assert!(header(&current, "content-disposition").contains("rates-spring.csv"));
        let old = download(&app, &admin, &format!("/resources/{resource}/download?version=1"), &[]).await;
        assert_eq!(old.bytes, first);
        assert_eq!(download(&app, &admin, &format!("/resources/{resource}/download?version=3"), &[]).await.status, 404);

        let other = app.add_member(&admin, &network, "Sam Ortiz", "member").await;
        let refused = upload(&app, &other, &format!("/resources/{resource}/versions"), Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.csv"))).await;
        assert_eq!(refused.status, 403);
        let no_file = upload(&app, &member, &format!("/resources/{resource}/versions"), Form::new().text("note", "nothing")).await;
        assert_eq!(no_file.status, 422);
        let json = app.post(&member, &format!("/resources/{resource}/versions"), json!({"note": "x"})).await;
        assert_eq!(json.status, 415);
    }
}

backend_test! {
    async fn oversized_uploads_are_refused_and_leave_nothing_behind(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.max_upload_bytes = 32 * 1024).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let events_before = app.events().await.len();
        let refused = upload(&app, &admin, &format!("/networks/{network}/resources"), file_form("Too big", "big.bin", "application/octet-stream", sample_bytes(48 * 1024, 2)))
            .await
            .expect(413);
        assert!(refused.content_type().starts_with("application/problem+json"));

        // A client that announces a huge body is refused before it sends it.
        let address = app.address.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST /api/v1/networks/{network}/resources HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 900000000\r\n\r\n--x\r\n",
            admin.access_token
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut response = vec![0u8; 4096];
        let read = stream.read(&mut response).await.unwrap();
        let response = String::from_utf8_lossy(&response[..read]).to_string();
        assert!(response.starts_with("HTTP/1.1 413"), "{response}");

        let files = stored_files(&app.database.data_dir.join("files"));
        assert!(files.is_empty(), "nothing stored: {files:?}");
        let listed = app.get(&admin, &format!("/networks/{network}/resources")).await.expect(200);
        assert!(listed.body["items"].as_array().unwrap().is_empty());
        assert_eq!(app.events().await.len(), events_before, "no event for a refused upload");
    }
}

backend_test! {
    async fn media_types_come_from_the_bytes_and_names_are_neutralised(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
        png.extend(sample_bytes(200, 3));
        let disguised = upload(&app, &admin, &format!("/networks/{network}/resources"), file_form("Chart", "report.pdf", "application/pdf", png.clone()))
            .await
            .expect(201);
        assert_eq!(disguised.body["versions"][0]["media_type"], "image/png");
        let fetched = download(&app, &admin, &format!("/resources/{}/download", disguised.id()), &[]).await;
        assert_eq!(header(&fetched, "content-type"), "image/png");
        assert_eq!(header(&fetched, "x-content-type-options"), "nosniff");

        let sneaky = upload(&app, &admin, &format!("/networks/{network}/resources"), file_form("Passwords", "../../../etc/passwd", "text/plain", b"root:x:0:0".to_vec()))
            .await
            .expect(201);
        assert_eq!(sneaky.body["versions"][0]["file_name"], "passwd");
        let fetched = download(&app, &admin, &format!("/resources/{}/download", sneaky.id()), &[]).await;
        assert!(header(&fetched, "content-disposition").starts_with("attachment; filename=\"passwd\""));
        assert!(!app.database.data_dir.join("etc").exists() && !app.database.data_dir.parent().unwrap().join("etc/passwd").exists());
        for file in stored_files(&app.database.data_dir.join("files")) {
            assert!(file.starts_with(app.database.data_dir.join("files")));
        }
        let html = upload(&app, &admin, &format!("/networks/{network}/resources"), file_form("Page", "page.html", "text/html", b"<script>alert(1)</script>".to_vec()))
            .await
            .expect(201);
        assert_eq!(html.body["versions"][0]["media_type"], "text/plain");
    }
}

backend_test! {
    async fn links_and_file_less_resources_are_shared_as_json_and_validated(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let list = format!("/networks/{network}/resources");
        let link = app
            .post(&admin, &list, json!({"kind": "link", "title": "Positive Outliers Toolkit", "url": "https://www.attendanceworks.org/tools/", "tags": ["bright spots"]}))
            .await
            .expect(201);
        assert!(link.body["versions"].as_array().unwrap().is_empty());
        assert!(link.body["current_version"].is_null());
        assert_eq!(download(&app, &admin, &format!("/resources/{}/download", link.id()), &[]).await.status, 404);

        let missing = app.post(&admin, &list, json!({"kind": "link", "title": ""})).await.expect(422);
        assert!(missing.body["errors"]["url"].is_string() && missing.body["errors"]["title"].is_string());
        app.post(&admin, &list, json!({"kind": "file", "title": "No file"})).await.expect(422);
        app.post(&admin, &list, json!({"kind": "poster", "title": "x"})).await.expect(422);
        app.post(&admin, &list, json!({"kind": "link", "title": "x", "url": "javascript:alert(1)"})).await.expect(422);
        app.post(&admin, &list, json!({"kind": "tool", "title": "x", "colour": "red"})).await.expect(422);
        let text = app.client.post(app.url(&list)).bearer_auth(&admin.access_token).body("title=x").send().await.unwrap();
        assert_eq!(text.status(), 415);

        let plan = app
            .post(&admin, &list, json!({"kind": "lesson_plan", "title": "Advisory lesson: belonging", "description": "## Goals\n- Belonging", "grade_levels": ["9", "10"], "subjects": ["Advisory"]}))
            .await
            .expect(201);
        assert!(plan.body["description_html"].as_str().unwrap().contains("<h2>Goals</h2>"));
        let edited = app.patch(&admin, &format!("/resources/{}", plan.id()), json!({"title": "Advisory: belonging", "subjects": ["advisory", "sel"]})).await.expect(200);
        assert_eq!(edited.body["subjects"], json!(["advisory", "sel"]));
        assert_eq!(edited.body["grade_levels"], json!(["10", "9"]));
        app.patch(&admin, &format!("/resources/{}", plan.id()), json!({"kind": "tool"})).await.expect(422);
        app.delete(&admin, &format!("/resources/{}", plan.id())).await.expect(204);
        app.get(&admin, &format!("/resources/{}", plan.id())).await.expect(404);
    }
}

backend_test! {
    async fn the_library_sorts_by_votes_and_downloads_and_filters_by_label(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let a = app.add_member(&admin, &network, "Ana Lopez", "member").await;
        let b = app.add_member(&admin, &network, "Ben Bell", "member").await;
        let list = format!("/networks/{network}/resources");
        let share = |title: &str, kind: &str, tags: Value, subjects: Value| {
            json!({"kind": kind, "title": title, "url": "https://example.org/x", "tags": tags, "subjects": subjects, "grade_levels": ["6"]})
        };
        let first = app.post(&admin, &list, share("Call script", "tool", json!(["family-engagement"]), json!(["counseling"]))).await.expect(201).id();
        let second = app.post(&admin, &list, share("Data template", "template", json!(["attendance-data"]), json!(["math"]))).await.expect(201).id();
        let third = app.post(&admin, &list, share("Toolkit", "link", json!(["bright-spots"]), json!(["counseling"]))).await.expect(201).id();

        app.put(&a, &format!("/resources/{second}/helpful"), None).await.expect(200);
        app.put(&b, &format!("/resources/{second}/helpful"), None).await.expect(200);
        let voted = app.put(&b, &format!("/resources/{second}/helpful"), None).await.expect(200);
        assert_eq!(voted.body["helpful_count"], 2, "one vote per member");
        assert_eq!(voted.body["helpful_by_me"], true);
        app.put(&a, &format!("/resources/{third}/helpful"), None).await.expect(200);
        app.put(&admin, &format!("/resources/{third}/helpful"), None).await.expect(403);
        let unvoted = app.delete(&b, &format!("/resources/{second}/helpful")).await.expect(200);
        assert_eq!(unvoted.body["helpful_count"], 1);
        app.put(&b, &format!("/resources/{second}/helpful"), None).await.expect(200);

        let ids = |reply: Reply| -> Vec<String> {
            reply.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(ids(app.get(&a, &list).await.expect(200)), vec![third.clone(), second.clone(), first.clone()]);
        assert_eq!(ids(app.get(&a, &format!("{list}?sort=helpful")).await.expect(200)), vec![second.clone(), third.clone(), first.clone()]);
        let page = app.get(&a, &format!("{list}?sort=helpful&limit=2")).await.expect(200);
        let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
        assert_eq!(ids(app.get(&a, &format!("{list}?sort=helpful&limit=2&cursor={cursor}")).await.expect(200)), vec![first.clone()]);
        assert_eq!(ids(app.get(&a, &format!("{list}?kind=template")).await.expect(200)), vec![second.clone()]);
        assert_eq!(ids(app.get(&a, &format!("{list}?subject=Counseling")).await.expect(200)), vec![third.clone(), first.clone()]);
        assert_eq!(ids(app.get(&a, &format!("{list}?tag=bright-spots&subject=counseling")).await.expect(200)), vec![third.clone()]);
        assert_eq!(ids(app.get(&a, &format!("{list}?grade_level=6")).await.expect(200)).len(), 3);
        app.get(&a, &format!("{list}?sort=popular")).await.expect(422);
        app.get(&a, &format!("{list}?kind=poster")).await.expect(422);

        let file = upload(&app, &a, &list, file_form("Slides", "slides.pdf", "application/pdf", b"%PDF-1.7\n%slides".to_vec())).await.expect(201).id();
        download(&app, &b, &format!("/resources/{file}/download"), &[]).await;
        download(&app, &admin, &format!("/resources/{file}/download"), &[]).await;
        assert_eq!(ids(app.get(&a, &format!("{list}?sort=downloads")).await.expect(200))[0], file);
    }
}

backend_test! {
    async fn every_resource_has_its_own_discussion_thread(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let resource = app
            .post(&admin, &format!("/networks/{network}/resources"), json!({"kind": "tool", "title": "Home visit checklist", "description": "Use it before the first visit.", "tags": ["home-visits"]}))
            .await
            .expect(201);
        let thread = resource.body["discussion_thread_id"].as_str().expect("a discussion thread").to_owned();
        let opened = app.get(&member, &format!("/threads/{thread}")).await.expect(200);
        assert!(opened.body["title"].as_str().unwrap().starts_with("Home visit checklist"));
        assert!(opened.body["body"].as_str().unwrap().contains("Use it before the first visit."));
        assert_eq!(opened.body["tags"], json!(["home-visits"]));
        app.reply(&member, &thread, "We added a question about transportation.").await;
        let posts = app.get(&admin, &format!("/threads/{thread}/posts")).await.expect(200);
        assert_eq!(posts.body["items"].as_array().unwrap().len(), 2);
                let kinds: Vec<String> = app
            .events()
            .await
            .into_iter()
            .map(|(_, kind, _, _)| kind)
            .filter(|kind| kind != "notification.created")
            .collect();
        assert!(kinds.ends_with(&["thread.created".to_owned(), "resource.created".to_owned(), "post.created".to_owned()]), "{kinds:?}");
    }
}
