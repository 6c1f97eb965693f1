//! The relevance set: a corpus of what a peer learning network writes (threads with replies
//! and helpful marks, resources with discussions, help requests with accepted answers, tests
//! of change tried by two teams, Spanish with and without accents, hyphenated words) and the
//! queries members type, each with the hits it should find. Both engines must put the first
//! expected hit of every query among the first three; the precision at 3 of each engine is
//! printed (`cargo test search_relevance -- --nocapture`).

use crate::helpers::*;
use crate::initiatives::attendance_world;
use crate::search::{indexed, SearchEngine};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The corpus's things by name, as `type:id` keys the way hits name them.
struct Corpus {
    keys: HashMap<&'static str, String>,
}

impl Corpus {
    fn key(&self, name: &str) -> &str {
        self.keys
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in the corpus"))
    }
}

/// A query and the things it should find, the one that must lead first.
const CASES: &[(&str, &[&str])] = &[
    ("chronic absence", &["thread_october", "initiative"]),
    ("chronically absent", &["thread_needle"]),
    ("attendance incentives", &["help_incentives", "post_raffle"]),
    (
        "ideas for attendance incentives",
        &["help_incentives", "post_raffle"],
    ),
    ("attendence incentives", &["help_incentives", "post_raffle"]),
    ("raffle", &["post_raffle", "help_incentives"]),
    (
        "how do other schools handle partial day absences",
        &["thread_partial"],
    ),
    ("partial day", &["thread_partial"]),
    ("\"partial day absences\"", &["thread_partial"]),
    ("tardies", &["thread_partial"]),
    ("tardy", &["thread_bus"]),
    ("checkin", &["thread_cico"]),
    ("check-in", &["thread_cico"]),
    ("cico", &["thread_cico"]),
    ("mentor call script", &["resource_script"]),
    ("call script", &["resource_script"]),
    ("bus pass", &["resource_script"]),
    ("attendance tracker", &["resource_tracker"]),
    ("spreadsheet", &["resource_tracker"]),
    ("truancy letter", &["resource_letters", "help_translate"]),
    ("spanish letters", &["help_translate", "resource_letters"]),
    ("jose pena", &["member_jose"]),
    ("José Peña", &["member_jose"]),
    ("family liaison", &["member_jose"]),
    ("año escolar", &["thread_spanish"]),
    ("ano escolar", &["thread_spanish"]),
    ("ninos recien llegados", &["thread_spanish"]),
    ("el calendario del año escolar", &["thread_spanish"]),
    ("mentors phone home", &["test_lehman", "test_kennedy"]),
    (
        "second absence",
        &["test_lehman", "test_kennedy", "post_called"],
    ),
    ("lunch duty", &["thread_lunch"]),
    ("cafeteria", &["thread_lunch"]),
    ("attendance app", &["thread_app"]),
    ("attendly", &["post_attendly"]),
    ("home visits", &["post_visits"]),
    ("needle", &["thread_needle"]),
    ("advisory schedules", &["thread_engaged", "thread_quiet"]),
];

async fn thread(app: &TestApp, who: &Account, network: &str, title: &str, body: &str) -> String {
    app.post(
        who,
        &format!("/networks/{network}/threads"),
        json!({"title": title, "body": body}),
    )
    .await
    .expect(201)
    .id()
}

async fn reply(app: &TestApp, who: &Account, thread: &str, body: &str) -> String {
    app.reply(who, thread, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn helpful(app: &TestApp, who: &Account, post: &str) {
    app.put(who, &format!("/posts/{post}/reactions/helpful"), None)
        .await
        .expect(200);
}

async fn corpus(app: &TestApp) -> (Corpus, Account) {
    let w = attendance_world(app).await;
    let (lead, peer, reader, network) = (&w.lead, &w.peer, &w.bystander, w.network.as_str());
    let mut keys = HashMap::new();

    let needle = thread(
        app,
        lead,
        network,
        "What moved the needle for your chronically absent 9th graders?",
        "Share what worked this semester.",
    )
    .await;
    let mentors = reply(
        app,
        peer,
        &needle,
        "Mentors met each student every morning.",
    )
    .await;
    helpful(app, lead, &mentors).await;
    helpful(app, reader, &mentors).await;
    let called = reply(
        app,
        peer,
        &needle,
        "We called families after the second absence.",
    )
    .await;
    let raffle = reply(
        app,
        reader,
        &needle,
        "Raffle tickets as attendance incentives.",
    )
    .await;
    let visits = reply(app, peer, &needle, "Home visits in September.").await;
    keys.insert("thread_needle", format!("thread:{needle}"));
    keys.insert("post_called", format!("post:{called}"));
    keys.insert("post_raffle", format!("post:{raffle}"));
    keys.insert("post_visits", format!("post:{visits}"));

    keys.insert(
        "thread_october",
        format!(
            "thread:{}",
            thread(
                app,
                lead,
                network,
                "Chronic absence data for October",
                "Our chronic absence rate went up to 18 percent."
            )
            .await
        ),
    );
    let app_thread = thread(
        app,
        peer,
        network,
        "Attendance app vendors",
        "Is anyone using an app to track attendance?",
    )
    .await;
    keys.insert(
        "post_attendly",
        format!(
            "post:{}",
            reply(app, lead, &app_thread, "We tried Attendly last year.").await
        ),
    );
    keys.insert("thread_app", format!("thread:{app_thread}"));
    let partial = thread(
        app,
        lead,
        network,
        "Partial day absences and tardies",
        "How do other schools count partial day absences?",
    )
    .await;
    reply(app, peer, &partial, "We count a half day after two hours.").await;
    reply(app, reader, &partial, "Ours follows the state rule.").await;
    keys.insert("thread_partial", format!("thread:{partial}"));
    keys.insert(
        "thread_spanish",
        format!(
            "thread:{}",
            thread(
                app,
                peer,
                network,
                "Plan de asistencia para el año escolar",
                "Estrategias para las familias de niños recién llegados."
            )
            .await
        ),
    );
    keys.insert(
        "thread_lunch",
        format!(
            "thread:{}",
            thread(
                app,
                lead,
                network,
                "Lunch duty rota",
                "Who covers the cafeteria on Fridays?"
            )
            .await
        ),
    );
    keys.insert(
        "thread_cico",
        format!(
            "thread:{}",
            thread(
                app,
                lead,
                network,
                "Check-in/check-out for 9th grade",
                "CICO with daily point sheets and a mentor."
            )
            .await
        ),
    );
    keys.insert(
        "thread_bus",
        format!(
            "thread:{}",
            thread(
                app,
                peer,
                network,
                "Bus routes and late arrivals",
                "Late buses make students tardy on Mondays."
            )
            .await
        ),
    );

    // Two threads that match "advisory schedules" alike: the one people engaged with ranks
    // first, though the other is older (first on a tie) and has the newest reply.
    let quiet = thread(
        app,
        reader,
        network,
        "Advisory schedules that work",
        "Ours meets weekly.",
    )
    .await;
    let engaged = thread(
        app,
        lead,
        network,
        "Advisory schedules that help",
        "Ours meets daily.",
    )
    .await;
    let useful = reply(app, peer, &engaged, "We moved advisory to first period.").await;
    helpful(app, lead, &useful).await;
    reply(app, reader, &engaged, "Same here, it helped.").await;
    reply(app, lead, &quiet, "Weekly is enough for us.").await;
    keys.insert("thread_engaged", format!("thread:{engaged}"));
    keys.insert("thread_quiet", format!("thread:{quiet}"));

    let resource = |title: &str, kind: &str, description: &str| {
        let (title, kind, description) =
            (title.to_owned(), kind.to_owned(), description.to_owned());
        async move {
            app.post(
                lead,
                &format!("/networks/{network}/resources"),
                json!({"title": title, "kind": kind, "description": description, "tags": []}),
            )
            .await
            .expect(201)
            .body
        }
    };
    let script = resource(
        "Mentor call script",
        "template",
        "What to say on the first call home.",
    )
    .await;
    reply(
        app,
        peer,
        script["discussion_thread_id"].as_str().unwrap(),
        "We added a line about the bus pass.",
    )
    .await;
    keys.insert(
        "resource_script",
        format!("resource:{}", script["id"].as_str().unwrap()),
    );
    let tracker = resource(
        "Attendance tracker spreadsheet",
        "tool",
        "Tracks daily attendance by advisory period.",
    )
    .await;
    app.put(
        peer,
        &format!("/resources/{}/helpful", tracker["id"].as_str().unwrap()),
        None,
    )
    .await
    .expect(200);
    keys.insert(
        "resource_tracker",
        format!("resource:{}", tracker["id"].as_str().unwrap()),
    );
    let letters = resource(
        "Truancy letter templates in Spanish",
        "template",
        "Cartas para las familias sobre la asistencia.",
    )
    .await;
    keys.insert(
        "resource_letters",
        format!("resource:{}", letters["id"].as_str().unwrap()),
    );

    let ask = |who: &'static str, title: &str, body: &str| {
        let (title, body) = (title.to_owned(), body.to_owned());
        let asker = if who == "lead" { lead } else { peer };
        async move {
            app.post(
                asker,
                &format!("/networks/{network}/help-requests"),
                json!({"title": title, "body": body, "tags": []}),
            )
            .await
            .expect(201)
            .id()
        }
    };
    let incentives = ask(
        "lead",
        "Ideas for attendance incentives?",
        "What rewards motivate high schoolers to come every day?",
    )
    .await;
    let answer = app
        .post(
            peer,
            &format!("/help-requests/{incentives}/responses"),
            json!({"body": "Raffles for perfect weeks worked for us."}),
        )
        .await
        .expect(201)
        .id();
    app.post(
        lead,
        &format!("/help-requests/{incentives}/accept"),
        json!({"response_id": answer}),
    )
    .await
    .expect(200);
    keys.insert("help_incentives", format!("help_request:{incentives}"));
    keys.insert(
        "help_translate",
        format!(
            "help_request:{}",
            ask(
                "peer",
                "Translating attendance letters",
                "Need Spanish versions of our truancy letter."
            )
            .await
        ),
    );

    let jose = app
        .add_member(&w.admin, network, "José Peña", "member")
        .await;
    app.patch(&jose, "/me", json!({"title": "Bilingual family liaison", "organization": "Austin ISD", "expertise": ["family-engagement"]})).await.expect(200);
    keys.insert("member_jose", format!("member:{}", jose.id));

    let test = app
        .post(lead, &format!("/initiatives/{}/tests", w.initiative), json!({
            "team_id": w.lehman,
            "change_idea": "Mentors phone home after the second absence",
            "plan": {"what": "Calls", "who": "Advisory mentors", "when": "Four weeks", "prediction": "Fewer third absences"}
        }))
        .await
        .expect(201)
        .id();
    let copy = app
        .post(
            peer,
            &format!("/tests/{test}/try"),
            json!({"team_id": w.kennedy}),
        )
        .await
        .expect(201)
        .id();
    keys.insert("test_lehman", format!("test_of_change:{test}"));
    keys.insert("test_kennedy", format!("test_of_change:{copy}"));
    keys.insert("initiative", format!("initiative:{}", w.initiative));
    (Corpus { keys }, w.bystander)
}

/// `text` as a query string value.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn top(results: &Value, n: usize) -> Vec<String> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .take(n)
        .map(|h| {
            format!(
                "{}:{}",
                h["type"].as_str().unwrap(),
                h["id"].as_str().unwrap()
            )
        })
        .collect()
}

crate::search_test! {
    async fn the_relevance_set_finds_what_members_look_for_on_both_engines(backend: Backend, engine: SearchEngine) {
        assert!(CASES.len() >= 30);
        let app = engine.spawn(&backend).await;
        let (corpus, reader) = corpus(&app).await;
        indexed(&app).await;

        let mut precision = 0.0;
        let mut misses = Vec::new();
        for (query, expected) in CASES {
            let q = encoded(query);
            let results = app.get(&reader, &format!("/search?q={q}&limit=10")).await.expect(200).body;
            let first = top(&results, 3);
            let relevant: Vec<&str> = expected.iter().map(|name| corpus.key(name)).collect();
            let found = first.iter().filter(|key| relevant.contains(&key.as_str())).count();
            precision += found as f64 / relevant.len().min(3) as f64;
            if !first.iter().any(|key| key == relevant[0]) {
                misses.push(format!("{query:?}: expected {} ({}) in the first three, got {first:?}", expected[0], relevant[0]));
            }
        }
        let precision = precision / CASES.len() as f64;
        let name = match engine {
            SearchEngine::Embedded => "embedded",
            SearchEngine::Meilisearch { .. } => "Meilisearch",
        };
        println!("relevance set, {name} engine: precision at 3 = {precision:.2} over {} queries", CASES.len());
        assert!(misses.is_empty(), "{} of {} queries missed:\n{}", misses.len(), CASES.len(), misses.join("\n"));

        // Among threads that match alike, the one people engaged with ranks first; asked for
        // the latest, the newer one does.
        let alike = app.get(&reader, "/search?q=advisory+schedules&types=thread").await.expect(200).body;
        assert_eq!(top(&alike, 2), [corpus.key("thread_engaged"), corpus.key("thread_quiet")], "{alike}");
        let engaged = &alike["hits"][0];
        assert_eq!((engaged["reply_count"].as_u64(), engaged["helpful_count"].as_u64()), (Some(2), Some(1)), "{engaged}");
        // Its newest activity is a moment ago, not in another century.
        let at: chrono::DateTime<chrono::Utc> = engaged["last_activity_at"].as_str().unwrap().parse().unwrap();
        assert!((chrono::Utc::now() - at).num_minutes().abs() < 10, "{engaged}");
        // It names who started it, as the thread itself does.
        let thread = app.get(&reader, &format!("/threads/{}", engaged["id"].as_str().unwrap())).await.expect(200).body;
        assert_eq!(engaged["author"]["handle"], thread["author"]["handle"], "{engaged} {thread}");
        assert!(engaged["author"]["display_name"].is_string(), "{engaged}");
        let latest = app.get(&reader, "/search?q=advisory+schedules&types=thread&sort=latest").await.expect(200).body;
        assert_eq!(top(&latest, 2), [corpus.key("thread_quiet"), corpus.key("thread_engaged")], "{latest}");
        // An accepted answer counts: the request shows its response.
        let asked = app.get(&reader, "/search?q=incentives&types=help_request").await.expect(200).body;
        assert_eq!(asked["hits"][0]["reply_count"], 1, "{asked}");
        let refused = app.get(&reader, "/search?q=advisory&sort=oldest").await.expect(422);
        assert!(refused.body["errors"]["sort"].is_string(), "{}", refused.body);
    }
}
