//! Images in posts: uploaded into a network, re-encoded without their metadata, refused when
//! they are not images or too large, and shown only to those who can see the network.

use crate::backend_test;
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;
use std::io::Write;
use std::path::Path;

/// A small JPEG from a camera that recorded where it was: an EXIF block with a GPS
/// position (45°N) right after the start of the image.
fn jpeg_with_gps() -> Vec<u8> {
    let mut plain = Vec::new();
    image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    })
    .write_with_encoder(image::codecs::jpeg::JpegEncoder::new(&mut plain))
    .unwrap();
    // TIFF, little-endian: IFD0 holds one entry, the GPS IFD's offset; the GPS IFD holds
    // GPSLatitudeRef "N" and GPSLatitude 45/1 0/1 0/1.
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend([0x25, 0x88, 4, 0]); // GPSInfo, LONG
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(26u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend([1, 0, 2, 0]); // GPSLatitudeRef, ASCII
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(*b"N\0\0\0");
    tiff.extend([2, 0, 5, 0]); // GPSLatitude, RATIONAL × 3
    tiff.extend(3u32.to_le_bytes());
    tiff.extend(56u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    for (n, d) in [(45u32, 1u32), (0, 1), (0, 1)] {
        tiff.extend(n.to_le_bytes());
        tiff.extend(d.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
    out.extend(kind);
    out.extend(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend(crc.finalize().to_be_bytes());
}

/// A few kilobytes that would decode to 30,000 × 30,000 pixels (3.6 GB).
fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend(30_000u32.to_be_bytes());
    header.extend(30_000u32.to_be_bytes());
    header.extend([8, 6, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &header);
    let mut zeros = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    zeros.write_all(&vec![0u8; 4 << 20]).unwrap();
    png_chunk(&mut out, b"IDAT", &zeros.finish().unwrap());
    png_chunk(&mut out, b"IEND", &[]);
    out
}

async fn upload(
    app: &TestApp,
    who: &Account,
    network: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Reply {
    use reqwest::multipart::{Form, Part};
    let form = Form::new().part("file", Part::bytes(bytes).file_name(file_name.to_owned()));
    app.send(
        app.client
            .post(app.url(&format!("/networks/{network}/images")))
            .bearer_auth(&who.access_token)
            .multipart(form),
    )
    .await
}

async fn fetch(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("sent")
}

/// Files kept in the store (its temporary uploads aside).
fn stored_files(root: &Path) -> usize {
    fn walk(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            if e.file_name() == "tmp" {
                                0
                            } else {
                                walk(&e.path())
                            }
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&root.join("files"))
}

backend_test! {
    async fn an_image_comes_back_without_its_metadata_and_only_to_those_who_see_its_network(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let mo = app.add_member(&admin, &network, "Mo Member", "member").await;
        let elsewhere = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"})).await.expect(201).id();
        let otto = app.add_member(&admin, &elsewhere, "Otto Outsider", "member").await;

        let original = jpeg_with_gps();
        assert!(original.windows(6).any(|w| w == b"Exif\0\0"), "the test image carries EXIF");
        app.get(&admin, &format!("/networks/{network}")).await.expect(200);
        upload(&app, &otto, &network, "whiteboard.jpg", original.clone()).await.expect(404);
        let image = upload(&app, &mo, &network, "whiteboard.jpg", original).await.expect(201).body;
        assert_eq!((image["width"].as_i64(), image["height"].as_i64()), (Some(64), Some(48)), "{image}");
        let url = image["url"].as_str().unwrap().to_owned();
        assert_eq!(url, format!("/api/v1/images/{}", image["id"].as_str().unwrap()));

        // What comes back is a new JPEG of the same picture, with nothing of the camera's.
        for path in [url.clone(), format!("{url}?size=full")] {
            let served = fetch(&app, &path, Some(&admin.access_token)).await;
            assert_eq!(served.status(), 200);
            assert_eq!(served.headers()["content-type"], "image/jpeg");
            assert_eq!(served.headers()["x-content-type-options"], "nosniff");
            let bytes = served.bytes().await.unwrap();
            assert!(!bytes.windows(4).any(|w| w == b"Exif"), "EXIF survived");
            assert!(!bytes.windows(2).any(|w| w == [0xFF, 0xE1]), "an APP1 segment survived");
            let decoded = image::load_from_memory(&bytes).expect("a JPEG");
            assert_eq!((decoded.width(), decoded.height()), (64, 48));
        }

        // In a post it is an image each reader's browser can load without a header.
        let thread = app.create_thread(&mo, &network, "Our attendance wall").await["id"].as_str().unwrap().to_owned();
        let posted = app.post(&mo, &format!("/threads/{thread}/posts"), json!({"body": format!("Here it is:\n\n![the whiteboard]({url})")})).await.expect(201).body;
        assert!(posted["body_html"].as_str().unwrap().contains(&format!("<img src=\"{url}?token=")), "{posted}");
        let page = app.get(&admin, &format!("/threads/{thread}/posts")).await.expect(200).body;
        let html = page["items"][1]["body_html"].as_str().unwrap().to_owned();
        let src = html.split("src=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("an img src").replace("&amp;", "&");
        assert!(src.starts_with(&format!("{url}?token=")), "{html}");
        let loaded = fetch(&app, &src, None).await;
        assert_eq!(loaded.status(), 200);
        assert_eq!(loaded.headers()["cache-control"], "private, max-age=3600");

        // Nobody else: not another network's member, not anyone without a header or a
        // link, and not a member removed a moment ago, whatever link they kept.
        assert_eq!(fetch(&app, &url, Some(&otto.access_token)).await.status(), 404);
        assert_eq!(fetch(&app, &url, None).await.status(), 401);
        assert_eq!(fetch(&app, &format!("{url}?token=forged"), None).await.status(), 401);
        let mine = app.get(&mo, &format!("/threads/{thread}/posts")).await.expect(200).body;
        let kept = mine["items"][1]["body_html"].as_str().unwrap().split("src=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
        app.delete(&admin, &format!("/networks/{network}/members/{}", mo.id)).await.expect(204);
        assert_eq!(fetch(&app, &kept, None).await.status(), 404);
        assert_eq!(fetch(&app, &url, Some(&mo.access_token)).await.status(), 404);
        upload(&app, &mo, &network, "again.jpg", jpeg_with_gps()).await.expect(404);
    }
}

backend_test! {
    async fn what_is_not_an_image_or_is_too_large_is_refused_and_nothing_is_kept(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.images.max_bytes = 200_000).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let before = stored_files(&app.data_dir);
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>"#.to_vec();
        let polyglot = b"GIF89a/*\x00\x00*/=1;alert(document.domain)//<html><script>alert(1)</script></html>".to_vec();
        for (name, bytes) in [("chart.svg", svg), ("cat.gif", polyglot), ("notes.txt", b"just words".to_vec())] {
            let refused = upload(&app, &admin, &network, name, bytes).await.expect(415);
            assert_eq!(refused.body["type"], "https://staffroom.dev/problems/unsupported_media_type", "{name}");
        }
        let bomb = png_bomb();
        assert!(bomb.len() < 200_000, "a small file: {} bytes", bomb.len());
        upload(&app, &admin, &network, "bomb.png", bomb).await.expect(413);
        upload(&app, &admin, &network, "huge.jpg", vec![0xFF; 250_000]).await.expect(413);
        let empty = app.send(
            app.client
                .post(app.url(&format!("/networks/{network}/images")))
                .bearer_auth(&admin.access_token)
                .multipart(reqwest::multipart::Form::new().text("caption", "no file")),
        )
        .await
        .expect(422);
        assert!(empty.body["errors"]["file"].is_string(), "{}", empty.text);
        assert_eq!(stored_files(&app.data_dir), before, "nothing refused was kept");
        app.request(Method::GET, "/images/999999", Some(&admin.access_token), None).await.expect(404);
    }
}

/// The signed address of the first image of this instance in `html`.
fn signed_src(html: &str) -> String {
    html.split("src=\"/api/v1/images/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("/api/v1/images/{rest}").replace("&amp;", "&"))
        .expect("an image")
}

backend_test! {
    async fn an_image_in_a_help_request_and_its_answer_loads_for_its_readers_only(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let elsewhere = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"})).await.expect(201).id();
        let otto = app.add_member(&admin, &elsewhere, "Otto Outsider", "member").await;
        let url = upload(&app, &ana, &network, "chart.jpg", jpeg_with_gps()).await.expect(201).body["url"].as_str().unwrap().to_owned();
        let asked = app
            .post(&ana, &format!("/networks/{network}/help-requests"), json!({"title": "Reading this chart", "body": format!("What does this dip mean?\n\n![the chart]({url})")}))
            .await
            .expect(201)
            .body;
        let id = asked["id"].as_str().unwrap().to_owned();
        let seen = app.get(&admin, &format!("/help-requests/{id}")).await.expect(200).body;
        let src = signed_src(seen["body_html"].as_str().unwrap());
        assert!(src.contains("?token="), "{src}");
        assert_eq!(fetch(&app, &src, None).await.status(), 200);
        let answered = app.post(&admin, &format!("/help-requests/{id}/responses"), json!({"body": format!("The week of the storm:\n\n![same chart]({url})")})).await.expect(201).body;
        assert_eq!(fetch(&app, &signed_src(answered["body_html"].as_str().unwrap()), None).await.status(), 200);
        let listed = app.get(&ana, &format!("/help-requests/{id}/responses")).await.expect(200).body;
        assert_eq!(fetch(&app, &signed_src(listed["items"][0]["body_html"].as_str().unwrap()), None).await.status(), 200);
        // Someone of another network sees neither the request nor the image.
        app.get(&otto, &format!("/help-requests/{id}")).await.expect(404);
        assert_eq!(fetch(&app, &url, Some(&otto.access_token)).await.status(), 404);
    }
}
