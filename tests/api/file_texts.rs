//! The words inside shared files: office documents are searchable, and a hostile file
//! costs a child process, never the server (its memory, its uptime, its indexer).

use crate::backend_test;
use crate::helpers::*;
use crate::made_files::{
    docx, docx_bomb, looping_pdf, memory_hungry_pdf, pdf_bomb, pptx, truncated,
};
use crate::process::{run_command, ServerProcess};
use crate::search::{has, search_until, SearchEngine};
use crate::search_test;
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

/// Short limits, so the file that never ends is given up within the test's patience, and
/// the one that needs memory runs out of it.
const LIMITS: [(&str, &str); 3] = [
    ("STAFFROOM_FILE_TEXT__CPU_SECS", "3"),
    ("STAFFROOM_FILE_TEXT__DEADLINE_SECS", "10"),
    ("STAFFROOM_FILE_TEXT__MEMORY_MIB", "96"),
];

/// The peak resident memory of process `pid`, in bytes (Linux's `VmHWM`).
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib * 1024
}

fn lesson_plan() -> Vec<u8> {
    docx(&[
        "Lesson plan: ratios with recipes",
        "Students scale a quokkaesque pancake recipe for the whole class.",
        "Exit ticket: 3 cups of flour for 12 pancakes; how many for 30?",
    ])
}

fn slide_deck() -> Vec<u8> {
    pptx(&[
        ("Attendance nudges", &["Why first-week calls matter"]),
        (
            "Numbatlike routines",
            &["Greet every student at the door", "Call home on day 2"],
        ),
    ])
}

backend_test! {
    async fn hostile_files_cost_a_child_process_never_the_server(backend: Backend) {
        let database = TestDatabase::create(&backend).await;
        let server = ServerProcess::start(&database, &LIMITS);
        let (admin, network) = server.admin_with_network("Math PLN").await;
        let before = peak_rss(server.pid());

        let pdf_bomb = server.share_file(&admin, &network, "Scanned handbook", "handbook.pdf", pdf_bomb()).await;
        let docx_bomb = server.share_file(&admin, &network, "Unit overview", "unit.docx", docx_bomb()).await;
        let looping = server.share_file(&admin, &network, "Looping flyer", "flyer.pdf", looping_pdf()).await;
        let half = server.share_file(&admin, &network, "Half a syllabus", "syllabus.docx", truncated(&lesson_plan())).await;
        let hungry = server.share_file(&admin, &network, "Hungry poster", "poster.pdf", memory_hungry_pdf()).await;
        let lesson = server.share_file(&admin, &network, "Ratios lesson", "ratios.docx", lesson_plan()).await;
        let slides = server.share_file(&admin, &network, "Attendance deck", "attendance.pptx", slide_deck()).await;

        // The server answers throughout, while children read (and die of) the files.
        let deadline = Instant::now() + Duration::from_secs(90);
        while server.metric("staffroom_file_texts_unreadable").await < 5 {
            let asked = Instant::now();
            server.request(Method::GET, "/healthz", None, None).await.expect(200);
            assert!(asked.elapsed() < Duration::from_secs(2), "/healthz took {:?}", asked.elapsed());
            assert!(Instant::now() < deadline, "the hostile files were not all given up within 90 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // Words inside real office documents are found, with a snippet of them.
        let found = search_until(&server, &admin, "q=quokkaesque", |r| has(r, "resource", &lesson)).await;
        let snippet = found["hits"][0]["snippet_html"].as_str().unwrap();
        assert!(snippet.contains("<mark>quokkaesque</mark> pancake"), "{found}");
        assert!(!snippet.contains("withdrawn"), "a tracked deletion is not a word of the document: {snippet}");
        search_until(&server, &admin, "q=numbatlike", |r| has(r, "resource", &slides)).await;
        // The hostile files' resources are still found by their titles, and downloadable.
        for (title, id) in [("handbook", &pdf_bomb), ("overview", &docx_bomb), ("flyer", &looping), ("syllabus", &half), ("poster", &hungry)] {
            search_until(&server, &admin, &format!("q={title}"), |r| has(r, "resource", id)).await;
        }
        let resource = server.get(&admin, &format!("/resources/{pdf_bomb}")).await.expect(200).body;
        let link = resource["versions"][0]["download_url"].as_str().expect("a download link").to_owned();
        let download = server.client.get(server.url(&link)).send().await.expect("download");
        assert_eq!(download.status().as_u16(), 200);
        assert_eq!(download.bytes().await.unwrap().as_ref(), crate::made_files::pdf_bomb().as_slice());

        // Later writes are searchable within seconds.
        let thread = server.create_thread(&admin, &network, "Okapian follow-up").await["id"].as_str().unwrap().to_owned();
        search_until(&server, &admin, "q=okapian", |r| has(r, "thread", &thread)).await;

        // The server's memory never depended on the files (12 GiB, 2 GiB and 120 MiB inflated).
        let peak = peak_rss(server.pid());
        eprintln!("the server peaked at {} MiB while reading hostile files (it started at {} MiB)", peak >> 20, before >> 20);
        assert!(peak < 256 * 1024 * 1024, "the server peaked at {} MiB (it started at {} MiB)", peak >> 20, before >> 20);

        // Operators see which files, why and when.
        assert_eq!(server.metric("staffroom_file_texts_unreadable").await, 5);
        let listing = run_command(&database, &["files", "unreadable"]).await;
        for expected in [
            "handbook.pdf", "a stream in it inflates to more than 32 MiB",
            "unit.docx", "its part word/document.xml inflates past the 16384 bytes it declares",
            "flyer.pdf",
            "syllabus.docx", "it is not a zip package it can read",
            "poster.pdf", "reading it needed more than 96 MiB of memory",
        ] {
            assert!(listing.contains(expected), "{expected:?} missing from:\n{listing}");
        }
        // Stopped by its processor time, or by the clock when the machine is busy.
        assert!(listing.contains("reading it took more than 3 s of processor time") || listing.contains("reading it took longer than 10 s"), "{listing}");
        assert!(!listing.contains("ratios.docx"), "{listing}");

        // A restart stays up, reads none of them again, and goes on indexing.
        server.kill();
        let server = ServerProcess::start(&database, &LIMITS);
        let later = server.create_thread(&admin, &network, "Wombatish reflections").await["id"].as_str().unwrap().to_owned();
        search_until(&server, &admin, "q=wombatish", |r| has(r, "thread", &later)).await;
        assert_eq!(server.metric("staffroom_file_texts_unreadable_total").await, 0);
        assert_eq!(server.metric("staffroom_file_texts_unreadable").await, 5);
        server.request(Method::GET, "/healthz", None, None).await.expect(200);
    }
}

search_test! {
    async fn office_files_are_found_and_unreadable_ones_skipped_by_the_indexer_and_a_rebuild(backend: Backend, engine: SearchEngine) {
        let app = TestApp::spawn_with(&backend, |config| {
            engine.configure(config);
            config.file_text.cpu_secs = 3;
        })
        .await;
        let (admin, network) = app.admin_with_network("Math PLN").await;
        let outsider_admin = app.register("Olga Outsider").await;
        let bomb = app.share_file(&admin, &network, "Unit overview", "unit.docx", docx_bomb()).await;
        let lesson = app.share_file(&admin, &network, "Ratios lesson", "ratios.docx", lesson_plan()).await;
        let slides = app.share_file(&admin, &network, "Attendance deck", "attendance.pptx", slide_deck()).await;
        let thread = app.create_thread(&admin, &network, "Okapian follow-up").await["id"].as_str().unwrap().to_owned();

        search_until(&app, &admin, "q=okapian", |r| has(r, "thread", &thread)).await;
        search_until(&app, &admin, "q=quokkaesque", |r| has(r, "resource", &lesson)).await;
        search_until(&app, &admin, "q=numbatlike", |r| has(r, "resource", &slides)).await;
        search_until(&app, &admin, "q=overview", |r| has(r, "resource", &bomb)).await;
        // Words of a file are found by the network's members only.
        let nothing = app.get(&outsider_admin, "/search?q=quokkaesque").await.expect(200).body;
        assert_eq!(nothing["total"], 0, "{nothing}");
        assert_eq!(app.metric("staffroom_file_texts_unreadable").await, 1);
        assert_eq!(app.metric("staffroom_file_texts_read_total").await, 2);

        // A rebuild moves past the unreadable file without reading any file again.
        app.post(&admin, "/admin/search/reindex", json!({})).await.expect(202);
        eventually(Duration::from_secs(60), "the rebuild", || async {
            let status = app.get(&admin, "/admin/search/reindex").await.expect(200).body;
            assert_ne!(status["state"], "failed", "{status}");
            (status["state"] == "done").then_some(())
        })
        .await;
        search_until(&app, &admin, "q=quokkaesque", |r| has(r, "resource", &lesson)).await;
        search_until(&app, &admin, "q=overview", |r| has(r, "resource", &bomb)).await;
        assert_eq!(app.metric("staffroom_file_texts_unreadable_total").await, 1);
        assert_eq!(app.metric("staffroom_file_texts_read_total").await, 2);
        let later = app.create_thread(&admin, &network, "Wombatish reflections").await["id"].as_str().unwrap().to_owned();
        search_until(&app, &admin, "q=wombatish", |r| has(r, "thread", &later)).await;
    }
}
