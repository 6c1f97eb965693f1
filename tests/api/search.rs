//! Full-text search through `/api/v1/search`: what a member finds, and what nobody else does.

use crate::backend_test;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// Searches as `who` until `ready` holds for the results (the index follows the event log
/// within moments), then returns them.
async fn search_until(
    app: &TestApp,
    who: &Account,
    query: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    eventually(
        Duration::from_secs(20),
        &format!("search {query:?}"),
        || async {
            let reply = app.get(who, &format!("/search?{query}")).await.expect(200);
            ready(&reply.body).then_some(reply.body)
        },
    )
    .await
}

fn keys(results: &Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{}:{}",
                h["type"].as_str().unwrap(),
                h["id"].as_str().unwrap()
            )
        })
        .collect()
}

fn has(results: &Value, doc_type: &str, id: &str) -> bool {
    keys(results).contains(&format!("{doc_type}:{id}"))
}

/// Waits until the indexer has applied every event so far (position = newest event id).
async fn indexed(app: &TestApp) {
    let newest = app.events().await.last().map(|e| e.0).unwrap_or(0);
    eventually(
        Duration::from_secs(20),
        "the indexer to catch up",
        || async {
            let metrics = app
                .request(Method::GET, "/metrics", None, None)
                .await
                .expect(200);
            let position: i64 = metrics
                .text
                .lines()
                .find_map(|l| l.strip_prefix("staffroom_search_position "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            (position >= newest).then_some(())
        },
    )
    .await
}

backend_test! {
    async fn members_find_threads_posts_resources_help_and_people_despite_typos(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        app.patch(&member, "/me", json!({"title": "Counselor", "organization": "Manor ISD", "expertise": ["mentoring", "family-engagement"]})).await.expect(200);
        let thread = app
            .post(&admin, &format!("/networks/{network}/threads"), json!({"title": "Attendance incentives that last", "body": "Raffles worked for two weeks.", "tags": ["incentives"]}))
            .await
            .expect(201)
            .id();
        let post = app.reply(&member, &thread, "Our ELL newcomers each get a buddy who checks in every morning.").await["id"].as_str().unwrap().to_owned();
        let resource = app
            .post(&admin, &format!("/networks/{network}/resources"), json!({"kind": "link", "title": "Attendance letter template", "url": "https://example.org/letter", "description": "A letter home after the third absence.", "tags": ["family-engagement"]}))
            .await
            .expect(201)
            .id();
        let help = app
            .post(&member, &format!("/networks/{network}/help-requests"), json!({"title": "Incentives for ninth graders", "body": "What has lasted longer than raffles?", "tags": ["incentives"]}))
            .await
            .expect(201)
            .id();
        indexed(&app).await;

        // A typo in both words still finds the thread, first.
        let found = search_until(&app, &member, "q=attendence+incentivs", |r| has(r, "thread", &thread)).await;
        assert_eq!(keys(&found)[0], format!("thread:{thread}"), "{found}");
        let hit = &found["hits"][0];
        assert_eq!(hit["network_id"], network.as_str());
        assert!(hit["url"].as_str().unwrap().ends_with(&format!("/threads/{thread}")), "{hit}");
        assert!(hit["snippet_html"].as_str().unwrap().contains("<mark>"), "{hit}");
        assert!(found["took_ms"].is_u64());

        // The last word is a prefix: "incent" finds the thread and the help request.
        let found = app.get(&member, "/search?q=incent").await.expect(200).body;
        assert!(has(&found, "thread", &thread) && has(&found, "help_request", &help), "{found}");
        assert_eq!(found["facets"]["type"]["help_request"], 1, "{found}");
        assert_eq!(found["facets"]["type"]["thread"], 1, "{found}");
        assert_eq!(found["facets"]["status"]["open"], 1, "{found}");
        assert_eq!(found["facets"]["network_id"][network.as_str()], found["total"], "{found}");

        // A synonym of the field: "emergent bilingual" finds the post that says ELL, titled
        // with its thread and linked to its place in it.
        let found = app.get(&member, "/search?q=emergent+bilingual").await.expect(200).body;
        assert!(has(&found, "post", &post), "{found}");
        let hit = found["hits"].as_array().unwrap().iter().find(|h| h["type"] == "post").unwrap();
        assert_eq!(hit["title"], "Attendance incentives that last");
        assert!(hit["url"].as_str().unwrap().contains(&format!("/threads/{thread}#post-2")), "{hit}");
        assert!(hit["snippet_html"].as_str().unwrap().contains("<mark>ELL</mark>"), "{hit}");

        // Resources by their description, people by their expertise and organization.
        let found = app.get(&member, "/search?q=letter+home").await.expect(200).body;
        assert!(has(&found, "resource", &resource), "{found}");
        let found = app.get(&admin, "/search?q=manor+mentoring").await.expect(200).body;
        let roxy = member.id.clone();
        assert!(has(&found, "member", &roxy), "{found}");
        assert_eq!(found["hits"][0]["network_id"], Value::Null, "a member hit names no network");

        // Filters and pages.
        let only_help = app.get(&member, "/search?q=incent&types=help_request").await.expect(200).body;
        assert_eq!(keys(&only_help), [format!("help_request:{help}")]);
        // (The resource's discussion thread carries its tags too.)
        let tagged = app.get(&member, "/search?q=attendance&tags=family-engagement").await.expect(200).body;
        assert!(has(&tagged, "resource", &resource) && !has(&tagged, "thread", &thread), "{tagged}");
        assert_eq!(tagged["facets"]["tags"]["family-engagement"], tagged["total"], "{tagged}");
        let open = app.get(&member, "/search?q=raffles&status=open").await.expect(200).body;
        assert_eq!(keys(&open), [format!("help_request:{help}")]);
        let all = app.get(&member, "/search?q=raffles").await.expect(200).body;
        assert_eq!(all["total"], 2, "{all}");
        let first = app.get(&member, "/search?q=raffles&limit=1").await.expect(200).body;
        let second = app.get(&member, "/search?q=raffles&limit=1&offset=1").await.expect(200).body;
        assert_eq!(first["total"], 2);
        assert_eq!(keys(&first).len(), 1);
        assert_eq!(keys(&second).len(), 1);
        assert_ne!(keys(&first), keys(&second));
        let mut both = [keys(&first), keys(&second)].concat();
        both.sort();
        let mut expected = keys(&all);
        expected.sort();
        assert_eq!(both, expected);
    }
}

backend_test! {
    async fn edits_and_deletes_are_reflected(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let thread = app.create_thread(&admin, &network, "Home visits").await["id"].as_str().unwrap().to_owned();
        let post = app.reply(&admin, &thread, "We visit with a translator from the zephyrine district.").await["id"].as_str().unwrap().to_owned();
        search_until(&app, &admin, "q=zephyrine", |r| has(r, "post", &post)).await;

        app.patch(&admin, &format!("/posts/{post}"), json!({"body": "We visit with a counselor from the quillfeather office."})).await.expect(200);
        search_until(&app, &admin, "q=quillfeather", |r| has(r, "post", &post)).await;
        let old = app.get(&admin, "/search?q=zephyrine").await.expect(200).body;
        assert_eq!(old["total"], 0, "the earlier text is unfindable: {old}");

        app.delete(&admin, &format!("/posts/{post}")).await.expect(204);
        search_until(&app, &admin, "q=quillfeather", |r| r["total"] == 0).await;

        let other = app.reply(&admin, &thread, "Marigoldish schedules for home visits.").await["id"].as_str().unwrap().to_owned();
        search_until(&app, &admin, "q=marigoldish", |r| has(r, "post", &other)).await;
        app.delete(&admin, &format!("/threads/{thread}")).await.expect(204);
        search_until(&app, &admin, "q=marigoldish", |r| r["total"] == 0).await;
        let gone = app.get(&admin, "/search?q=home+visits").await.expect(200).body;
        assert!(!has(&gone, "thread", &thread), "{gone}");
    }
}

backend_test! {
    async fn outsiders_and_members_removed_a_moment_ago_find_nothing(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let other_network = app
            .post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "listed"}))
            .await
            .expect(201)
            .id();
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let outsider = app.add_member(&admin, &other_network, "Otto Outsider", "member").await;
        // Someone in both networks: the outsider may find them, but never learn of the
        // private network through them.
        let both = app.add_member(&admin, &network, "Bea Bothways", "member").await;
        app.post(&both, &format!("/networks/{other_network}/join"), json!({})).await.expect(200);
        app.patch(&both, "/me", json!({"expertise": ["xylofractal"]})).await.expect(200);

        let thread = app
            .post(&admin, &format!("/networks/{network}/threads"), json!({"title": "Xylofractal attendance plan", "body": "Private xylofractal work.", "tags": ["xylofractal"]}))
            .await
            .expect(201)
            .id();
        indexed(&app).await;
        let seen = search_until(&app, &member, "q=xylofractal", |r| has(r, "thread", &thread)).await;
        assert!(seen["total"].as_u64().unwrap() >= 2, "{seen}");

        let outside = app.get(&outsider, "/search?q=xylofractal").await.expect(200).body;
        assert_eq!(keys(&outside), [format!("member:{}", both.id)], "only the shared colleague: {outside}");
        assert_eq!(outside["total"], 1);
        assert_eq!(outside["facets"]["type"], json!({"member": 1}));
        assert_eq!(outside["facets"]["tags"], json!({"xylofractal": 1}));
        assert_eq!(outside["facets"]["network_id"], json!({ other_network.as_str(): 1 }), "{outside}");
        assert_eq!(outside["hits"][0]["network_id"], Value::Null, "the private network leaks: {outside}");
        let filtered = app.get(&outsider, &format!("/search?q=xylofractal&network_id={network}")).await.expect(200).body;
        assert_eq!(filtered["total"], 0);

        // Removed now: nothing at once, before the index hears of it.
        app.delete(&admin, &format!("/networks/{network}/members/{}", member.id)).await.expect(204);
        let after = app.get(&member, "/search?q=xylofractal").await.expect(200).body;
        assert_eq!(after["total"], 0, "{after}");
        assert_eq!(after["hits"], json!([]));
        assert_eq!(after["facets"]["type"], json!({}));
        assert_eq!(after["facets"]["network_id"], json!({}));
    }
}

backend_test! {
    async fn bad_searches_are_refused_clearly(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, _) = app.admin_with_network("Attendance PLN").await;
        for (query, field) in [
            ("q=", "q"),
            ("q=%20%20", "q"),
            (&format!("q={}", "a".repeat(201)) as &str, "q"),
            ("q=x&types=network", "types"),
            ("q=x&limit=500", "limit"),
            ("q=x&offset=995", "offset"),
            ("q=x&status=pending", "status"),
            ("q=x&colour=red", "query"),
        ] {
            let refused = app.get(&admin, &format!("/search?{query}")).await.expect(422);
            assert!(refused.content_type().starts_with("application/problem+json"));
            assert!(refused.body["errors"][field].is_string(), "{query}: {}", refused.body);
        }
        app.request(Method::GET, "/api/v1/search?q=x", None, None).await.expect(401);
    }
}

backend_test! {
    async fn an_instance_without_its_search_index_serves_everything_else(backend: Backend) {
        let first = TestApp::spawn(&backend).await;
        let (admin, network) = first.admin_with_network("Attendance PLN").await;
        // The embedded index belongs to the first instance; a second one on the same data
        // folder cannot open it.
        let second = TestApp::spawn_on(first.database.clone(), |_| {}).await;
        let ready = second.request(Method::GET, "/readyz", None, None).await.expect(200);
        assert_eq!(ready.body["database"], "ok");
        assert_eq!(ready.body["search"], "degraded");
        let refused = second.get(&admin, "/search?q=attendance").await.expect(503);
        assert!(refused.content_type().starts_with("application/problem+json"));
        assert_eq!(refused.body["type"], "https://staffroom.dev/problems/unavailable");
        assert!(refused.headers.get("retry-after").is_some());
        // Bad input is still refused as such.
        second.get(&admin, "/search?q=").await.expect(422);
        second.create_thread(&admin, &network, "Still writable").await;
        let ready = first.request(Method::GET, "/readyz", None, None).await.expect(200);
        assert_eq!(ready.body["search"], "ok");
    }
}
