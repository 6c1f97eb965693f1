//! Improvement initiatives through the API: initiatives and teams, data check-ins and their
//! validation, run charts as JSON and SVG, re-baselining, tests of change and "try this",
//! bright spots announced once per signal, and who may see any of it.

use crate::backend_test;
use crate::helpers::*;
use crate::live_client::LiveClient;
use chrono::{Duration as Days, NaiveDate};
use serde_json::{json, Value};

/// A network with an attendance initiative and two school teams.
pub struct World {
    pub admin: Account,
    pub network: String,
    /// On Lehman HS.
    pub lead: Account,
    /// On Kennedy MS.
    pub peer: Account,
    /// In the network, on no team.
    pub bystander: Account,
    pub initiative: String,
    pub lehman: String,
    pub kennedy: String,
}

pub async fn attendance_world(app: &TestApp) -> World {
    let (admin, network) = app.admin_with_network("Attendance PLN").await;
    let lead = app
        .add_member(&admin, &network, "Lena Lehman", "member")
        .await;
    let peer = app
        .add_member(&admin, &network, "Kofi Kennedy", "member")
        .await;
    let bystander = app
        .add_member(&admin, &network, "Bea Bystander", "member")
        .await;
    let initiative = app
        .post(&admin, &format!("/networks/{network}/initiatives"), json!({
            "title": "Chronic absence, 9th grade",
            "problem": "Too many **9th graders** miss 10% of days.",
            "aim": "Reduce chronic absence among 9th graders from 18% to 12% by May",
            "measure": {"name": "Chronic absence", "unit": "%", "direction": "decrease", "cadence": "weekly", "target": 12}
        }))
        .await
        .expect(201)
        .id();
    let team = |name: &str, member: &Account| json!({"name": name, "organization": "Bronx district", "member_ids": [member.id]});
    let lehman = app
        .post(
            &admin,
            &format!("/initiatives/{initiative}/teams"),
            team("Lehman HS", &lead),
        )
        .await
        .expect(201)
        .id();
    let kennedy = app
        .post(
            &admin,
            &format!("/initiatives/{initiative}/teams"),
            team("Kennedy MS", &peer),
        )
        .await
        .expect(201)
        .id();
    World {
        admin,
        network,
        lead,
        peer,
        bystander,
        initiative,
        lehman,
        kennedy,
    }
}

/// The Monday `weeks` weeks after 2027-01-04.
pub fn week(weeks: i64) -> String {
    let first: NaiveDate = "2027-01-04".parse().unwrap();
    (first + Days::weeks(weeks)).to_string()
}

/// Ten weeks around 18%, then `improving` weeks around 12%.
pub fn baseline_then_better(improving: usize) -> Vec<f64> {
    let mut values = vec![18.0, 19.0, 17.0, 18.5, 18.0, 17.5, 19.0, 18.0, 17.8, 18.2];
    values.extend(
        [12.0, 12.5, 11.8, 12.2, 12.1, 11.9, 12.3, 12.0, 12.4]
            .iter()
            .cycle()
            .take(improving),
    );
    values
}

/// Checks in `values` for consecutive weeks from `first_week`.
pub async fn check_in_weeks(
    app: &TestApp,
    who: &Account,
    team: &str,
    first_week: i64,
    values: &[f64],
) {
    for (i, value) in values.iter().enumerate() {
        app.post(
            who,
            &format!("/teams/{team}/check-ins"),
            json!({"period": week(first_week + i as i64), "value": value}),
        )
        .await
        .expect(201);
    }
}

async fn upload_csv(
    app: &TestApp,
    who: &Account,
    initiative: &str,
    content_type: &str,
    body: String,
) -> Reply {
    let request = app
        .client
        .post(app.url(&format!("/initiatives/{initiative}/check-ins.csv")))
        .bearer_auth(&who.access_token)
        .header("content-type", content_type)
        .body(body);
    app.send(request).await
}

async fn check_in_count(app: &TestApp, who: &Account, team: &str) -> usize {
    let page = app
        .get(who, &format!("/teams/{team}/check-ins?limit=100"))
        .await
        .expect(200);
    page.body["items"].as_array().unwrap().len()
}

async fn notifications_of(app: &TestApp, who: &Account, kind: &str) -> Vec<Value> {
    let page = app.get(who, "/notifications").await.expect(200);
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

backend_test! {
    async fn initiatives_and_teams_are_set_up_by_facilitators(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;

        let initiative = app.get(&w.bystander, &format!("/initiatives/{}", w.initiative)).await.expect(200);
        assert_eq!(initiative.body["stage"], "understand");
        assert_eq!(initiative.body["status"], "active");
        assert_eq!(initiative.body["measure"]["unit"], "%");
        assert_eq!(initiative.body["team_count"], 2);
        assert_eq!(initiative.body["url"], format!("/initiatives/{}", w.initiative));
        assert!(initiative.body["problem_html"].as_str().unwrap().contains("<strong>9th graders</strong>"));
        let thread = initiative.body["discussion_thread_id"].as_str().unwrap();
        app.get(&w.bystander, &format!("/threads/{thread}")).await.expect(200);

        let listed = app.get(&w.lead, &format!("/networks/{}/initiatives", w.network)).await.expect(200);
        assert_eq!(listed.body["items"][0]["id"], w.initiative.as_str());

        // Only facilitators start, steer and staff initiatives.
        let measure = json!({"name": "Attendance", "unit": "%", "direction": "increase", "cadence": "monthly"});
        app.post(&w.lead, &format!("/networks/{}/initiatives", w.network), json!({"title": "Mine", "aim": "More", "measure": measure}))
            .await
            .expect(403);
        app.patch(&w.lead, &format!("/initiatives/{}", w.initiative), json!({"stage": "analyze"})).await.expect(403);
        app.post(&w.lead, &format!("/initiatives/{}/teams", w.initiative), json!({"name": "Rogue"})).await.expect(403);

        // Every bad field is named at once, and nothing is created.
        let refused = app
            .post(&w.admin, &format!("/networks/{}/initiatives", w.network), json!({
                "title": " ", "aim": "Fewer absences",
                "measure": {"name": "Absence", "unit": "%", "direction": "sideways", "cadence": "daily", "target": 150}
            }))
            .await
            .expect(422);
        for field in ["title", "measure.direction", "measure.cadence", "measure.target"] {
            assert!(refused.body["errors"][field].is_string(), "{field} not named: {}", refused.text);
        }
        let count = app.get(&w.admin, &format!("/networks/{}/initiatives", w.network)).await.expect(200);
        assert_eq!(count.body["items"].as_array().unwrap().len(), 1);

        let moved = app
            .patch(&w.admin, &format!("/initiatives/{}", w.initiative), json!({"stage": "design_test", "target": null}))
            .await
            .expect(200);
        assert_eq!(moved.body["stage"], "design_test");
        assert!(moved.body["measure"]["target"].is_null());
        let bad_stage = app.patch(&w.admin, &format!("/initiatives/{}", w.initiative), json!({"stage": "done"})).await.expect(422);
        assert!(bad_stage.body["errors"]["stage"].as_str().unwrap().contains("learn_refine"));

        // A team of people outside the network is refused, naming them.
        let outsider = app.register("Otto Outsider").await;
        let strangers = app
            .post(&w.admin, &format!("/initiatives/{}/teams", w.initiative), json!({"name": "Mixed", "member_ids": [w.peer.id, outsider.id]}))
            .await
            .expect(422);
        assert!(strangers.body["errors"]["member_ids"].as_str().unwrap().contains(&outsider.id));

        let teams = app.get(&w.bystander, &format!("/initiatives/{}/teams", w.initiative)).await.expect(200);
        let names: Vec<&str> = teams.body.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Kennedy MS", "Lehman HS"]);
        assert_eq!(teams.body[1]["members"][0]["display_name"], "Lena Lehman");

        let renamed = app
            .patch(&w.admin, &format!("/teams/{}", w.kennedy), json!({"name": "Kennedy Middle", "member_ids": [w.peer.id, w.bystander.id]}))
            .await
            .expect(200);
        assert_eq!(renamed.body["members"].as_array().unwrap().len(), 2);
        app.delete(&w.lead, &format!("/teams/{}", w.kennedy)).await.expect(403);
        app.delete(&w.admin, &format!("/teams/{}", w.kennedy)).await.expect(204);
        let teams = app.get(&w.bystander, &format!("/initiatives/{}/teams", w.initiative)).await.expect(200);
        assert_eq!(teams.body.as_array().unwrap().len(), 1);
        app.post(&w.peer, &format!("/teams/{}/check-ins", w.kennedy), json!({"period": week(0), "value": 10})).await.expect(404);

        // An archived initiative is read-only.
        app.patch(&w.admin, &format!("/initiatives/{}", w.initiative), json!({"status": "archived"})).await.expect(200);
        let closed = app.post(&w.lead, &format!("/teams/{}/check-ins", w.lehman), json!({"period": week(0), "value": 10})).await.expect(409);
        assert!(closed.body["detail"].as_str().unwrap().contains("archived"));
    }
}

backend_test! {
    async fn check_ins_are_validated_replaced_and_kept_in_history(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;
        let path = format!("/teams/{}/check-ins", w.lehman);

        let first = app.post(&w.lead, &path, json!({"period": week(0), "value": 17.5, "note": "flu week"})).await.expect(201);
        assert_eq!(first.body["period"], week(0));
        assert_eq!(first.body["submitted_by"]["display_name"], "Lena Lehman");
        assert_eq!(first.body["previous_values"], json!([]));

        // A Tuesday is not a weekly period: the error says which Monday would be.
        let tuesday = app.post(&w.lead, &path, json!({"period": "2027-01-12", "value": 17})).await.expect(422);
        let message = tuesday.body["errors"]["period"].as_str().unwrap();
        assert!(message.contains("Tuesday") && message.contains("2027-01-11"), "{message}");
        let percent = app.post(&w.lead, &path, json!({"period": week(1), "value": 101})).await.expect(422);
        assert!(percent.body["errors"]["value"].as_str().unwrap().contains("between 0 and 100"));
        let text = app.post(&w.lead, &path, json!({"period": week(1), "value": "lots"})).await.expect(422);
        assert!(text.body["errors"]["value"].is_string());
        app.post(&w.lead, &path, json!({"period": "next week", "value": 3})).await.expect(422);

        // Only the team (and facilitators) check in for it.
        app.post(&w.peer, &path, json!({"period": week(1), "value": 16})).await.expect(403);
        app.post(&w.admin, &path, json!({"period": week(1), "value": 16})).await.expect(201);

        let replaced = app.post(&w.lead, &path, json!({"period": week(0), "value": 16.5, "note": "corrected"})).await.expect(201);
        assert_eq!(replaced.body["id"], first.body["id"]);
        assert_eq!(replaced.body["value"], 16.5);
        assert_eq!(replaced.body["previous_values"][0]["value"], 17.5);
        assert_eq!(replaced.body["previous_values"][0]["note"], "flu week");

        let listed = app.get(&w.bystander, &path).await.expect(200);
        let periods: Vec<&str> = listed.body["items"].as_array().unwrap().iter().map(|c| c["period"].as_str().unwrap()).collect();
        assert_eq!(periods, [week(1), week(0)], "latest first, one per period");
        assert_eq!(listed.body["items"][1]["previous_values"].as_array().unwrap().len(), 1);
        let teams = app.get(&w.lead, &format!("/initiatives/{}/teams", w.initiative)).await.expect(200);
        let lehman = teams.body.as_array().unwrap().iter().find(|t| t["id"] == w.lehman.as_str()).unwrap();
        assert_eq!(lehman["check_in_count"], 2);
        assert_eq!(lehman["latest_period"], week(1));
    }
}

backend_test! {
    async fn run_charts_read_signals_and_render_as_accessible_svg(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;
        check_in_weeks(&app, &w.lead, &w.lehman, 0, &baseline_then_better(6)).await;
        check_in_weeks(&app, &w.peer, &w.kennedy, 0, &[20.0, 21.0, 19.0]).await;

        let chart = app.get(&w.bystander, &format!("/initiatives/{}/chart?team_id={}", w.initiative, w.lehman)).await.expect(200);
        let body = &chart.body;
        assert_eq!(body["team"]["name"], "Lehman HS");
        assert_eq!(body["points"].as_array().unwrap().len(), 16);
        assert_eq!(body["baseline"]["median"], 18.0);
        assert_eq!(body["baseline"]["provisional"], false);
        assert_eq!(body["baseline"]["periods"].as_array().unwrap().len(), 10);
        assert_eq!(body["target"], 12.0);
        let shift = body["signals"].as_array().unwrap().iter().find(|s| s["rule"] == "shift").expect("a shift");
        assert_eq!((shift["from"].as_str().unwrap(), shift["to"].as_str().unwrap()), (week(10).as_str(), week(15).as_str()));
        assert_eq!(shift["effect"], "improvement");
        assert!(body["description"].as_str().unwrap().contains("Shift from"));

        // The network chart: the median of the teams in each period.
        let network = app.get(&w.lead, &format!("/initiatives/{}/chart", w.initiative)).await.expect(200);
        assert!(network.body["team"].is_null());
        assert_eq!(network.body["points"][0], json!({"period": week(0), "value": 19.0}));
        assert_eq!(network.body["points"][3], json!({"period": week(3), "value": 18.5}));
        assert_eq!(network.body["baseline"]["provisional"], false);

        // A short series has a provisional baseline.
        let short = app.get(&w.lead, &format!("/initiatives/{}/chart?team_id={}", w.initiative, w.kennedy)).await.expect(200);
        assert_eq!(short.body["baseline"]["provisional"], true);
        assert_eq!(short.body["baseline"]["median"], 20.0);

        // The SVG, through the signed link the API gave (no Bearer header), parses as XML
        // and says what it shows in its title and description.
        let svg_url = chart.body["svg_url"].as_str().unwrap();
        let svg = app.client.get(app.url(svg_url.trim_start_matches("/api/v1"))).send().await.unwrap();
        assert_eq!(svg.status(), 200);
        assert!(svg.headers()["content-type"].to_str().unwrap().starts_with("image/svg+xml"));
        // Opened on its own, it is a document that may run nothing and not be framed.
        let csp = svg.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(svg.headers()["x-content-type-options"], "nosniff");
        assert_eq!(svg.headers()["referrer-policy"], "no-referrer");
        let text = svg.text().await.unwrap();
        let document = roxmltree::Document::parse(&text).expect("the chart is well-formed XML");
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("role"), Some("img"));
        let child = |name: &str| root.children().find(|n| n.tag_name().name() == name).and_then(|n| n.text()).unwrap_or_default().to_owned();
        assert!(child("title").contains("Lehman HS"));
        assert!(child("desc").contains("Baseline median 18%") && child("desc").contains("improvement"), "{}", child("desc"));
        let initiative = app.get(&w.lead, &format!("/initiatives/{}", w.initiative)).await.expect(200);
        let network_svg = app.client.get(app.url(initiative.body["chart_url"].as_str().unwrap().trim_start_matches("/api/v1"))).send().await.unwrap();
        assert_eq!(network_svg.status(), 200);
        roxmltree::Document::parse(&network_svg.text().await.unwrap()).expect("well-formed");
        let unsigned = app.client.get(app.url(&format!("/initiatives/{}/chart.svg", w.initiative))).send().await.unwrap();
        assert_eq!(unsigned.status(), 401);
        let tampered = app.client.get(app.url(&format!("/initiatives/{}/chart.svg?token=abc", w.initiative))).send().await.unwrap();
        assert_eq!(tampered.status(), 401);

        // Re-baselining from the new level: facilitators only, on a period of the cadence.
        let path = format!("/initiatives/{}/rebaseline", w.initiative);
        app.post(&w.lead, &path, json!({"team_id": w.lehman, "from_period": week(10)})).await.expect(403);
        let misaligned = app.post(&w.admin, &path, json!({"team_id": w.lehman, "from_period": "2027-03-17"})).await.expect(422);
        assert!(misaligned.body["errors"]["from_period"].is_string());
        app.post(&w.admin, &path, json!({"team_id": w.lehman, "from_period": week(10)})).await.expect(200);
        let rebased = app.get(&w.lead, &format!("/initiatives/{}/chart?team_id={}", w.initiative, w.lehman)).await.expect(200);
        assert_eq!(rebased.body["baseline"]["from"], week(10));
        assert_eq!(rebased.body["baseline"]["provisional"], true, "six points since the re-baseline");
        assert_eq!(rebased.body["points"].as_array().unwrap().len(), 16, "earlier points stay on the chart");
        assert!(rebased.body["signals"].as_array().unwrap().iter().all(|s| s["from"].as_str().unwrap() >= week(10).as_str()));
        let unknown_team = app.get(&w.lead, &format!("/initiatives/{}/chart?team_id=999999", w.initiative)).await.expect(422);
        assert!(unknown_team.body["errors"]["team_id"].is_string());
    }
}

backend_test! {
    async fn tests_of_change_follow_pdsa_and_peers_try_them(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;
        let created = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({
                "team_id": w.lehman,
                "change_idea": "Mentors call home after the second absence",
                "plan": {"what": "Calls by advisory mentors", "who": "Ms. Diaz's advisory", "when": "Four weeks", "prediction": "Absence drops two points"}
            }))
            .await
            .expect(201);
        let test = created.id();
        assert_eq!(created.body["status"], "planning");
        assert_eq!(created.body["next_status"], "doing");
        assert_eq!(created.body["team"]["name"], "Lehman HS");
        app.get(&w.bystander, &format!("/threads/{}", created.body["discussion_thread_id"].as_str().unwrap())).await.expect(200);
        app.post(&w.peer, &format!("/initiatives/{}/tests", w.initiative), json!({"team_id": w.lehman, "change_idea": "Not my team", "plan": {}}))
            .await
            .expect(403);

        // One step at a time; an illegal step names the allowed one and changes nothing.
        let path = format!("/tests/{test}");
        let skipped = app.patch(&w.lead, &path, json!({"status": "studying"})).await.expect(409);
        assert!(skipped.body["detail"].as_str().unwrap().contains("only move to doing"), "{}", skipped.text);
        app.patch(&w.peer, &path, json!({"status": "doing"})).await.expect(403);
        let doing = app.patch(&w.lead, &path, json!({"status": "doing", "do_notes": "Started Monday"})).await.expect(200);
        assert!(doing.body["started_on"].is_string());
        app.patch(&w.lead, &path, json!({"status": "studying", "study": "Absence fell 2.5 points, as predicted"})).await.expect(200);
        let undecided = app.patch(&w.lead, &path, json!({"status": "acted"})).await.expect(409);
        assert!(undecided.body["detail"].as_str().unwrap().contains("adopt, adapt or abandon"));
        app.patch(&w.lead, &path, json!({"act": "adopt"})).await.expect(409);
        app.patch(&w.lead, &path, json!({"status": "acted", "act": "keep"})).await.expect(422);
        let acted = app.patch(&w.lead, &path, json!({"status": "acted", "act": "adopt"})).await.expect(200);
        assert_eq!(acted.body["act"], "adopt");
        assert!(acted.body["next_status"].is_null());
        let finished = app.patch(&w.lead, &path, json!({"status": "planning"})).await.expect(409);
        assert!(finished.body["detail"].as_str().unwrap().contains("finished"));
        assert_eq!(app.get(&w.lead, &path).await.expect(200).body["status"], "acted");

        // The chart marks the test where it started.
        let chart = app.get(&w.lead, &format!("/initiatives/{}/chart?team_id={}", w.initiative, w.lehman)).await.expect(200);
        assert_eq!(chart.body["annotations"][0]["test_id"], test.as_str());

        // "Try this": Kennedy takes it up; Lehman hears of it; counts follow.
        let tried = app.post(&w.peer, &format!("/tests/{test}/try"), json!({"team_id": w.kennedy})).await.expect(201);
        assert_eq!(tried.body["status"], "planning");
        assert_eq!(tried.body["team"]["name"], "Kennedy MS");
        assert_eq!(tried.body["adopted_from"]["id"], test.as_str());
        assert_eq!(tried.body["adopted_from"]["team"]["name"], "Lehman HS");
        assert_eq!(tried.body["plan"]["prediction"], "Absence drops two points");
        let heard = notifications_of(&app, &w.lead, "test_tried").await;
        assert_eq!(heard.len(), 1);
        assert!(heard[0]["headline"].as_str().unwrap().contains("Kofi Kennedy"));
        assert_eq!(heard[0]["url"], format!("/tests/{}", tried.id()));
        assert!(notifications_of(&app, &w.peer, "test_tried").await.is_empty(), "not told of their own doing");

        let again = app.post(&w.peer, &format!("/tests/{test}/try"), json!({"team_id": w.kennedy})).await.expect(409);
        assert!(again.body["detail"].as_str().unwrap().contains("already trying"));
        app.post(&w.lead, &format!("/tests/{test}/try"), json!({"team_id": w.lehman})).await.expect(422);
        app.post(&w.bystander, &format!("/tests/{test}/try"), json!({"team_id": w.kennedy})).await.expect(403);

        let original = app.get(&w.bystander, &path).await.expect(200);
        assert_eq!((original.body["tried_by_count"].as_u64(), original.body["adopted_by_count"].as_u64()), (Some(1), Some(0)));
        let copy = format!("/tests/{}", tried.id());
        for step in [json!({"status": "doing"}), json!({"status": "studying"}), json!({"status": "acted", "act": "adopt"})] {
            app.patch(&w.peer, &copy, step).await.expect(200);
        }
        let original = app.get(&w.bystander, &path).await.expect(200);
        assert_eq!(original.body["adopted_by_count"], 1);

        let board = app.get(&w.bystander, &format!("/initiatives/{}/tests?team_id={}", w.initiative, w.kennedy)).await.expect(200);
        assert_eq!(board.body["items"].as_array().unwrap().len(), 1);
        let acted = app.get(&w.bystander, &format!("/initiatives/{}/tests?status=acted", w.initiative)).await.expect(200);
        assert_eq!(acted.body["items"].as_array().unwrap().len(), 2);
        app.get(&w.bystander, &format!("/initiatives/{}/tests?status=done", w.initiative)).await.expect(422);
    }
}

backend_test! {
    async fn a_bright_spot_is_announced_once_per_signal(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;
        let mut live = LiveClient::signed_in(&app, &w.peer).await;
        live.subscribe(&[&format!("network:{}", w.network)], None).await;

        check_in_weeks(&app, &w.lead, &w.lehman, 0, &baseline_then_better(5)).await;
        assert!(notifications_of(&app, &w.peer, "bright_spot").await.is_empty(), "five points are not a shift");
        check_in_weeks(&app, &w.lead, &w.lehman, 15, &[11.9]).await;

        let heard = notifications_of(&app, &w.peer, "bright_spot").await;
        assert_eq!(heard.len(), 1);
        assert_eq!(heard[0]["headline"], "Lehman HS: chronic absence below its baseline six weeks running.");
        assert_eq!(heard[0]["url"], format!("/initiatives/{}#bright-spots", w.initiative));
        assert_eq!(notifications_of(&app, &w.lead, "bright_spot").await.len(), 1, "the team hears too");
        assert!(notifications_of(&app, &w.bystander, "bright_spot").await.is_empty(), "not on the initiative");

        let detected = loop {
            let event = live.event().await;
            if event["kind"] == "bright_spot.detected" {
                break event;
            }
            assert_eq!(event["kind"], "check_in.submitted", "unexpected {event}");
        };
        assert_eq!(detected["data"]["team"]["name"], "Lehman HS");

        // A test the team acted on is listed with its bright spot.
        let test = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({"team_id": w.lehman, "change_idea": "Attendance buddies", "plan": {}}))
            .await
            .expect(201)
            .id();
        for step in [json!({"status": "doing"}), json!({"status": "studying"}), json!({"status": "acted", "act": "adopt"})] {
            app.patch(&w.lead, &format!("/tests/{test}"), step).await.expect(200);
        }
        let spots = app.get(&w.bystander, &format!("/initiatives/{}/bright-spots", w.initiative)).await.expect(200);
        assert_eq!(spots.body.as_array().unwrap().len(), 1);
        let spot = &spots.body[0];
        assert_eq!(spot["team"]["name"], "Lehman HS");
        assert_eq!(spot["baseline_median"], 18.0);
        assert_eq!(spot["signal"]["rule"], "shift");
        assert!(spot["relative_change"].as_f64().unwrap() < -0.3);
        assert_eq!(spot["tests"][0]["id"], test.as_str());

        // Still running: no second announcement.
        check_in_weeks(&app, &w.lead, &w.lehman, 16, &[12.2]).await;
        assert_eq!(notifications_of(&app, &w.peer, "bright_spot").await.len(), 1);

        // Back above the median: no longer one; a new shift is a new announcement.
        check_in_weeks(&app, &w.lead, &w.lehman, 17, &[19.0]).await;
        let spots = app.get(&w.lead, &format!("/initiatives/{}/bright-spots", w.initiative)).await.expect(200);
        assert_eq!(spots.body, json!([]));
        check_in_weeks(&app, &w.lead, &w.lehman, 18, &[12.0, 12.1, 11.8, 12.3, 12.0]).await;
        assert_eq!(notifications_of(&app, &w.peer, "bright_spot").await.len(), 1);
        check_in_weeks(&app, &w.lead, &w.lehman, 23, &[11.7]).await;
        assert_eq!(notifications_of(&app, &w.peer, "bright_spot").await.len(), 2);
        let detections = app.events().await.into_iter().filter(|(_, kind, _, _)| kind == "bright_spot.detected").count();
        assert_eq!(detections, 2);
    }
}

backend_test! {
    async fn outsiders_and_removed_members_get_nothing_from_an_initiative(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;
        check_in_weeks(&app, &w.lead, &w.lehman, 0, &[18.0, 17.0]).await;
        let test = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({"team_id": w.lehman, "change_idea": "Buddies", "plan": {}}))
            .await
            .expect(201)
            .id();
        let elsewhere = app.post(&w.admin, "/networks", json!({"name": "Elsewhere", "visibility": "listed"})).await.expect(201).id();
        let outsider = app.add_member(&w.admin, &elsewhere, "Otto Outsider", "member").await;
        // The signed chart link the bystander holds from before they were removed.
        let kept_link = app.get(&w.bystander, &format!("/initiatives/{}", w.initiative)).await.expect(200).body["chart_url"].as_str().unwrap().to_owned();
        app.delete(&w.admin, &format!("/networks/{}/members/{}", w.network, w.bystander.id)).await.expect(204);

        let i = &w.initiative;
        let reads = [
            format!("/networks/{}/initiatives", w.network),
            format!("/initiatives/{i}"),
            format!("/initiatives/{i}/teams"),
            format!("/teams/{}/check-ins", w.lehman),
            format!("/initiatives/{i}/chart"),
            format!("/initiatives/{i}/chart?team_id={}", w.lehman),
            format!("/initiatives/{i}/chart.svg"),
            format!("/initiatives/{i}/bright-spots"),
            format!("/initiatives/{i}/tests"),
            format!("/tests/{test}"),
            format!("/initiatives/{i}/check-ins.csv"),
        ];
        for who in [&outsider, &w.bystander] {
            for path in &reads {
                let reply = app.get(who, path).await;
                assert_eq!(reply.status, 404, "{} read {path}: {}", who.email, reply.text);
            }
            app.post(who, &format!("/teams/{}/check-ins", w.lehman), json!({"period": week(3), "value": 1})).await.expect(404);
            app.post(who, &format!("/tests/{test}/try"), json!({"team_id": w.kennedy})).await.expect(404);
            app.patch(who, &format!("/tests/{test}"), json!({"status": "doing"})).await.expect(404);
            upload_csv(&app, who, i, "text/csv", format!("team,period,value\nLehman HS,{},1\n", week(4))).await.expect(404);
        }
        let followed = app.client.get(app.url(kept_link.trim_start_matches("/api/v1"))).send().await.unwrap();
        assert_eq!(followed.status(), 404, "a kept link opens nothing after removal");

        // Live: an outsider cannot follow the network's initiative events.
        let mut live = LiveClient::signed_in(&app, &outsider).await;
        live.send(json!({"type": "subscribe", "topics": [format!("network:{}", w.network)]})).await;
        assert_eq!(live.expect("error").await["type"], "error");
    }
}

backend_test! {
    async fn check_ins_import_all_or_nothing_and_export_safely(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;

        let good = format!(
            "\u{feff}Team,Period,Value,Note\nlehman hs,{},17.5%,\"flu, then snow\"\n{},{},16,\nKennedy MS,{},21,\n",
            week(0), w.lehman, week(1), week(0)
        );
        app.patch(&w.admin, &format!("/teams/{}", w.lehman), json!({"name": "Lehman HS"})).await.expect(200);
        let imported = upload_csv(&app, &w.admin, &w.initiative, "text/csv", good).await.expect(200);
        assert_eq!(imported.body, json!({"imported": 3, "replaced": 0, "teams": 2}));
        let lehman = app.get(&w.lead, &format!("/teams/{}/check-ins", w.lehman)).await.expect(200);
        assert_eq!(lehman.body["items"][1]["value"], 17.5);
        assert_eq!(lehman.body["items"][1]["note"], "flu, then snow");

        // One file, several bad rows: each named with its line and column; nothing lands.
        let bad = format!(
            "team,period,value,note\nLehman HS,{},15,fine\nNowhere HS,{},15,\nLehman HS,2027-01-12,15,\nKennedy MS,{},120,\nLehman HS,{},14,again\nKennedy MS,{},abc,\n",
            week(2), week(2), week(3), week(2), week(4)
        );
        let refused = upload_csv(&app, &w.admin, &w.initiative, "text/csv", bad).await.expect(422);
        assert!(refused.body["detail"].as_str().unwrap().contains("nothing was imported"));
        let rows: Vec<(u64, &str)> = refused.body["rows"].as_array().unwrap().iter().map(|r| (r["row"].as_u64().unwrap(), r["field"].as_str().unwrap())).collect();
        assert_eq!(rows, [(3, "team"), (4, "period"), (5, "value"), (6, "period"), (7, "value")]);
        assert!(refused.body["rows"][0]["message"].as_str().unwrap().contains("Nowhere HS"));
        assert!(refused.body["rows"][3]["message"].as_str().unwrap().contains("repeats row 2"));
        assert_eq!(check_in_count(&app, &w.admin, &w.lehman).await, 2, "the good row was not imported either");

        let missing = upload_csv(&app, &w.admin, &w.initiative, "text/csv", "team,value\nLehman HS,3\n".into()).await.expect(422);
        assert_eq!(missing.body["rows"][0]["field"], "period");
        upload_csv(&app, &w.admin, &w.initiative, "application/json", "{}".into()).await.expect(415);
        upload_csv(&app, &w.lead, &w.initiative, "text/csv", format!("team,period,value\nLehman HS,{},1\n", week(5))).await.expect(403);

        // Bounds: more than 10,000 rows, or more than 1 MiB, is a 413 and imports nothing.
        let many = std::iter::once("team,period,value\n".to_owned())
            .chain((0..10_001).map(|i| format!("Lehman HS,{},{}\n", week(10 + i % 50), i % 100)))
            .collect::<String>();
        upload_csv(&app, &w.admin, &w.initiative, "text/csv", many).await.expect(413);
        let huge = format!("team,period,value,note\nLehman HS,{},1,{}\n", week(6), "x".repeat(1024 * 1024));
        upload_csv(&app, &w.admin, &w.initiative, "text/csv", huge).await.expect(413);
        assert_eq!(check_in_count(&app, &w.admin, &w.lehman).await, 2);

        // Export: formula-like text is neutralised; re-importing the export changes nothing.
        app.patch(&w.admin, &format!("/teams/{}", w.kennedy), json!({"name": "=HYPERLINK(\"http://evil\")"})).await.expect(200);
        app.post(&w.peer, &format!("/teams/{}/check-ins", w.kennedy), json!({"period": week(1), "value": 20, "note": "-2 after outreach"})).await.expect(201);
        let exported = app.get(&w.admin, &format!("/initiatives/{}/check-ins.csv", w.initiative)).await.expect(200);
        assert!(exported.content_type().starts_with("text/csv"));
        let text = exported.text.clone();
        assert!(text.starts_with("team,period,value,note\n"), "{text}");
        assert!(text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "{text}");
        assert!(text.contains("'-2 after outreach"), "{text}");
        assert!(!text.lines().any(|line| line.starts_with('=')));
        app.get(&w.lead, &format!("/initiatives/{}/check-ins.csv", w.initiative)).await.expect(403);
        let again = upload_csv(&app, &w.admin, &w.initiative, "text/csv", text.clone()).await.expect(200);
        assert_eq!(again.body["imported"], again.body["replaced"]);
        let kennedy = app.get(&w.peer, &format!("/teams/{}/check-ins", w.kennedy)).await.expect(200);
        assert_eq!(kennedy.body["items"][0]["note"], "-2 after outreach");
        assert_eq!(kennedy.body["items"][0]["previous_values"][0]["value"], 20.0);
        let reexported = app.get(&w.admin, &format!("/initiatives/{}/check-ins.csv", w.initiative)).await.expect(200);
        assert_eq!(reexported.text, text, "an export survives a round trip unchanged");
    }
}

backend_test! {
    async fn missing_check_ins_are_reminded_once_in_each_members_timezone(backend: Backend) {
        use chrono::{Datelike, Duration, Utc};
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;
        app.patch(&w.peer, "/me", json!({"timezone": "Pacific/Auckland"})).await.expect(200);
        // This week's Monday (UTC): the teams exist from this week on.
        let today = Utc::now().date_naive();
        let this_week = today - Duration::days(today.weekday().num_days_from_monday() as i64);
        let next_week = this_week + Duration::weeks(1);
        app.post(&w.lead, &format!("/teams/{}/check-ins", w.lehman), json!({"period": this_week.to_string(), "value": 15}))
            .await
            .expect(201);
        let pass = |now: chrono::DateTime<Utc>| {
            let db = app.state.db.writer().clone();
            async move { staffroom::initiatives::reminders::pass(&db, now).await.expect("a reminder pass") }
        };

        // Sunday noon UTC of next week: Monday already in Auckland, so Kennedy's member is
        // reminded of next week; Lehman's (UTC, still Sunday) owes this week, which is in.
        let sunday_noon = (next_week + Duration::days(6)).and_hms_opt(12, 0, 0).unwrap().and_utc();
        assert_eq!(pass(sunday_noon).await, 1);
        let due = notifications_of(&app, &w.peer, "check_in_due").await;
        assert_eq!(due.len(), 1);
        assert_eq!(due[0]["headline"], format!("Kennedy MS: the check-in for the week of {next_week} is missing"));
        assert_eq!(due[0]["url"], format!("/initiatives/{}#check-in", w.initiative));
        assert!(notifications_of(&app, &w.lead, "check_in_due").await.is_empty());
        assert_eq!(pass(sunday_noon).await, 0, "once per period");

        // Monday in UTC: Lehman checked in for next week in time; Kennedy was told already.
        app.post(&w.lead, &format!("/teams/{}/check-ins", w.lehman), json!({"period": next_week.to_string(), "value": 14}))
            .await
            .expect(201);
        let monday_noon = (next_week + Duration::days(7)).and_hms_opt(12, 0, 0).unwrap().and_utc();
        assert_eq!(pass(monday_noon).await, 0);
        assert!(notifications_of(&app, &w.lead, "check_in_due").await.is_empty());
        assert!(notifications_of(&app, &w.bystander, "check_in_due").await.is_empty());
        assert_eq!(notifications_of(&app, &w.peer, "check_in_due").await.len(), 1);
    }
}

backend_test! {
    /// What a member's own team owes comes before news; another team's bright spot is
    /// news; a team's own bright spot is not news to its members.
    async fn digests_lead_with_check_ins_owed_then_bright_spots_of_other_teams(backend: Backend) {
        use chrono::{Datelike, Duration, Utc};
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;
        check_in_weeks(&app, &w.lead, &w.lehman, 0, &baseline_then_better(6)).await;

        // Kennedy owes last week's check-in once a reminder pass has run after it ended.
        let today = Utc::now().date_naive();
        let this_week = today - Duration::days(today.weekday().num_days_from_monday() as i64);
        let next_week = this_week + Duration::weeks(1);
        let after = (next_week + Duration::days(8)).and_hms_opt(12, 0, 0).unwrap().and_utc();
        app.post(&w.lead, &format!("/teams/{}/check-ins", w.lehman), json!({"period": next_week.to_string(), "value": 12}))
            .await
            .expect(201);
        staffroom::initiatives::reminders::pass(app.state.db.writer(), after).await.unwrap();

        let preview = app.get(&w.peer, "/me/digest/preview?frequency=weekly").await.expect(200);
        let text = preview.body["text"].as_str().unwrap();
        assert_eq!(preview.body["subject"], format!("Kennedy MS: check in for the period of {next_week} · Staffroom weekly"));
        let owed = text.find("CHECK-INS YOUR TEAM OWES").expect("a check-ins section");
        let bright = text.find("BRIGHT SPOTS").expect("a bright-spots section");
        assert!(owed < bright, "what the team owes comes first:\n{text}");
        assert!(text[owed..].contains(&format!("Kennedy MS: check in for the period of {next_week}")), "{text}");
        assert!(text.contains("Lehman HS is a bright spot"));
        assert!(text.contains(&format!("/initiatives/{}#bright-spots", w.initiative)));
        assert!(preview.body["html"].as_str().unwrap().contains("Lehman HS is a bright spot"));

        // Lehman checked in for that week: nothing owed in its lead's digest, and its own
        // bright spot is not news to them; a member of another network hears nothing of
        // either.
        let lead = app.get(&w.lead, "/me/digest/preview?frequency=weekly").await.expect(200);
        let lead_text = lead.body["text"].as_str().unwrap();
        assert!(!lead_text.contains("CHECK-INS YOUR TEAM OWES"), "{lead_text}");
        assert!(!lead_text.contains("Lehman HS is a bright spot"), "{lead_text}");
        let elsewhere = app.post(&w.admin, "/networks", json!({"name": "Elsewhere", "visibility": "listed"})).await.expect(201).id();
        let outsider = app.add_member(&w.admin, &elsewhere, "Otto Outsider", "member").await;
        app.post(&outsider, &format!("/networks/{elsewhere}/threads"), json!({"title": "Hello", "body": "Anyone?"})).await.expect(201);
        let theirs = app.get(&w.admin, "/me/digest/preview?frequency=weekly").await.expect(200);
        assert!(theirs.body["text"].as_str().unwrap().contains("BRIGHT SPOTS"), "the admin is in the network");
        let outside = app.get(&outsider, "/me/digest/preview?frequency=weekly").await.expect(200);
        assert!(!outside.body["text"].as_str().unwrap().contains("Lehman"), "{}", outside.body["text"]);
    }
}

backend_test! {
    async fn an_import_ranks_bright_spots_every_write_is_an_event_and_a_removed_member_hears_none(backend: Backend) {
        use crate::losing_access::{send_sentinel, until_sentinel};
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;
        let mut watching = LiveClient::signed_in(&app, &w.bystander).await;
        watching.subscribe(&[&format!("network:{}", w.network), "me"], None).await;

        // One import makes both teams bright spots: Lehman a third below its baseline,
        // Kennedy a sixth. Each is announced once, and Lehman ranks first.
        let mut csv = String::from("team,period,value\n");
        for (i, value) in baseline_then_better(6).iter().enumerate() {
            csv.push_str(&format!("Lehman HS,{},{value}\n", week(i as i64)));
        }
        let kennedy: Vec<f64> = [20.0, 21.0, 19.0, 20.5, 20.0, 19.5, 21.0, 20.0, 19.8, 20.2]
            .into_iter()
            .chain([17.0, 16.8, 17.2, 16.9, 17.1, 17.0])
            .collect();
        for (i, value) in kennedy.iter().enumerate() {
            csv.push_str(&format!("Kennedy MS,{},{value}\n", week(i as i64)));
        }
        upload_csv(&app, &w.admin, &w.initiative, "text/csv", csv).await.expect(200);
        let spots = app.get(&w.bystander, &format!("/initiatives/{}/bright-spots", w.initiative)).await.expect(200);
        let ranked: Vec<&str> = spots.body.as_array().unwrap().iter().map(|s| s["team"]["name"].as_str().unwrap()).collect();
        assert_eq!(ranked, ["Lehman HS", "Kennedy MS"]);
        let changes: Vec<f64> = spots.body.as_array().unwrap().iter().map(|s| s["relative_change"].as_f64().unwrap()).collect();
        assert!(changes[0] < changes[1] && changes[1] < 0.0, "{changes:?}");
        let announced = notifications_of(&app, &w.peer, "bright_spot").await;
        assert_eq!(announced.len(), 2, "{announced:?}");

        // The network chart re-baselined from week 10: its baseline starts there and is
        // provisional (six points since).
        app.post(&w.lead, &format!("/initiatives/{}/rebaseline", w.initiative), json!({"from_period": week(10)})).await.expect(403);
        app.post(&w.admin, &format!("/initiatives/{}/rebaseline", w.initiative), json!({"from_period": week(10)})).await.expect(200);
        let chart = app.get(&w.bystander, &format!("/initiatives/{}/chart", w.initiative)).await.expect(200);
        assert_eq!(chart.body["baseline"]["from"], week(10));
        assert_eq!(chart.body["baseline"]["provisional"], true);
        assert_eq!(chart.body["points"].as_array().unwrap().len(), 16, "earlier points stay on the chart");

        // Every kind of write is in the log, in its network.
        app.patch(&w.admin, &format!("/initiatives/{}", w.initiative), json!({"stage": "analyze"})).await.expect(200);
        app.patch(&w.admin, &format!("/teams/{}", w.kennedy), json!({"organization": "District 10"})).await.expect(200);
        let test = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({"team_id": w.lehman, "change_idea": "Buddies", "plan": {}}))
            .await
            .expect(201)
            .id();
        app.patch(&w.lead, &format!("/tests/{test}"), json!({"status": "doing"})).await.expect(200);
        let spare = app.post(&w.admin, &format!("/initiatives/{}/teams", w.initiative), json!({"name": "Spare", "member_ids": []})).await.expect(201).id();
        app.delete(&w.admin, &format!("/teams/{spare}")).await.expect(204);
        let kinds: Vec<String> = app.events().await.into_iter().map(|(_, kind, _, _)| kind).collect();
        for kind in [
            "initiative.created", "initiative.team_created", "check_in.submitted", "bright_spot.detected",
            "initiative.rebaselined", "initiative.updated", "initiative.team_updated", "test_of_change.created",
            "test_of_change.updated", "initiative.team_deleted",
        ] {
            assert!(kinds.iter().any(|k| k == kind), "no {kind} among {kinds:?}");
        }
        assert_eq!(kinds.iter().filter(|k| *k == "bright_spot.detected").count(), 2);
        // The bystander heard them live.
        let mut heard = Vec::new();
        while !heard.iter().any(|k| k == "initiative.team_deleted") {
            let event = watching.event().await;
            heard.push(event["kind"].as_str().unwrap().to_owned());
        }
        assert!(heard.iter().any(|k| k == "initiative.updated"), "{heard:?}");

        // Removed a moment ago: the topic ends, and nothing later reaches them.
        app.delete(&w.admin, &format!("/networks/{}/members/{}", w.network, w.bystander.id)).await.expect(204);
        app.patch(&w.admin, &format!("/initiatives/{}", w.initiative), json!({"stage": "design_test"})).await.expect(200);
        check_in_weeks(&app, &w.lead, &w.lehman, 16, &[11.5]).await;
        send_sentinel(&app, &w.admin, &w.bystander).await;
        let after = until_sentinel(&mut watching, &w.network).await;
        for message in &after {
            assert!(message["type"] != "event" || !message["kind"].as_str().unwrap().starts_with("initiative."), "{message}");
            assert_ne!(message["kind"], "check_in.submitted", "{message}");
        }
    }
}

backend_test! {
    /// A file of hundreds of bad rows gets an answer a person can read: the first 100
    /// problems and how many more, a team the initiative lacks named once beside the teams
    /// it has; and nothing of it lands.
    async fn a_refused_import_lists_its_first_problems_and_counts_the_rest(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;

        // 500 rows, each with one bad value.
        let mut bad = String::from("team,period,value\n");
        for i in 0..500 {
            bad.push_str(&format!("Lehman HS,{},lots\n", week(i)));
        }
        let refused = upload_csv(&app, &w.admin, &w.initiative, "text/csv", bad).await.expect(422);
        let rows = refused.body["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 100, "{}", refused.text);
        assert_eq!(rows[0]["row"], 2);
        assert_eq!(rows[99]["row"], 101);
        assert!(rows.iter().all(|r| r["field"] == "value"));
        assert_eq!(refused.body["more_row_errors"], 400);
        let detail = refused.body["detail"].as_str().unwrap();
        assert!(detail.contains("500 rows are invalid") && detail.contains("400 more"), "{detail}");
        assert_eq!(check_in_count(&app, &w.admin, &w.lehman).await, 0);

        // A team the initiative lacks, on 50 otherwise good rows among good rows: one problem.
        let mut unknown = String::from("team,period,value\n");
        for i in 0..50 {
            unknown.push_str(&format!("Kennedy MS,{},20\n", week(i)));
            unknown.push_str(&format!("Westside Prep,{},20\n", week(i)));
        }
        let refused = upload_csv(&app, &w.admin, &w.initiative, "text/csv", unknown).await.expect(422);
        let rows = refused.body["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{}", refused.text);
        assert_eq!(rows[0]["row"], 3);
        assert_eq!(rows[0]["field"], "team");
        let message = rows[0]["message"].as_str().unwrap();
        for part in ["Westside Prep", "Lehman HS", "Kennedy MS", "50 rows"] {
            assert!(message.contains(part), "{part} missing from {message}");
        }
        assert_eq!(refused.body["more_row_errors"], 0);
        assert!(refused.body["detail"].as_str().unwrap().contains("50 rows are invalid"), "{}", refused.text);
        assert_eq!(check_in_count(&app, &w.admin, &w.kennedy).await, 0, "the good rows were not imported either");
        let exported = app.get(&w.admin, &format!("/initiatives/{}/check-ins.csv", w.initiative)).await.expect(200);
        assert_eq!(exported.text.trim_end(), "team,period,value,note");
    }
}

/// `who`'s notifications of `kind` that are still unread.
async fn unread_of(app: &TestApp, who: &Account, kind: &str) -> usize {
    notifications_of(app, who, kind)
        .await
        .iter()
        .filter(|n| n["read_at"].is_null())
        .count()
}

backend_test! {
    async fn opening_an_initiative_or_a_tried_test_settles_bright_spots_reminders_and_tries(backend: Backend) {
        use chrono::{Datelike, Duration, Utc};
        let app = TestApp::spawn(&backend).await;
        let w = attendance_world(&app).await;
        // A bright spot (both teams hear), then a reminder Kennedy's member owes a check-in.
        check_in_weeks(&app, &w.lead, &w.lehman, 0, &baseline_then_better(6)).await;
        let today = Utc::now().date_naive();
        let next_week = today - Duration::days(today.weekday().num_days_from_monday() as i64) + Duration::weeks(1);
        app.post(&w.lead, &format!("/teams/{}/check-ins", w.lehman), json!({"period": next_week.to_string(), "value": 12}))
            .await
            .expect(201);
        let after = (next_week + Duration::days(8)).and_hms_opt(12, 0, 0).unwrap().and_utc();
        staffroom::initiatives::reminders::pass(app.state.db.writer(), after).await.unwrap();
        assert_eq!(unread_of(&app, &w.peer, "bright_spot").await, 1);
        assert_eq!(unread_of(&app, &w.peer, "check_in_due").await, 1);
        assert_eq!(unread_of(&app, &w.lead, "bright_spot").await, 1);

        // Someone who may not see the initiative opens it: nothing of anyone's changes.
        let outsider = app.register("Otto Outsider").await;
        app.post(&outsider, &format!("/initiatives/{}/read", w.initiative), json!({})).await.expect(404);
        assert_eq!(unread_of(&app, &w.peer, "bright_spot").await, 1);

        // Kennedy's member opens the initiative: its bright spot and the reminder settle,
        // for them only.
        let opened = app.post(&w.peer, &format!("/initiatives/{}/read", w.initiative), json!({})).await.expect(200);
        assert_eq!(unread_of(&app, &w.peer, "bright_spot").await, 0);
        assert_eq!(unread_of(&app, &w.peer, "check_in_due").await, 0);
        assert_eq!(opened.body["unread_count"], app.get(&w.peer, "/notifications?unread=true&limit=100").await.expect(200).body["items"].as_array().unwrap().len());
        assert_eq!(unread_of(&app, &w.lead, "bright_spot").await, 1, "Lehman's lead has not looked yet");

        // Kennedy tries Lehman's test; Lehman's lead hears of it and settles it by opening
        // the test the notification leads to.
        let test = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({
                "team_id": w.lehman,
                "change_idea": "Mentors call home after the second absence",
                "plan": {"what": "Calls", "who": "Advisory mentors", "when": "Four weeks", "prediction": "Absence drops"}
            }))
            .await
            .expect(201)
            .id();
        app.post(&w.peer, &format!("/tests/{test}/try"), json!({"team_id": w.kennedy})).await.expect(201);
        let heard = notifications_of(&app, &w.lead, "test_tried").await;
        assert_eq!(heard.len(), 1);
        let leads_to = heard[0]["url"].as_str().unwrap().to_owned();
        app.post(&outsider, &format!("{leads_to}/read"), json!({})).await.expect(404);
        assert_eq!(unread_of(&app, &w.lead, "test_tried").await, 1);
        app.post(&w.lead, &format!("{leads_to}/read"), json!({})).await.expect(200);
        assert_eq!(unread_of(&app, &w.lead, "test_tried").await, 0);
        assert_eq!(unread_of(&app, &w.lead, "bright_spot").await, 1, "only what was opened settles");
    }
}
