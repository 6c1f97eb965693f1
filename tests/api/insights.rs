//! Facilitator insights over a hand-made week of activity with known answers: activity,
//! connections, help, resources, check-ins; JSON and CSV; facilitators only. Anonymous
//! askers, anonymous polls' voters and the people in a direct message never count among
//! anyone, whatever whole days are asked for.

use crate::backend_test;
use crate::helpers::*;
use serde_json::{json, Value};

fn edges(view: &Value) -> Vec<(String, String, String, u64)> {
    let mut found: Vec<(String, String, String, u64)> = view["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"]["display_name"].as_str().unwrap().to_owned(),
                e["to"]["display_name"].as_str().unwrap().to_owned(),
                e["kind"].as_str().unwrap().to_owned(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

backend_test! {
    async fn insights_count_a_hand_made_week_since_the_last_convening(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let ben = app.add_member(&admin, &network, "Ben Counselor", "member").await;
        let cy = app.add_member(&admin, &network, "Cy Teacher", "member").await;
        let dee = app.add_member(&admin, &network, "Dee Quietly", "member").await;
        let eve = app.add_member(&admin, &network, "Evangeline Whisperwood", "member").await;
        let fran = app.add_member(&admin, &network, "Fran Facilitator", "facilitator").await;
        let elsewhere = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"})).await.expect(201).id();
        let outsider = app.add_member(&admin, &elsewhere, "Otto Outsider", "member").await;

        // The last convening, yesterday: the default period starts there.
        let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
        app.post(&fran, &format!("/networks/{network}/convenings"), json!({
            "title": "Winter convening",
            "starts_at": yesterday.to_rfc3339(),
            "ends_at": (yesterday + chrono::Duration::hours(3)).to_rfc3339(),
            "agenda": "Bright spots"
        })).await.expect(201);

        // The week: Ana starts a thread and Ben replies; Cy finds the reply helpful.
        let thread = app.create_thread(&ana, &network, "Attendance letters that work").await;
        let reply = app.reply(&ben, thread["id"].as_str().unwrap(), "Ours go home in three languages.").await;
        app.put(&cy, &format!("/posts/{}/reactions/helpful", reply["id"].as_str().unwrap()), None).await.expect(200);
        // Eve asks anonymously and Ben answers at once; Ana asks, Cy offers, nobody answers.
        let hidden = app.post(&eve, &format!("/networks/{network}/help-requests"), json!({"title": "Struggling with a setback", "body": "x", "anonymous": true})).await.expect(201).id();
        app.post(&ben, &format!("/help-requests/{hidden}/responses"), json!({"body": "Name it early."})).await.expect(201);
        let open = app.post(&ana, &format!("/networks/{network}/help-requests"), json!({"title": "Bus routes and tardies", "body": "x"})).await.expect(201).id();
        app.put(&cy, &format!("/help-requests/{open}/offer"), None).await.expect(200);
        // Ana messages Dee, who otherwise only reads. A message to someone outside the
        // network (in Math PLN with Ana) counts for nothing here.
        app.post(&ana, "/conversations", json!({"member_ids": [dee.id], "body": "Want to visit our mentoring block?"})).await.expect(201);
        app.join_by_invitation(&admin, &elsewhere, &ana, "member").await;
        app.post(&ana, "/conversations", json!({"member_ids": [outsider.id], "body": "Hello from the other network"})).await.expect(201);
        // Ben shares a file and Cy downloads it; Fran asks a poll and the admin answers it.
        let resource = app.share_file(&ben, &network, "Letter template", "letter.md", b"# Dear family".to_vec()).await;
        let download = app.client.get(app.url(&format!("/resources/{resource}/download"))).bearer_auth(&cy.access_token).send().await.unwrap();
        assert_eq!(download.status(), 200);
        let poll = app.post(&fran, &format!("/networks/{network}/polls"), json!({"question": "Next topic?", "kind": "single", "options": ["Data", "Families"]})).await.expect(201);
        app.put(&admin, &format!("/polls/{}/vote", poll.id()), Some(json!({"option_ids": [poll.body["options"][0]["id"]]}))).await.expect(200);

        let insights = app.get(&fran, &format!("/networks/{network}/insights")).await.expect(200);
        let v = &insights.body;
        assert_eq!(v["period_source"], "since_last_convening");
        assert_eq!(v["members"], 7);
        // Active: Ana, Ben, Cy, Fran and the admin (who voted in a poll that names its
        // voters); Dee only read and Eve only asked anonymously.
        assert_eq!(v["active_members"], 5);
        assert_eq!(v["active_rate"], 0.714);
        // Connected: Ana, Ben and Cy; neither Eve (answered, but anonymously) nor Dee (only
        // messaged).
        assert_eq!(v["connected_members"], 3);
        assert_eq!(v["connection_rate"], 0.429);
        // The message is a count, held back below five.
        assert_eq!(v["unattributed"], json!({"anonymous_poll_votes": {"count": null, "fewer_than": 5}, "direct_messages": {"count": null, "fewer_than": 5}}));
        assert_eq!(edges(v), vec![
            ("Ben Counselor".to_owned(), "Ana Principal".to_owned(), "replied".to_owned(), 1),
            ("Cy Teacher".to_owned(), "Ana Principal".to_owned(), "offered".to_owned(), 1),
            ("Cy Teacher".to_owned(), "Ben Counselor".to_owned(), "reacted".to_owned(), 1),
        ]);
        assert!(!insights.text.contains("Evangeline") && !insights.text.contains(&eve.handle), "the anonymous asker is never named");
        assert_eq!(v["connection_count"], 3);
        let strongest = app.get(&fran, &format!("/networks/{network}/insights?connections_limit=1")).await.expect(200);
        assert_eq!(strongest.body["connections"].as_array().unwrap().len(), 1);
        assert_eq!(strongest.body["connection_count"], 3);
        app.get(&fran, &format!("/networks/{network}/insights?connections_limit=0")).await.expect(422);
        assert!(!insights.text.contains("Dee Quietly"), "a direct message is never an edge");
        assert!(!insights.text.contains("Want to visit"), "nor any of its content");
        assert_eq!(v["help"]["asked"], 2);
        assert_eq!(v["help"]["answered_48h"], 1);
        assert_eq!(v["help"]["answered_pct_48h"], 50.0);
        assert!(v["help"]["median_hours_to_first_response"].as_f64().unwrap() < 0.1);
        assert_eq!(v["help"]["unanswered"].as_array().unwrap().len(), 1);
        assert_eq!(v["help"]["unanswered"][0]["title"], "Bus routes and tardies");
        assert_eq!(v["help"]["unanswered"][0]["url"], format!("/help-requests/{open}"));
        assert_eq!(v["resources"], json!({"shared": 1, "downloads": 1}));
        assert_eq!(v["check_in_completion"], json!({"expected": 0, "submitted": 0, "rate": null}));

        // A period ending before the last convening starts at the one before it: with
        // none, 30 days before its end.
        let early = app.get(&fran, &format!("/networks/{network}/insights?to={}", (yesterday - chrono::Duration::days(2)).date_naive())).await.expect(200);
        assert_eq!(early.body["period_source"], "requested");
        let early_from: chrono::DateTime<chrono::Utc> = early.body["from"].as_str().unwrap().parse().unwrap();
        let early_to: chrono::DateTime<chrono::Utc> = early.body["to"].as_str().unwrap().parse().unwrap();
        assert_eq!((early_to - early_from).num_days(), 30);

        // A period before all of it counts nothing but the members.
        let before = app.get(&fran, &format!("/networks/{network}/insights?from=2026-01-01&to=2026-01-31")).await.expect(200);
        assert_eq!((before.body["active_members"].as_u64(), before.body["connection_rate"].as_f64()), (Some(0), Some(0.0)));
        assert_eq!(before.body["period_source"], "requested");

        // CSV: the figures, the connections and the unanswered requests.
        let csv = app.get(&fran, &format!("/networks/{network}/insights.csv")).await.expect(200);
        assert!(csv.content_type().starts_with("text/csv"));
        assert!(csv.text.starts_with("metric,value\n"), "{}", csv.text);
        assert!(csv.text.contains("connection_rate,0.429\n"), "{}", csv.text);
        assert!(csv.text.contains("direct_messages,fewer than 5\n"), "{}", csv.text);
        assert!(csv.text.contains("help_answered_pct_48h,50\n"), "{}", csv.text);
        let connections = app.get(&fran, &format!("/networks/{network}/insights.csv?table=connections")).await.expect(200);
        assert_eq!(connections.text.lines().count(), 4, "{}", connections.text);
        assert!(connections.text.contains("Cy Teacher,Ben Counselor,reacted,1"));
        assert!(!connections.text.contains("Evangeline"));
        let unanswered = app.get(&fran, &format!("/networks/{network}/insights.csv?table=unanswered")).await.expect(200);
        assert!(unanswered.text.contains("Bus routes and tardies"));

        // Bad periods and tables are 422.
        for query in ["from=yesterday", "from=2027-03-08&to=2027-03-01", "from=2020-01-01&to=2026-01-01"] {
            let refused = app.get(&fran, &format!("/networks/{network}/insights?{query}")).await.expect(422);
            assert!(refused.body["errors"]["from"].is_string(), "{query}: {}", refused.text);
        }
        app.get(&fran, &format!("/networks/{network}/insights.csv?table=everything")).await.expect(422);

        // Facilitators only: members, outsiders and a facilitator removed a moment ago get 404.
        for path in [format!("/networks/{network}/insights"), format!("/networks/{network}/insights.csv")] {
            app.get(&ana, &path).await.expect(404);
            app.get(&outsider, &path).await.expect(404);
            app.get(&admin, &path).await.expect(200);
        }
        app.delete(&admin, &format!("/networks/{network}/members/{}", fran.id)).await.expect(204);
        app.get(&fran, &format!("/networks/{network}/insights")).await.expect(404);
    }
}

backend_test! {
    async fn check_in_completion_counts_periods_due_and_adoptions_are_edges(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = crate::initiatives::attendance_world(&app).await;
        // Two teams, weekly, and a period of three whole weeks: six check-ins due.
        let monday = |weeks: i64| crate::initiatives::week(weeks);
        crate::initiatives::check_in_weeks(&app, &w.lead, &w.lehman, 0, &[18.0, 17.0, 16.0]).await;
        crate::initiatives::check_in_weeks(&app, &w.peer, &w.kennedy, 1, &[20.0]).await;
        let test = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({"team_id": w.lehman, "change_idea": "Buddies", "plan": {}}))
            .await
            .expect(201)
            .id();
        app.post(&w.peer, &format!("/tests/{test}/try"), json!({"team_id": w.kennedy})).await.expect(201);
        // Teams formed today owe nothing for 2027's weeks (they end after they formed), so
        // ask about the days around now (whole days: the network has no convening, so UTC):
        // check-ins were submitted now, for those periods.
        let today = chrono::Utc::now().date_naive();
        let insights = app
            .get(&w.admin, &format!("/networks/{}/insights?from={}&to={}", w.network, today.pred_opt().unwrap(), today.succ_opt().unwrap()))
            .await
            .expect(200);
        assert_eq!(insights.body["active_members"], 3, "{}", insights.text);
        assert_eq!(edges(&insights.body), vec![("Kofi Kennedy".to_owned(), "Lena Lehman".to_owned(), "adopted".to_owned(), 1)]);
        // The weeks of 2027: three whole weeks, two teams, four check-ins in.
        let weeks = app
            .get(&w.admin, &format!("/networks/{}/insights?from={}&to={}", w.network, monday(0), crate::initiatives::week(3).parse::<chrono::NaiveDate>().unwrap().pred_opt().unwrap()))
            .await
            .expect(200);
        assert_eq!(weeks.body["check_in_completion"], json!({"expected": 6, "submitted": 4, "rate": 0.667}), "{}", weeks.text);
    }
}

/// What insights say about people and about acts that name nobody, over each window.
async fn people_figures(
    app: &TestApp,
    who: &Account,
    network: &str,
    windows: &[String],
) -> Vec<Value> {
    let mut all = Vec::new();
    for window in windows {
        let v = app
            .get(who, &format!("/networks/{network}/insights?{window}"))
            .await
            .expect(200)
            .body;
        all.push(json!({
            "window": window,
            "members": v["members"],
            "active_members": v["active_members"],
            "active_rate": v["active_rate"],
            "connected_members": v["connected_members"],
            "connection_rate": v["connection_rate"],
            "connections": v["connections"],
            "connection_count": v["connection_count"],
            "unattributed": v["unattributed"],
        }));
    }
    all
}

fn day_after(day: &str, days: i64) -> String {
    (day.parse::<chrono::NaiveDate>().unwrap() + chrono::Duration::days(days)).to_string()
}

backend_test! {
    async fn no_window_of_days_tells_who_asked_voted_or_messaged_anonymously(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let ben = app.add_member(&admin, &network, "Ben Counselor", "member").await;
        let cy = app.add_member(&admin, &network, "Cy Teacher", "member").await;
        let dee = app.add_member(&admin, &network, "Dee Quietly", "member").await;
        let eve = app.add_member(&admin, &network, "Evangeline Whisperwood", "member").await;
        let fran = app.add_member(&admin, &network, "Fran Facilitator", "facilitator").await;

        // The network meets in Kolkata (UTC+05:30, no daylight time): its days are Kolkata's.
        let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
        app.post(&fran, &format!("/networks/{network}/convenings"), json!({
            "title": "Winter convening",
            "starts_at": yesterday.to_rfc3339(),
            "ends_at": (yesterday + chrono::Duration::hours(3)).to_rfc3339(),
            "timezone": "Asia/Kolkata",
            "agenda": "Bright spots"
        })).await.expect(201);
        let poll = app.post(&fran, &format!("/networks/{network}/polls"), json!({"question": "How is the network going for you?", "kind": "single", "options": ["Well", "Not well"], "anonymous": true})).await.expect(201);
        let option = json!({"option_ids": [poll.body["options"][1]["id"]]});
        let thread = app.create_thread(&ben, &network, "Attendance letters that work").await;

        let default = app.get(&fran, &format!("/networks/{network}/insights")).await.expect(200).body;
        assert_eq!(default["timezone"], "Asia/Kolkata", "{default}");
        let kolkata = chrono::Duration::minutes(330);
        let convening_day = (yesterday + kolkata).date_naive();
        assert_eq!(default["first_day"], convening_day.to_string(), "{default}");
        let from: chrono::DateTime<chrono::Utc> = default["from"].as_str().unwrap().parse().unwrap();
        assert_eq!(from, convening_day.and_hms_opt(0, 0, 0).unwrap().and_utc() - kolkata, "the day starts at midnight in Kolkata");
        let today = default["last_day"].as_str().unwrap().to_owned();
        assert_eq!(today, (chrono::Utc::now() + kolkata).date_naive().to_string());

        // The facilitator's attack: a window around each act, then stretched. Days are the
        // finest grain: the day of the acts, stretched back, forward, and the default.
        let windows = vec![
            format!("from={today}&to={today}"),
            format!("from={}&to={today}", day_after(&today, -1)),
            format!("from={today}&to={}", day_after(&today, 1)),
            format!("from={}&to={}", day_after(&today, -7), day_after(&today, 7)),
            String::new(),
        ];
        // Before any anonymous act: Fran (convening, poll) and Ben (thread) are active.
        let before = people_figures(&app, &fran, &network, &windows).await;
        assert_eq!(before[0]["active_members"], 2, "{}", before[0]);
        assert_eq!(before[0]["connected_members"], 0, "{}", before[0]);

        // Eve asks anonymously: the request counts (every member sees it listed), Eve does not.
        let asked_before = app.get(&fran, &format!("/networks/{network}/insights?from={today}&to={today}")).await.expect(200).body["help"]["asked"].as_u64().unwrap();
        app.post(&eve, &format!("/networks/{network}/help-requests"), json!({"title": "Struggling with a setback", "body": "x", "anonymous": true})).await.expect(201);
        assert_eq!(people_figures(&app, &fran, &network, &windows).await, before, "an anonymous request moved a figure about people");
        let after_asking = app.get(&fran, &format!("/networks/{network}/insights?from={today}&to={today}")).await.expect(200);
        assert_eq!(after_asking.body["help"]["asked"].as_u64().unwrap(), asked_before + 1);

        // Dee votes in the anonymous poll.
        app.put(&dee, &format!("/polls/{}/vote", poll.id()), Some(option.clone())).await.expect(200);
        assert_eq!(people_figures(&app, &fran, &network, &windows).await, before, "an anonymous ballot moved a figure");

        // Ana messages Dee.
        let started = app.post(&ana, "/conversations", json!({"member_ids": [dee.id], "body": "Want to visit our mentoring block?"})).await.expect(201);
        let conversation = started.body["conversation"]["id"].as_str().unwrap().to_owned();
        let after_private = people_figures(&app, &fran, &network, &windows).await;
        assert_eq!(after_private, before, "a direct message moved a figure");
        for figures in &after_private {
            assert_eq!(figures["unattributed"]["direct_messages"], json!({"count": null, "fewer_than": 5}), "{figures}");
        }

        // Stretched to the next signed act: only its actor moves the figures. Cy replies in
        // Ben's thread; Cy becomes active, and Cy and Ben connected.
        app.reply(&cy, thread["id"].as_str().unwrap(), "Ours go home in three languages.").await;
        let after_signed = people_figures(&app, &fran, &network, &windows).await;
        for (was, is) in before.iter().zip(&after_signed) {
            assert_eq!(is["active_members"], was["active_members"].as_u64().unwrap() + 1, "{is}");
            assert_eq!(is["connected_members"], 2, "{is}");
            assert_eq!(edges(is), vec![("Cy Teacher".to_owned(), "Ben Counselor".to_owned(), "replied".to_owned(), 1)]);
        }

        // Five messages and five anonymous ballots are shown as counts, and still add no one.
        for n in 0..4 {
            app.post(&ana, &format!("/conversations/{conversation}/messages"), json!({"body": format!("And another thing ({n})")})).await.expect(201);
        }
        for voter in [&ana, &ben, &cy, &eve] {
            app.put(voter, &format!("/polls/{}/vote", poll.id()), Some(option.clone())).await.expect(200);
        }
        let counted = people_figures(&app, &fran, &network, &windows).await;
        for (was, is) in after_signed.iter().zip(&counted) {
            assert_eq!(is["unattributed"], json!({"anonymous_poll_votes": {"count": 5, "fewer_than": null}, "direct_messages": {"count": 5, "fewer_than": null}}), "{is}");
            let mut is = is.clone();
            is["unattributed"] = was["unattributed"].clone();
            assert_eq!(&is, was, "five private acts moved a figure about people");
        }
        let csv = app.get(&fran, &format!("/networks/{network}/insights.csv?from={today}&to={today}")).await.expect(200);
        assert!(csv.text.contains("anonymous_poll_votes,5\n") && csv.text.contains("direct_messages,5\n"), "{}", csv.text);
        assert!(csv.text.contains("timezone,Asia/Kolkata\n"), "{}", csv.text);

        // Nothing in any of it points at Eve, Dee or Ana, who acted only anonymously or in private.
        for window in &windows {
            for path in [format!("/networks/{network}/insights?{window}"), format!("/networks/{network}/insights.csv?table=connections&{window}")] {
                let reply = app.get(&fran, &path).await.expect(200);
                for hidden in [&eve, &dee, &ana] {
                    assert!(!reply.text.contains(&hidden.display_name) && !reply.text.contains(&hidden.handle), "{path} names {}: {}", hidden.display_name, reply.text);
                    if let Some(connections) = reply.body["connections"].as_array() {
                        assert!(connections.iter().all(|c| c["from"]["id"] != hidden.id.as_str() && c["to"]["id"] != hidden.id.as_str()), "{path}: {}", reply.text);
                    }
                }
            }
        }

        // A window narrower than a day is refused, by field, in JSON and CSV alike.
        let now = chrono::Utc::now();
        let moment = |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        for path in ["insights", "insights.csv"] {
            let refused = app.get(&fran, &format!("/networks/{network}/{path}?from={}&to={}", moment(now - chrono::Duration::seconds(1)), moment(now + chrono::Duration::seconds(1)))).await.expect(422);
            assert!(refused.content_type().starts_with("application/problem+json"), "{}", refused.text);
            assert!(refused.body["errors"]["from"].as_str().unwrap().contains("whole days"), "{}", refused.text);
            assert!(refused.body["errors"]["to"].is_string(), "{}", refused.text);
        }
        let refused = app.get(&fran, &format!("/networks/{network}/insights?from={today}&to={today}T23:59:59Z")).await.expect(422);
        assert!(refused.body["errors"]["to"].is_string() && refused.body["errors"].get("from").is_none(), "{}", refused.text);
    }
}
