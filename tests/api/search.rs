//! Full-text search through `/api/v1/search`: what a member finds, and what nobody else does.

use crate::backend_test;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// The search engines a test runs against: the embedded one always, Meilisearch when
/// `STAFFROOM_TEST_MEILI_URL` (and `STAFFROOM_TEST_MEILI_KEY`) name a running server.
#[derive(Clone, Debug)]
pub enum SearchEngine {
    Embedded,
    Meilisearch { url: String, key: Option<String> },
}

impl SearchEngine {
    pub fn meilisearch() -> Option<SearchEngine> {
        let url = std::env::var("STAFFROOM_TEST_MEILI_URL")
            .ok()
            .filter(|u| !u.is_empty());
        if url.is_none() {
            crate::skips::skip(
                "Meilisearch",
                "STAFFROOM_TEST_MEILI_URL is not set; the embedded engine was tested",
            );
        }
        url.map(|url| SearchEngine::Meilisearch {
            url,
            key: std::env::var("STAFFROOM_TEST_MEILI_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
        })
    }

    /// Points `config` at this engine; a Meilisearch test gets an index of its own.
    pub fn configure(&self, config: &mut staffroom::config::Config) {
        if let SearchEngine::Meilisearch { url, key } = self {
            config.meilisearch_url = Some(url.clone());
            config.meilisearch_key = key.clone();
            config.meilisearch_index = unique("test_");
        }
    }

    pub async fn spawn(&self, backend: &Backend) -> TestApp {
        TestApp::spawn_with(backend, |config| self.configure(config)).await
    }
}

/// A search test, once per database and search engine available.
#[macro_export]
macro_rules! search_test {
    (async fn $name:ident($backend:ident: Backend, $engine:ident: SearchEngine) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: Backend, $engine: SearchEngine) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded_sqlite() {
                within_limit(run(Backend::Sqlite, SearchEngine::Embedded)).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded_postgres() {
                if let Some(backend) = Backend::postgres_or_skip() {
                    within_limit(run(backend, SearchEngine::Embedded)).await
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn meilisearch_sqlite() {
                if let Some(engine) = SearchEngine::meilisearch() {
                    within_limit(run(Backend::Sqlite, engine)).await
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn meilisearch_postgres() {
                // Both are asked, so that each missing one is recorded.
                if let (Some(backend), Some(engine)) = (Backend::postgres_or_skip(), SearchEngine::meilisearch()) {
                    within_limit(run(backend, engine)).await
                }
            }
        }
    };
}

/// Searches as `who` until `ready` holds for the results (the index follows the event log
/// within moments), then returns them.
pub(crate) async fn search_until(
    app: &Api,
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

pub(crate) fn has(results: &Value, doc_type: &str, id: &str) -> bool {
    keys(results).contains(&format!("{doc_type}:{id}"))
}

/// Waits until the indexer has applied every event so far (position = newest event id).
pub(crate) async fn indexed(app: &TestApp) {
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

search_test! {
    async fn members_find_threads_posts_resources_help_and_people_despite_typos(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
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
        // The words matched the title only: the snippet is the text, never the title again.
        assert_eq!(hit["snippet_html"], "Raffles worked for two weeks.", "{hit}");
        assert!(found["took_ms"].is_u64());

        // The last word is a prefix: "incent" finds the thread and the help request.
        let found = app.get(&member, "/search?q=incent").await.expect(200).body;
        assert!(has(&found, "thread", &thread) && has(&found, "help_request", &help), "{found}");
        assert_eq!(found["facets"]["type"]["help_request"], 1, "{found}");
        assert_eq!(found["facets"]["type"]["thread"], 1, "{found}");
        assert_eq!(found["facets"]["status"]["help_request:open"], 1, "{found}");
        assert_eq!(found["facets"]["network_id"][network.as_str()], found["total"], "{found}");
        // Marks cover whole words, never the matched prefix alone ("<mark>raff</mark>les").
        let found = app.get(&member, "/search?q=raff").await.expect(200).body;
        assert!(has(&found, "thread", &thread) && has(&found, "help_request", &help), "{found}");
        for hit in found["hits"].as_array().unwrap() {
            let snippet = hit["snippet_html"].as_str().unwrap();
            assert!(snippet.contains("<mark>"), "{hit}");
            for (i, _) in snippet.match_indices("</mark>") {
                let next = snippet[i + "</mark>".len()..].chars().next();
                assert!(!next.is_some_and(char::is_alphanumeric), "a cut word: {snippet}");
            }
            for (i, _) in snippet.match_indices("<mark>") {
                let before = snippet[..i].chars().next_back();
                assert!(!before.is_some_and(char::is_alphanumeric), "a cut word: {snippet}");
            }
        }

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
        let open = app.get(&member, "/search?q=raffles&status=help_request:open").await.expect(200).body;
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

search_test! {
    async fn edits_and_deletes_are_reflected(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
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
        // A post hit is titled with its thread as it is now, and goes with it, at once:
        // neither waits for the index.
        app.patch(&admin, &format!("/threads/{thread}"), json!({"title": "Visits at home"})).await.expect(200);
        let renamed = app.get(&admin, "/search?q=marigoldish").await.expect(200).body;
        let hit = renamed["hits"].as_array().unwrap().iter().find(|h| h["type"] == "post").expect("the post");
        assert_eq!(hit["title"], "Visits at home", "{renamed}");
        assert_eq!(hit["author"]["display_name"], admin.display_name.as_str(), "{renamed}");
        app.delete(&admin, &format!("/threads/{thread}")).await.expect(204);
        let gone = app.get(&admin, "/search?q=marigoldish").await.expect(200).body;
        assert!(!has(&gone, "post", &other), "{gone}");
        search_until(&app, &admin, "q=marigoldish", |r| r["total"] == 0).await;
        let gone = app.get(&admin, "/search?q=home+visits").await.expect(200).body;
        assert!(!has(&gone, "thread", &thread), "{gone}");
    }
}

search_test! {
    async fn outsiders_and_members_removed_a_moment_ago_find_nothing(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
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

search_test! {
    async fn bad_searches_are_refused_clearly(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
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

/// Meilisearch, when the environment names one.
fn meilisearch_or_skip() -> Option<(String, Option<String>)> {
    match SearchEngine::meilisearch()? {
        SearchEngine::Meilisearch { url, key } => Some((url, key)),
        SearchEngine::Embedded => None,
    }
}

backend_test! {
    async fn meilisearch_down_for_a_while_catches_up_with_nothing_missing(backend: Backend) {
        let Some((url, key)) = meilisearch_or_skip() else { return };
        let target = url.trim_start_matches("http://").parse().expect("STAFFROOM_TEST_MEILI_URL is http://host:port");
        let proxy = crate::proxy::Proxy::start(target).await;
        let app = SearchEngine::Meilisearch { url: proxy.url(), key }.spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let first = app.create_thread(&admin, &network, "Quokkalike routines").await["id"].as_str().unwrap().to_owned();
        search_until(&app, &admin, "q=quokkalike", |r| has(r, "thread", &first)).await;

        proxy.down();
        // Everything else serves; the instance stays ready; search says when to come back.
        let ready = app.request(Method::GET, "/readyz", None, None).await.expect(200);
        assert_eq!(ready.body["search"], "degraded");
        let refused = app.get(&admin, "/search?q=quokkalike").await.expect(503);
        assert!(refused.headers.get("retry-after").is_some());
        assert_eq!(refused.body["type"], "https://staffroom.dev/problems/unavailable");
        let mut written = Vec::new();
        for n in 0..5 {
            written.push(app.create_thread(&admin, &network, &format!("Quokkalike plan {n}")).await["id"].as_str().unwrap().to_owned());
        }
        app.patch(&admin, &format!("/threads/{first}"), json!({"title": "Wombatish routines"})).await.expect(200);

        proxy.up();
        search_until(&app, &admin, "q=quokkalike&limit=50", |r| written.iter().all(|t| has(r, "thread", t))).await;
        // The edit made while it was down is there too.
        let renamed = search_until(&app, &admin, "q=wombatish", |r| has(r, "thread", &first)).await;
        assert_eq!(renamed["hits"][0]["title"], "Wombatish routines");
        let ready = app.request(Method::GET, "/readyz", None, None).await.expect(200);
        assert_eq!(ready.body["search"], "ok");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_meilisearch_index_each_event_once_and_take_over() {
    let (Some(backend), Some((url, key))) = (Backend::postgres_or_skip(), meilisearch_or_skip())
    else {
        return;
    };
    within_limit(async move {
        let index = unique("shared_");
        let configure = |config: &mut staffroom::config::Config| {
            config.meilisearch_url = Some(url.clone());
            config.meilisearch_key = key.clone();
            config.meilisearch_index = index.clone();
        };
        let first = TestApp::spawn_with(&backend, configure).await;
        let second = TestApp::spawn_on(first.database.clone(), configure).await;
        let (admin, network) = first.admin_with_network("Attendance PLN").await;
        let thread = first.create_thread(&admin, &network, "Shared index").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut posts = Vec::new();
        for n in 0..10 {
            let app = if n % 2 == 0 { &first } else { &second };
            posts.push(
                app.reply(&admin, &thread, &format!("Numbatty note {n}"))
                    .await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        for app in [&first, &second] {
            search_until(app, &admin, "q=numbatty&limit=50", |r| {
                posts.iter().all(|p| has(r, "post", p))
            })
            .await;
        }
        // One instance did all the indexing.
        let applied = [
            first
                .metric("staffroom_search_documents_applied_total")
                .await,
            second
                .metric("staffroom_search_documents_applied_total")
                .await,
        ];
        assert!(
            applied.contains(&0) && applied.iter().sum::<u64>() > 0,
            "both indexed: {applied:?}"
        );
        // The indexing instance stops; the other takes over.
        let (indexing, other) = if applied[0] > 0 {
            (first, second)
        } else {
            (second, first)
        };
        let holder = || async {
            use sea_orm::EntityTrait;
            staffroom::entities::search_positions::Entity::find_by_id(index.clone())
                .one(other.db())
                .await
                .expect("lease readable")
                .and_then(|row| row.holder)
        };
        let before = holder().await;
        assert!(before.is_some());
        drop(indexing);
        eventually(
            Duration::from_secs(20),
            "the other instance to take over",
            || async {
                let now = holder().await;
                (now.is_some() && now != before).then_some(())
            },
        )
        .await;
        let late = other.reply(&admin, &thread, "Numbatty afterthought").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        search_until(&other, &admin, "q=afterthought", |r| has(r, "post", &late)).await;
        // (Searchable a moment before the instance counts what it applied.)
        eventually(
            Duration::from_secs(10),
            "the new holder to count its work",
            || async {
                (other
                    .metric("staffroom_search_documents_applied_total")
                    .await
                    > 0)
                .then_some(())
            },
        )
        .await;
    })
    .await
}

search_test! {
    async fn a_rebuild_swaps_in_a_new_index_while_searches_answer(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let thread = app.create_thread(&admin, &network, "Capybaresque check-ins").await["id"].as_str().unwrap().to_owned();
        for n in 0..30 {
            app.reply(&member, &thread, &format!("Capybaresque note {n}")).await;
        }
        search_until(&app, &member, "q=capybaresque&limit=50", |r| r["total"] == 31).await;

        app.post(&member, "/admin/search/reindex", json!({})).await.expect(403);
        app.get(&member, "/admin/search/reindex").await.expect(403);
        let asked = app.post(&admin, "/admin/search/reindex", json!({})).await.expect(202);
        assert!(matches!(asked.body["state"].as_str(), Some("requested" | "running" | "done")), "{}", asked.body);
        // Searches answer, complete, all the way through.
        let mut searches = 0;
        loop {
            let found = app.get(&member, "/search?q=capybaresque&limit=50").await.expect(200).body;
            assert_eq!(found["total"], 31, "a search during the rebuild: {found}");
            searches += 1;
            let status = app.get(&admin, "/admin/search/reindex").await.expect(200).body;
            if status["state"] == "done" {
                assert_eq!(status["documents_done"], status["documents_total"], "{status}");
                assert!(status["documents_total"].as_i64().unwrap() >= 31);
                break;
            }
            assert_ne!(status["state"], "failed", "{status}");
            assert!(searches < 400, "the rebuild did not finish: {status}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Writes after the rebuild started are not lost.
        let late = app.reply(&member, &thread, "Capybaresque postscript").await["id"].as_str().unwrap().to_owned();
        search_until(&app, &member, "q=postscript", |r| has(r, "post", &late)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_rebuilds_the_embedded_index_of_a_stopped_server() {
    within_limit(async {
        let app = TestApp::spawn(&Backend::Sqlite).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let thread = app
            .create_thread(&admin, &network, "Axolotlish mentoring")
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        indexed(&app).await;
        let database = app.database.clone();
        let data_dir = database.data_dir.clone();
        let state = app.state.clone();
        drop(app);
        // Wait until the stopped server let go of its index (its indexer has ended).
        eventually(
            Duration::from_secs(20),
            "the index to be released",
            || async { (std::sync::Arc::strong_count(&state) == 1).then_some(()) },
        )
        .await;
        drop(state);
        std::fs::remove_dir_all(data_dir.join("search")).expect("the index folder");

        let printed = crate::process::run_command(&database, &["search", "reindex"]).await;
        assert!(printed.contains("Rebuilt the search index"), "{printed}");

        // A new server finds it at once without applying a single event: the rebuild did it.
        let again = TestApp::spawn_on(database, |_| {}).await;
        let found = again
            .get(&admin, "/search?q=axolotlish")
            .await
            .expect(200)
            .body;
        assert!(has(&found, "thread", &thread), "{found}");
        assert_eq!(
            again
                .metric("staffroom_search_documents_applied_total")
                .await,
            0
        );
    })
    .await
}

search_test! {
    async fn words_inside_shared_files_are_found(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let pdf = app.share_file(&admin, &network, "Toolkit", "toolkit.pdf", include_bytes!("../fixtures/toolkit.pdf").to_vec()).await;
        let csv = app.share_file(&admin, &network, "Rates", "rates.csv", b"campus,rate\nPlatypodean Middle,0.93\n".to_vec()).await;
        let notes = app.share_file(&admin, &network, "Notes", "notes.md", b"# Call script\n\nAsk about the *tapirine* bus route.".to_vec()).await;
        // A broken PDF is skipped (and logged); its resource is still found by its title,
        // and the indexer goes on.
        let broken = app.share_file(&admin, &network, "Broken jerboan scan", "scan.pdf", b"%PDF-1.7\n1 0 obj << /Broken".to_vec()).await;
        let after = app.create_thread(&admin, &network, "Okapian follow-up").await["id"].as_str().unwrap().to_owned();

        search_until(&app, &admin, "q=pangolinesque", |r| has(r, "resource", &pdf)).await;
        search_until(&app, &admin, "q=platypodean", |r| has(r, "resource", &csv)).await;
        let found = search_until(&app, &admin, "q=tapirine", |r| has(r, "resource", &notes)).await;
        // One line of the file's words, from either engine.
        let snippet = found["hits"][0]["snippet_html"].as_str().unwrap();
        assert!(snippet.contains("Ask about the *<mark>tapirine</mark>* bus route."), "{found}");
        assert!(!snippet.contains('\n'), "{snippet}");
        search_until(&app, &admin, "q=jerboan", |r| has(r, "resource", &broken)).await;
        search_until(&app, &admin, "q=okapian", |r| has(r, "thread", &after)).await;
    }
}

search_test! {
    async fn initiatives_and_tests_of_change_are_found_by_their_members_only(backend: Backend, engine: SearchEngine) {
        use crate::initiatives::attendance_world;
        let app = engine.spawn(&backend).await;
        let w = attendance_world(&app).await;
        let elsewhere = app.post(&w.admin, "/networks", json!({"name": "Elsewhere", "visibility": "listed"})).await.expect(201).id();
        let outsider = app.add_member(&w.admin, &elsewhere, "Otto Outsider", "member").await;
        let test = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({
                "team_id": w.lehman,
                "change_idea": "Quenderwick mentoring calls",
                "plan": {"what": "Advisors phone home", "prediction": "Absence falls"}
            }))
            .await
            .expect(201)
            .id();
        indexed(&app).await;

        // The aim's words find the initiative, a typo in the idea finds the test.
        let found = search_until(&app, &w.bystander, "q=graders%20absence", |r| has(r, "initiative", &w.initiative)).await;
        let hit = found["hits"].as_array().unwrap().iter().find(|h| h["type"] == "initiative").unwrap();
        assert!(hit["url"].as_str().unwrap().ends_with(&format!("/initiatives/{}", w.initiative)), "{hit}");
        let typo = search_until(&app, &w.bystander, "q=quenderwik&types=test_of_change", |r| has(r, "test_of_change", &test)).await;
        assert_eq!(typo["facets"]["status"], json!({"test_of_change:planning": 1}));
        assert!(typo["hits"][0]["url"].as_str().unwrap().ends_with(&format!("/tests/{test}")));

        // What the team learned becomes findable as they write it.
        app.patch(&w.lead, &format!("/tests/{test}"), json!({"status": "doing", "do_notes": "Zorbleton families answered"})).await.expect(200);
        search_until(&app, &w.bystander, "q=zorbleton", |r| has(r, "test_of_change", &test)).await;

        indexed(&app).await;
        for query in ["q=quenderwick", "q=graders%20absence", "q=zorbleton"] {
            let outside = app.get(&outsider, &format!("/search?{query}")).await.expect(200).body;
            assert_eq!(outside["total"], 0, "{query}: {outside}");
        }
    }
}

search_test! {
    async fn accents_and_case_are_folded_so_names_typed_without_them_are_found(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Central Texas PLN").await;
        let jose = app.add_member(&admin, &network, "José Peña", "member").await;
        let thread = app
            .post(&admin, &format!("/networks/{network}/threads"), json!({"title": "Año escolar: el calendario", "body": "Each niño gets a call home on the second absence."}))
            .await
            .expect(201)
            .id();
        let post = app.reply(&jose, &thread, "Lo hicimos en la primaria.").await["id"].as_str().unwrap().to_owned();
        indexed(&app).await;

        // Typed without accents, in any case: the thread by its title and body, the member by
        // their name, and the reply by its author's name nowhere (names are not post text).
        for (query, doc_type, id) in [
            ("ano+escolar", "thread", thread.as_str()),
            ("NINO", "thread", thread.as_str()),
            ("calendario", "thread", thread.as_str()),
            // Spanish stop words are left out of the query, as English ones are.
            ("el+calendario+del+ano+escolar", "thread", thread.as_str()),
            ("jose+pena", "member", jose.id.as_str()),
            ("primaria", "post", post.as_str()),
        ] {
            let found = search_until(&app, &admin, &format!("q={query}"), |r| has(r, doc_type, id)).await;
            assert_eq!(keys(&found)[0], format!("{doc_type}:{id}"), "{query}: {found}");
        }
        // With the accents typed, the same; the snippet marks the word as written.
        let found = search_until(&app, &admin, "q=ni%C3%B1o", |r| has(r, "thread", &thread)).await;
        let snippet = found["hits"][0]["snippet_html"].as_str().unwrap().to_owned();
        assert!(snippet.contains("<mark>niño</mark>"), "{snippet}");
        let found = app.get(&admin, "/search?q=nino").await.expect(200).body;
        let snippet = found["hits"][0]["snippet_html"].as_str().unwrap().to_owned();
        assert!(snippet.contains("<mark>niño</mark>"), "typed without the accent: {snippet}");
    }
}

search_test! {
    async fn every_status_the_facet_offers_is_a_filter_that_narrows_to_it(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Garden PLN").await;
        let lead = app.add_member(&admin, &network, "Lena Lead", "member").await;
        let created = |path: String, body: Value| {
            let app = &app;
            let admin = &admin;
            async move { app.post(admin, &path, body).await.expect(201).id() }
        };
        created(format!("/networks/{network}/help-requests"), json!({"title": "Zinnia seeds for the garden club", "body": "Who has some?", "tags": []})).await;
        created(format!("/networks/{network}/polls"), json!({"question": "Zinnia or marigold?", "kind": "single", "options": ["Zinnia", "Marigold"]})).await;
        created(format!("/networks/{network}/convenings"), json!({"title": "Zinnia convening", "starts_at": "2027-03-04T09:00:00Z", "ends_at": "2027-03-04T10:00:00Z"})).await;
        let initiative = created(format!("/networks/{network}/initiatives"), json!({
            "title": "Zinnia garden attendance", "problem": "Garden days are missed.", "aim": "Fewer missed garden days by May",
            "measure": {"name": "Missed days", "unit": "%", "direction": "decrease", "cadence": "weekly", "target": 5}
        }))
        .await;
        let team = created(format!("/initiatives/{initiative}/teams"), json!({"name": "Lehman HS", "organization": "Bronx district", "member_ids": [lead.id]})).await;
        app.post(&lead, &format!("/initiatives/{initiative}/tests"), json!({"team_id": team, "change_idea": "Zinnia buddies", "plan": {}}))
            .await
            .expect(201);
        indexed(&app).await;

        let all = search_until(&app, &admin, "q=zinnia", |r| r["facets"]["status"].as_object().is_some_and(|s| s.len() == 5)).await;
        let statuses = all["facets"]["status"].as_object().unwrap().clone();
        let mut names: Vec<&str> = statuses.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, ["convening:scheduled", "help_request:open", "initiative:active", "poll:open", "test_of_change:planning"], "{all}");
        for (status, count) in &statuses {
            let narrowed = app.get(&admin, &format!("/search?q=zinnia&status={status}")).await.expect(200).body;
            assert_eq!(&narrowed["total"], count, "{status}: {narrowed}");
            let doc_type = status.split(':').next().unwrap();
            for hit in narrowed["hits"].as_array().unwrap() {
                assert_eq!(hit["type"], doc_type, "{status}: {narrowed}");
            }
        }
        // A bare word is ambiguous (an open poll, an open help request): refused, naming the
        // values that are accepted.
        let refused = app.get(&admin, "/search?q=zinnia&status=open").await.expect(422);
        assert!(refused.text.contains("help_request:open") && refused.text.contains("poll:open"), "{}", refused.text);
    }
}

search_test! {
    async fn an_upgraded_instance_rebuilds_its_index_with_statuses_named_by_type(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Garden PLN").await;
        let help = app
            .post(&admin, &format!("/networks/{network}/help-requests"), json!({"title": "Zinnia seeds for the garden club", "body": "Who has some?", "tags": []}))
            .await
            .expect(201)
            .id();
        search_until(&app, &admin, "q=zinnia", |r| has(r, "help_request", &help)).await;
        let before = app.get(&admin, "/admin/search/reindex").await.expect(200).body;

        // Migration 28 applied to an instance whose index is already built.
        let status = crate::process::run_command(&app.database, &["migrate", "status"]).await;
        let steps = status.lines().skip_while(|l| !l.contains("_000028_")).count().to_string();
        crate::process::run_command(&app.database, &["migrate", "down", "--steps", &steps]).await;
        crate::process::run_command(&app.database, &["migrate", "up"]).await;
        let rebuilt = eventually(Duration::from_secs(30), "the asked rebuild to finish", || async {
            let status = app.get(&admin, "/admin/search/reindex").await.expect(200).body;
            (status["state"] == "done" && status["finished_at"] != before["finished_at"]).then_some(status)
        })
        .await;
        assert!(rebuilt["documents_total"].as_i64().unwrap() >= 1, "{rebuilt}");
        let found = app.get(&admin, "/search?q=zinnia&status=help_request:open").await.expect(200).body;
        assert!(has(&found, "help_request", &help), "{found}");
    }
}

search_test! {
    async fn hyphenated_words_are_found_written_together_or_apart(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let hyphenated = app
            .post(&admin, &format!("/networks/{network}/threads"), json!({"title": "Daily check-in with mentors", "body": "Five minutes each morning."}))
            .await
            .expect(201)
            .id();
        let joined = app
            .post(&admin, &format!("/networks/{network}/threads"), json!({"title": "A checkin app for advisory", "body": "Students tap their mood."}))
            .await
            .expect(201)
            .id();
        indexed(&app).await;
        for query in ["checkin", "check-in", "check+in"] {
            let found = search_until(&app, &admin, &format!("q={query}"), |r| has(r, "thread", &hyphenated) && has(r, "thread", &joined)).await;
            assert_eq!(found["total"], 2, "{query}: {found}");
        }
    }
}

search_test! {
    async fn quoted_phrases_match_as_phrases(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let thread = |title: &str| {
            let (app, admin, network) = (&app, &admin, &network);
            let title = title.to_owned();
            async move {
                app.post(admin, &format!("/networks/{network}/threads"), json!({"title": title, "body": "Notes from the data team."}))
                    .await
                    .expect(201)
                    .id()
            }
        };
        let phrase = thread("Chronic absence among ninth graders").await;
        let scattered = thread("Absence is chronic in the ninth grade").await;
        let with_of = thread("The rate of attendance this fall").await;
        let reversed = thread("Attendance rate rises").await;
        indexed(&app).await;

        // Unquoted, the words in any order; quoted, only where they stand together.
        let loose = search_until(&app, &admin, "q=chronic+absence", |r| has(r, "thread", &phrase) && has(r, "thread", &scattered)).await;
        assert_eq!(loose["total"], 2, "{loose}");
        let quoted = app.get(&admin, "/search?q=%22chronic+absence%22").await.expect(200).body;
        assert_eq!(keys(&quoted), [format!("thread:{phrase}")], "{quoted}");
        // Curly quotes as phones type them, with another word beside the phrase.
        let curly = app.get(&admin, "/search?q=%E2%80%9Cchronic+absence%E2%80%9D+ninth").await.expect(200).body;
        assert_eq!(keys(&curly), [format!("thread:{phrase}")], "{curly}");
        // A stop word inside the phrase keeps its place.
        let found = search_until(&app, &admin, "q=%22rate+of+attendance%22", |r| has(r, "thread", &with_of)).await;
        assert!(!has(&found, "thread", &reversed), "{found}");
    }
}

search_test! {
    async fn a_question_whose_words_are_never_all_together_finds_the_closest_answers(backend: Backend, engine: SearchEngine) {
        let app = engine.spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let thread = |title: &str, body: &str| {
            let (app, admin, network) = (&app, &admin, &network);
            let (title, body) = (title.to_owned(), body.to_owned());
            async move {
                app.post(admin, &format!("/networks/{network}/threads"), json!({"title": title, "body": body}))
                    .await
                    .expect(201)
                    .id()
            }
        };
        let incentives = thread("Attendance incentives that worked", "Raffle tickets for every full week.").await;
        let partial_days = thread("Partial day absences", "Late arrivals count against the day.").await;
        let unrelated = thread("Lunch duty rota", "Who covers the cafeteria on Fridays.").await;
        indexed(&app).await;

        // Every word together: as before, only what holds them all, and said so.
        let all = search_until(&app, &admin, "q=attendance+incentives", |r| has(r, "thread", &incentives)).await;
        assert_eq!((all["total"].as_u64(), all["matched"].as_str()), (Some(1), Some("all")), "{all}");

        // "ideas" and "schools" are nowhere: nothing holds every word, so the hits holding
        // the most of them come first, and the answer says it matched only some.
        let question = "q=ideas+for+attendance+incentives";
        let found = search_until(&app, &admin, question, |r| has(r, "thread", &incentives)).await;
        assert_eq!(found["matched"], "some", "{found}");
        assert_eq!(keys(&found)[0], format!("thread:{incentives}"), "two of the words before one: {found}");
        assert!(!has(&found, "thread", &unrelated), "{found}");
        // Only the title matched: the snippet is the text, not the title again.
        assert_eq!(found["hits"][0]["snippet_html"], "Raffle tickets for every full week.", "{found}");

        let question = "q=how+do+other+schools+handle+partial+day+absences";
        let found = search_until(&app, &admin, question, |r| has(r, "thread", &partial_days)).await;
        assert_eq!((found["matched"].as_str(), keys(&found)[0].clone()), (Some("some"), format!("thread:{partial_days}")), "{found}");
        assert!(!has(&found, "thread", &unrelated), "{found}");

        // Words found nowhere at all still find nothing; filters still hold in the fallback.
        let none = app.get(&admin, "/search?q=zebra+quokka").await.expect(200).body;
        assert_eq!(none["total"], 0, "{none}");
        let filtered = app.get(&admin, "/search?q=ideas+for+attendance+incentives&types=resource").await.expect(200).body;
        assert_eq!(filtered["total"], 0, "{filtered}");

        // An outsider asking the same question finds none of it.
        let outsider = app.register("Otto Outsider").await;
        let theirs = app.get(&outsider, &format!("/search?{question}")).await.expect(200).body;
        assert_eq!(theirs["total"], 0, "{theirs}");
    }
}

search_test! {
    async fn a_things_discussion_is_part_of_it_never_a_hit_of_its_own(backend: Backend, engine: SearchEngine) {
        use crate::initiatives::attendance_world;
        let app = engine.spawn(&backend).await;
        let w = attendance_world(&app).await;
        let resource = app
            .post(&w.lead, &format!("/networks/{}/resources", w.network), json!({"title": "Mentor call script", "description": "What to say on the first call home.", "kind": "template", "tags": []}))
            .await
            .expect(201)
            .body;
        let (resource, discussion) = (resource["id"].as_str().unwrap().to_owned(), resource["discussion_thread_id"].as_str().unwrap().to_owned());
        app.reply(&w.peer, &discussion, "We added a line about the grelmount bus pass.").await;
        app.reply(&w.bystander, &discussion, "Families liked hearing good news first.").await;

        // A word only a reply holds finds the resource itself, which counts its replies;
        // neither the discussion thread nor the reply is a hit.
        let found = search_until(&app, &w.bystander, "q=grelmount", |r| has(r, "resource", &resource) && r["hits"][0]["reply_count"] == 2).await;
        assert_eq!(keys(&found), [format!("resource:{resource}")], "{found}");
        assert_eq!(found["hits"][0]["reply_count"], 2, "{found}");
        assert!(found["hits"][0]["snippet_html"].as_str().unwrap().contains("<mark>grelmount</mark>"), "{found}");
        // The title finds one hit, the resource, not its "(discussion)" thread too.
        let titled = search_until(&app, &w.bystander, "q=mentor+call+script", |r| has(r, "resource", &resource)).await;
        assert_eq!(keys(&titled), [format!("resource:{resource}")], "{titled}");

        // A reply taken back no longer finds it, and the count follows.
        let posts = app.get(&w.peer, &format!("/threads/{discussion}/posts")).await.expect(200).body;
        let grelmount = posts["items"].as_array().unwrap().iter().find(|p| p["body"].as_str().unwrap().contains("grelmount")).unwrap()["id"].as_str().unwrap().to_owned();
        app.delete(&w.peer, &format!("/posts/{grelmount}")).await.expect(204);
        search_until(&app, &w.bystander, "q=grelmount", |r| r["total"] == 0).await;
        let counted = search_until(&app, &w.bystander, "q=mentor+call+script", |r| r["hits"][0]["reply_count"] == 1).await;
        assert_eq!(counted["total"], 1, "{counted}");

        // A test of change and the copy another team tried: two hits, each naming its team.
        let test = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({
                "team_id": w.lehman,
                "change_idea": "Mentors phone after the second absence",
                "plan": {"what": "Calls", "who": "Advisory mentors", "when": "Four weeks", "prediction": "Absence drops"}
            }))
            .await
            .expect(201)
            .id();
        let copy = app.post(&w.peer, &format!("/tests/{test}/try"), json!({"team_id": w.kennedy})).await.expect(201).id();
        let tests = search_until(&app, &w.bystander, "q=mentors+phone&types=test_of_change", |r| has(r, "test_of_change", &test) && has(r, "test_of_change", &copy)).await;
        assert_eq!(tests["total"], 2, "{tests}");
        let mut titles: Vec<&str> = tests["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap()).collect();
        titles.sort();
        assert_eq!(titles, ["Mentors phone after the second absence (Kennedy MS)", "Mentors phone after the second absence (Lehman HS)"], "{tests}");
        // Threads count their replies too; what has no conversation counts none.
        let thread = app.post(&w.lead, &format!("/networks/{}/threads", w.network), json!({"title": "Quillback attendance nudges", "body": "Postcards?"})).await.expect(201).id();
        app.reply(&w.peer, &thread, "Texts worked better for us.").await;
        let threads = search_until(&app, &w.bystander, "q=quillback", |r| r["hits"][0]["reply_count"] == 1).await;
        assert_eq!(keys(&threads), [format!("thread:{thread}")], "{threads}");
        let people = search_until(&app, &w.bystander, "q=lena", |r| r["total"].as_u64() > Some(0)).await;
        assert_eq!(people["hits"][0]["reply_count"], Value::Null, "{people}");

        // Someone outside the network finds none of it.
        let elsewhere = app.post(&w.admin, "/networks", json!({"name": "Elsewhere", "visibility": "listed"})).await.expect(201).id();
        let outsider = app.add_member(&w.admin, &elsewhere, "Otto Outsider", "member").await;
        for query in ["q=mentor+call+script", "q=families+good+news", "q=mentors+phone"] {
            let outside = app.get(&outsider, &format!("/search?{query}")).await.expect(200).body;
            assert_eq!(outside["total"], 0, "{query}: {outside}");
        }
    }
}

search_test! {
    async fn handles_tags_titles_and_statuses_written_in_the_query_narrow_it(backend: Backend, engine: SearchEngine) {
        use crate::initiatives::attendance_world;
        let app = engine.spawn(&backend).await;
        let w = attendance_world(&app).await;
        let (lead, peer, network) = (&w.lead, &w.peer, w.network.as_str());
        let thread = |who: &Account, title: &str, body: &str, tags: Value| {
            let (app, who) = (&app, who.clone());
            let (title, body) = (title.to_owned(), body.to_owned());
            async move {
                app.post(&who, &format!("/networks/{network}/threads"), json!({"title": title, "body": body, "tags": tags}))
                    .await
                    .expect(201)
                    .id()
            }
        };
        let greeters = thread(lead, "Door greeters every morning", "Staff at the door by 7:45.", json!(["attendance"])).await;
        let routines = thread(peer, "Morning routines", "We use greeters too.", json!(["culture"])).await;
        let ask = |who: &Account, title: &str, anonymous: bool| {
            let (app, who, title) = (&app, who.clone(), title.to_owned());
            async move {
                app.post(&who, &format!("/networks/{network}/help-requests"), json!({"title": title, "body": "Any advice?", "tags": [], "anonymous": anonymous}))
                    .await
                    .expect(201)
                    .id()
            }
        };
        let open = ask(peer, "Morning bus delays", false).await;
        let answered = ask(peer, "Morning tardy sweeps", false).await;
        app.post(lead, &format!("/help-requests/{answered}/responses"), json!({"body": "We stopped them."})).await.expect(201);
        let hidden = ask(lead, "Morning attendance of my own child", true).await;
        let reader = &w.bystander;
        search_until(&app, reader, "q=morning", |r| has(r, "help_request", &hidden) && has(r, "help_request", &answered) && r["facets"]["status"]["help_request:answered"] == 1).await;

        let found = |query: &str| {
            let (app, reader) = (&app, reader.clone());
            let path = format!("/search?q={query}");
            async move { app.get(&reader, &path).await.expect(200).body }
        };
        // @handle: what that member wrote, whatever the case; never an anonymous request.
        let by_lead = found(&format!("morning+%40{}", lead.handle.to_uppercase())).await;
        assert_eq!(keys(&by_lead), [format!("thread:{greeters}")], "{by_lead}");
        let only_handle = found(&format!("%40{}", peer.handle)).await;
        for key in [format!("thread:{routines}"), format!("help_request:{open}"), format!("help_request:{answered}")] {
            assert!(keys(&only_handle).contains(&key), "{key}: {only_handle}");
        }
        assert!(!has(&found(&format!("%40{}+attendance", lead.handle)).await, "help_request", &hidden));
        assert_eq!(found("morning+%40nobody-by-that-name").await["total"], 0);
        // #tag, in:title, status: as the facets name them or as a word.
        assert_eq!(keys(&found("morning+%23attendance").await), [format!("thread:{greeters}")]);
        let titles = found("greeters+in%3Atitle").await;
        assert_eq!(keys(&titles), [format!("thread:{greeters}")], "{titles}");
        assert_eq!(found("greeters").await["total"], 2);
        let open_ones = found("morning+status%3Aopen").await;
        assert!(has(&open_ones, "help_request", &open) && !has(&open_ones, "help_request", &answered), "{open_ones}");
        assert!(open_ones["hits"].as_array().unwrap().iter().all(|h| h["type"] == "help_request"), "{open_ones}");
        assert_eq!(keys(&found("morning+status%3Ahelp_request%3Aanswered").await), [format!("help_request:{answered}")]);
        assert_eq!(found("morning+status%3Aopen&status=help_request:answered").await["total"], 0);
        // A word with a colon that is no operator stays a word.
        assert!(has(&found("7%3A45").await, "thread", &greeters));

        // Operators that mean nothing are refused, naming what is understood.
        for (query, says) in [("morning+status%3Apending", "answered"), ("morning+in%3Abody", "in:title"), ("%23a%21b", "not a tag")] {
            let refused = app.get(reader, &format!("/search?q={query}")).await.expect(422);
            assert!(refused.body["errors"]["q"].as_str().unwrap().contains(says), "{query}: {}", refused.body);
        }
        // Someone outside the network finds nothing by naming its members.
        let elsewhere = app.post(&w.admin, "/networks", json!({"name": "Elsewhere", "visibility": "listed"})).await.expect(201).id();
        let outsider = app.add_member(&w.admin, &elsewhere, "Otto Outsider", "member").await;
        let theirs = app.get(&outsider, &format!("/search?q=%40{}", peer.handle)).await.expect(200).body;
        assert_eq!(theirs["total"], 0, "{theirs}");
    }
}
