//! Polls: collecting information in a network or a thread, results shown by each poll's
//! rule in responses and in live events shaped for each receiver, closing, and who may see
//! any of it.

use crate::backend_test;
use crate::helpers::*;
use crate::live_client::LiveClient;
use serde_json::{json, Value};
use std::time::Duration;

fn option_ids(poll: &Value) -> Vec<String> {
    poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

fn votes(poll: &Value) -> Vec<u64> {
    poll["results"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes"].as_u64().unwrap())
        .collect()
}

async fn ask(app: &TestApp, who: &Account, network: &str, body: Value) -> Value {
    app.post(who, &format!("/networks/{network}/polls"), body)
        .await
        .expect(201)
        .body
}

/// The next `poll.*` event on `client`.
async fn next_poll_event(client: &mut LiveClient) -> Value {
    loop {
        let event = client.event().await;
        if event["kind"].as_str().unwrap().starts_with("poll.") {
            return event;
        }
    }
}

backend_test! {
    async fn polls_collect_answers_and_show_results_by_their_rule(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let ben = app.add_member(&admin, &network, "Ben Counselor", "member").await;
        let fran = app.add_member(&admin, &network, "Fran Facilitator", "facilitator").await;

        // Always: everyone sees the counts and, for a named poll, who chose what.
        let poll = ask(&app, &ana, &network, json!({
            "question": "Which day suits the next convening?",
            "kind": "single", "options": ["Monday", " Tuesday ", "Wednesday"]
        })).await;
        assert_eq!(poll["results_visibility"], "always");
        assert_eq!(poll["url"], format!("/polls/{}", poll["id"].as_str().unwrap()));
        let id = poll["id"].as_str().unwrap().to_owned();
        let [monday, tuesday, wednesday] = <[String; 3]>::try_from(option_ids(&poll)).unwrap();
        assert_eq!(poll["options"][1]["label"], "Tuesday");
        let before = app.get(&ben, &format!("/polls/{id}")).await.expect(200);
        assert_eq!(before.body["results_visible"], true);
        assert_eq!(votes(&before.body), [0, 0, 0]);
        let voted = app.put(&ben, &format!("/polls/{id}/vote"), Some(json!({"option_ids": [tuesday]}))).await.expect(200);
        assert_eq!(voted.body["my_vote"]["option_ids"], json!([tuesday]));
        assert_eq!(voted.body["voter_count"], 1);
        assert_eq!(votes(&voted.body), [0, 1, 0]);
        assert_eq!(voted.body["results"]["options"][1]["voters"][0]["display_name"], "Ben Counselor");
        assert_eq!(voted.body["results"]["options"][1]["percent"], 100.0);
        // Changing one's mind replaces the vote; taking it back removes it.
        let changed = app.put(&ben, &format!("/polls/{id}/vote"), Some(json!({"option_ids": [wednesday]}))).await.expect(200);
        assert_eq!(votes(&changed.body), [0, 0, 1]);
        app.put(&ana, &format!("/polls/{id}/vote"), Some(json!({"option_ids": [monday]}))).await.expect(200);
        let retracted = app.delete(&ben, &format!("/polls/{id}/vote")).await.expect(200);
        assert_eq!(retracted.body["my_vote"], Value::Null);
        assert_eq!(retracted.body["voter_count"], 1);
        assert_eq!(votes(&retracted.body), [1, 0, 0]);

        // Bad ballots are 422 and change nothing.
        let other = ask(&app, &ana, &network, json!({"question": "Other?", "kind": "multiple", "options": ["a", "b"]})).await;
        let foreign = option_ids(&other)[0].clone();
        for (ballot, field) in [
            (json!({"option_ids": [foreign]}), "option_ids"),
            (json!({"option_ids": [monday, tuesday]}), "option_ids"),
            (json!({"option_ids": []}), "option_ids"),
            (json!({"value": 3}), "value"),
            (json!({"option_ids": ["x"]}), "option_ids[0]"),
        ] {
            let refused = app.put(&ben, &format!("/polls/{id}/vote"), Some(ballot.clone())).await.expect(422);
            assert!(refused.body["errors"][field].is_string(), "{ballot}: {}", refused.text);
        }
        assert_eq!(app.get(&ben, &format!("/polls/{id}")).await.expect(200).body["voter_count"], 1);
        let many = app.put(&ben, &format!("/polls/{}/vote", other["id"].as_str().unwrap()), Some(json!({"option_ids": option_ids(&other)}))).await.expect(200);
        assert_eq!(votes(&many.body), [1, 1], "a multiple-choice ballot takes several");

        // On vote: results once you voted, or for everyone once closed.
        let on_vote = ask(&app, &ana, &network, json!({"question": "Biggest barrier?", "kind": "single", "options": ["Transport", "Health"], "results": "on_vote"})).await;
        let on_vote_id = on_vote["id"].as_str().unwrap().to_owned();
        assert_eq!(on_vote["results_visible"], false, "not even the author before voting");
        assert_eq!(on_vote["results"], Value::Null);
        let after = app.put(&ben, &format!("/polls/{on_vote_id}/vote"), Some(json!({"option_ids": [option_ids(&on_vote)[0]]}))).await.expect(200);
        assert_eq!(after.body["results_visible"], true);
        let unvoted = app.get(&fran, &format!("/polls/{on_vote_id}")).await.expect(200);
        assert_eq!(unvoted.body["results"], Value::Null);
        assert!(!unvoted.text.contains("Ben Counselor"), "no voter names without results");
        assert_eq!(unvoted.body["voter_count"], 1, "participation is shown to all");

        // On close: nobody until it closes; then a vote is a conflict.
        let on_close = ask(&app, &ana, &network, json!({"question": "Rate the PD day", "kind": "number", "min": 1, "max": 5, "results": "on_close"})).await;
        let on_close_id = on_close["id"].as_str().unwrap().to_owned();
        for (who, value) in [(&ben, 4.0), (&fran, 5.0), (&ana, 2.5)] {
            let reply = app.put(who, &format!("/polls/{on_close_id}/vote"), Some(json!({"value": value}))).await.expect(200);
            assert_eq!(reply.body["results"], Value::Null);
        }
        app.put(&ben, &format!("/polls/{on_close_id}/vote"), Some(json!({"value": 6}))).await.expect(422);
        app.patch(&ben, &format!("/polls/{on_close_id}"), json!({"closed": true})).await.expect(403);
        let closed = app.patch(&ana, &format!("/polls/{on_close_id}"), json!({"closed": true})).await.expect(200);
        assert_eq!(closed.body["is_closed"], true);
        let summary = &closed.body["results"]["number"];
        assert_eq!((summary["count"].as_u64(), summary["median"].as_f64(), summary["min"].as_f64(), summary["max"].as_f64()), (Some(3), Some(4.0), Some(2.5), Some(5.0)));
        assert_eq!(closed.body["results"]["values"].as_array().unwrap().len(), 3, "named: who answered what");
        let late = app.put(&ben, &format!("/polls/{on_close_id}/vote"), Some(json!({"value": 3}))).await.expect(409);
        assert_eq!(late.content_type(), "application/problem+json");
        app.delete(&ben, &format!("/polls/{on_close_id}/vote")).await.expect(409);
        app.patch(&ana, &format!("/polls/{on_close_id}"), json!({"closed": false})).await.expect(422);
        let on_vote_now = app.get(&fran, &format!("/polls/{on_vote_id}")).await.expect(200);
        assert_eq!(on_vote_now.body["results"], Value::Null);
        app.patch(&fran, &format!("/polls/{on_vote_id}"), json!({"closed": true})).await.expect(200);
        assert_eq!(app.get(&fran, &format!("/polls/{on_vote_id}")).await.expect(200).body["results_visible"], true, "closed: everyone sees");

        // Facilitators only: whoever voted, only facilitators see the results.
        let private = ask(&app, &ana, &network, json!({"question": "How is the network going for you?", "kind": "single", "options": ["Well", "Not well"], "results": "facilitators", "anonymous": true})).await;
        let private_id = private["id"].as_str().unwrap().to_owned();
        let voted = app.put(&ben, &format!("/polls/{private_id}/vote"), Some(json!({"option_ids": [option_ids(&private)[1]]}))).await.expect(200);
        assert_eq!(voted.body["results"], Value::Null);
        assert_eq!(voted.body["my_vote"]["option_ids"].as_array().unwrap().len(), 1, "your own vote is yours to see");
        for facilitator in [&fran, &admin] {
            let seen = app.get(facilitator, &format!("/polls/{private_id}")).await.expect(200);
            assert_eq!(votes(&seen.body), [0, 1]);
            // Anonymous: counts only, never names.
            assert_eq!(seen.body["results"]["options"][1]["voters"], Value::Null);
            assert!(!seen.text.contains("Ben Counselor"));
        }

        // Bad polls are 422 naming each field, and nothing is created.
        let count = |body: Value| body["items"].as_array().unwrap().len();
        let before = count(app.get(&ana, &format!("/networks/{network}/polls")).await.expect(200).body);
        for (body, fields) in [
            (json!({"question": "", "kind": "single", "options": ["a"]}), vec!["question", "options"]),
            (json!({"question": "Q", "kind": "single", "options": ["a", "A"]}), vec!["options[1]"]),
            (json!({"question": "Q", "kind": "number", "options": ["a", "b"]}), vec!["options"]),
            (json!({"question": "Q", "kind": "number", "min": 5, "max": 1}), vec!["max"]),
            (json!({"question": "Q", "kind": "single", "options": ["a", "b"], "closes_at": "2020-01-01T00:00:00Z"}), vec!["closes_at"]),
            (json!({"question": "Q", "kind": "ranked", "options": ["a", "b"]}), vec!["kind"]),
            (json!({"question": "Q", "kind": "single", "options": ["a", "b"], "results": "sometimes"}), vec!["results"]),
            (json!({"question": "Q", "kind": "single", "options": ["a", "b"], "colour": "red"}), vec!["colour"]),
        ] {
            let refused = app.post(&ana, &format!("/networks/{network}/polls"), body.clone()).await.expect(422);
            for field in fields {
                assert!(refused.body["errors"][field].is_string(), "{body} should name {field}: {}", refused.text);
            }
        }
        assert_eq!(count(app.get(&ana, &format!("/networks/{network}/polls")).await.expect(200).body), before);

        // Lists: open and closed, newest first.
        let open = app.get(&ben, &format!("/networks/{network}/polls?status=open")).await.expect(200);
        assert!(open.body["items"].as_array().unwrap().iter().all(|p| p["is_closed"] == false));
        let closed_list = app.get(&ben, &format!("/networks/{network}/polls?status=closed")).await.expect(200);
        assert_eq!(count(closed_list.body), 2);
        app.get(&ben, &format!("/networks/{network}/polls?status=later")).await.expect(422);
    }
}

backend_test! {
    async fn a_thread_poll_lives_in_its_thread_and_closes_at_its_time(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.polls.close_interval_secs = 1).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let thread = app.create_thread(&ana, &network, "Planning the spring convening").await;
        let thread_id = thread["id"].as_str().unwrap().to_owned();
        let elsewhere = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"})).await.expect(201).id();
        let foreign_thread = app.create_thread(&admin, &elsewhere, "Elsewhere").await;
        app.post(&ana, &format!("/networks/{network}/polls"), json!({"question": "Q", "kind": "single", "options": ["a", "b"], "thread_id": foreign_thread["id"]})).await.expect(422);

        let mut live = LiveClient::signed_in(&app, &admin).await;
        live.subscribe(&[&format!("thread:{thread_id}")], None).await;
        let closes_at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
        let poll = ask(&app, &ana, &network, json!({
            "question": "Morning or afternoon?", "kind": "single", "options": ["Morning", "Afternoon"],
            "thread_id": thread_id, "closes_at": closes_at, "results": "on_close"
        })).await;
        let id = poll["id"].as_str().unwrap().to_owned();
        assert_eq!(poll["thread_id"], thread_id.as_str());
        let created = next_poll_event(&mut live).await;
        assert_eq!((created["kind"].as_str(), created["topic"].as_str()), (Some("poll.created"), Some(format!("thread:{thread_id}").as_str())));
        let in_thread = app.get(&admin, &format!("/networks/{network}/polls?thread_id={thread_id}")).await.expect(200);
        assert_eq!(in_thread.body["items"][0]["id"], id.as_str());
        app.put(&admin, &format!("/polls/{id}/vote"), Some(json!({"option_ids": [option_ids(&poll)[0]]}))).await.expect(200);
        let voted = next_poll_event(&mut live).await;
        assert_eq!(voted["kind"], "poll.voted");
        assert!(voted["data"]["poll"]["results"].is_null(), "on close: no results yet, even live: {voted}");

        // The closer settles it at its time and says so live, results and all.
        let closed = next_poll_event(&mut live).await;
        assert_eq!(closed["kind"], "poll.updated");
        assert_eq!(closed["data"]["poll"]["is_closed"], true);
        assert_eq!(closed["data"]["poll"]["results"]["options"][0]["votes"], 1);
        let seen = app.get(&ana, &format!("/polls/{id}")).await.expect(200);
        let closed_at: chrono::DateTime<chrono::Utc> = seen.body["closed_at"].as_str().unwrap().parse().unwrap();
        let due: chrono::DateTime<chrono::Utc> = closes_at.parse().unwrap();
        assert!((closed_at - due).num_milliseconds().abs() < 1, "closed at its time: {closed_at} vs {due}");
        app.put(&ana, &format!("/polls/{id}/vote"), Some(json!({"option_ids": [option_ids(&poll)[1]]}))).await.expect(409);
    }
}

backend_test! {
    async fn live_results_are_shaped_for_each_receiver(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let voter = app.add_member(&admin, &network, "Vera Voter", "member").await;
        let waiting = app.add_member(&admin, &network, "Nate Notyet", "member").await;
        let fran = app.add_member(&admin, &network, "Fran Facilitator", "facilitator").await;
        let mut clients = Vec::new();
        let mut start = String::new();
        for who in [&voter, &waiting, &fran] {
            let mut client = LiveClient::signed_in(&app, who).await;
            let subscribed = client.subscribe(&[&format!("network:{network}")], None).await;
            start = subscribed["last_event_id"].as_str().unwrap().to_owned();
            clients.push(client);
        }
        let on_vote = ask(&app, &admin, &network, json!({"question": "Which tool?", "kind": "single", "options": ["Calls", "Texts"], "results": "on_vote"})).await;
        let staff = ask(&app, &admin, &network, json!({"question": "Staff only", "kind": "single", "options": ["x", "y"], "results": "facilitators", "anonymous": true})).await;
        app.put(&voter, &format!("/polls/{}/vote", on_vote["id"].as_str().unwrap()), Some(json!({"option_ids": [option_ids(&on_vote)[1]]}))).await.expect(200);
        app.put(&voter, &format!("/polls/{}/vote", staff["id"].as_str().unwrap()), Some(json!({"option_ids": [option_ids(&staff)[0]]}))).await.expect(200);

        let mut frames: Vec<Vec<Value>> = Vec::new();
        for client in clients.iter_mut() {
            let mut mine = Vec::new();
            while mine.len() < 4 {
                mine.push(next_poll_event(client).await);
            }
            frames.push(mine);
        }
        let results_of = |frame: &Value| frame["data"]["poll"]["results"].clone();
        for frames in &frames {
            for frame in frames {
                assert!(frame["data"].get("results").is_none(), "the unshaped results never leave the server: {frame}");
            }
        }
        let [voter_frames, waiting_frames, fran_frames] = <[Vec<Value>; 3]>::try_from(frames).unwrap();
        // The on-vote poll's vote: the voter sees results (with her name), the others none.
        assert_eq!(voter_frames[2]["kind"], "poll.voted");
        assert_eq!(results_of(&voter_frames[2])["options"][1]["voters"][0]["display_name"], "Vera Voter");
        for frame in [&waiting_frames[2], &fran_frames[2]] {
            assert!(results_of(frame).is_null(), "{frame}");
            assert_eq!(frame["data"]["poll"]["results_visible"], false);
            assert!(!frame.to_string().contains("Vera Voter"), "{frame}");
        }
        // The facilitators-only poll: only the facilitator, and never a name.
        assert!(results_of(&voter_frames[3]).is_null());
        assert!(results_of(&waiting_frames[3]).is_null());
        assert_eq!(results_of(&fran_frames[3])["options"][0]["votes"], 1);
        assert!(!fran_frames[3].to_string().contains("Vera Voter"), "anonymous: no names even for facilitators");

        // A replay is shaped the same way, decided at replay time.
        let mut replay = LiveClient::signed_in(&app, &waiting).await;
        replay.subscribe(&[&format!("network:{network}")], Some(&start)).await;
        let mut replayed = Vec::new();
        while replayed.len() < 4 {
            replayed.push(next_poll_event(&mut replay).await);
        }
        assert!(results_of(&replayed[2]).is_null());
        assert!(!replayed[2].to_string().contains("Vera Voter"));
        // Once Nate votes too, his replay shows the results.
        app.put(&waiting, &format!("/polls/{}/vote", on_vote["id"].as_str().unwrap()), Some(json!({"option_ids": [option_ids(&on_vote)[0]]}))).await.expect(200);
        let mut again = LiveClient::signed_in(&app, &waiting).await;
        again.subscribe(&[&format!("network:{network}")], Some(&start)).await;
        let mut replayed = Vec::new();
        while replayed.len() < 5 {
            replayed.push(next_poll_event(&mut again).await);
        }
        assert_eq!(results_of(&replayed[4])["voter_count"], 2);
    }
}

backend_test! {
    async fn outsiders_and_removed_members_get_nothing_from_a_poll(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let leaving = app.add_member(&admin, &network, "Lee Leaving", "member").await;
        let elsewhere = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "listed"})).await.expect(201).id();
        let outsider = app.add_member(&admin, &elsewhere, "Otto Outsider", "member").await;
        let poll = ask(&app, &ana, &network, json!({"question": "Chronic absence incentives that worked?", "kind": "multiple", "options": ["Raffles", "Mentors"]})).await;
        let id = poll["id"].as_str().unwrap().to_owned();
        let option = option_ids(&poll)[0].clone();
        app.delete(&admin, &format!("/networks/{network}/members/{}", leaving.id)).await.expect(204);
        for who in [&outsider, &leaving] {
            app.get(who, &format!("/polls/{id}")).await.expect(404);
            app.get(who, &format!("/networks/{network}/polls")).await.expect(404);
            app.post(who, &format!("/networks/{network}/polls"), json!({"question": "Q", "kind": "single", "options": ["a", "b"]})).await.expect(404);
            app.put(who, &format!("/polls/{id}/vote"), Some(json!({"option_ids": [option]}))).await.expect(404);
            app.delete(who, &format!("/polls/{id}/vote")).await.expect(404);
            app.patch(who, &format!("/polls/{id}"), json!({"closed": true})).await.expect(404);
            app.delete(who, &format!("/polls/{id}")).await.expect(404);
            let search = app.get(who, "/search?q=incentives&types=poll").await.expect(200);
            assert_eq!(search.body["total"], 0);
        }
        // Members find it in search (never its results), until it is removed.
        eventually(Duration::from_secs(20), "the poll in search", || async {
            let reply = app.get(&ana, "/search?q=incentivs&types=poll").await.expect(200);
            (reply.body["hits"][0]["id"] == id.as_str()).then_some(())
        })
        .await;
        app.delete(&admin, &format!("/polls/{id}")).await.expect(204);
        app.get(&ana, &format!("/polls/{id}")).await.expect(404);
        eventually(Duration::from_secs(20), "the poll gone from search", || async {
            let reply = app.get(&ana, "/search?q=incentives&types=poll").await.expect(200);
            (reply.body["total"] == 0).then_some(())
        })
        .await;
        let mut live = LiveClient::signed_in(&app, &outsider).await;
        live.send(json!({"type": "subscribe", "topics": [format!("network:{network}")]})).await;
        assert_eq!(live.expect("error").await["type"], "error");
    }
}

backend_test! {
    async fn open_polls_wait_in_the_digests_of_those_who_have_not_answered(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let ben = app.add_member(&admin, &network, "Ben Counselor", "member").await;
        let cy = app.add_member(&admin, &network, "Cy Teacher", "member").await;
        let elsewhere = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"})).await.expect(201).id();
        let outsider = app.add_member(&admin, &elsewhere, "Otto Outsider", "member").await;
        let closes_at = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
        let poll = ask(&app, &ana, &network, json!({"question": "Which night works for the family forum?", "kind": "single", "options": ["Tue", "Thu"], "closes_at": closes_at})).await;
        let closed = ask(&app, &ana, &network, json!({"question": "An already closed poll", "kind": "single", "options": ["a", "b"]})).await;
        app.patch(&ana, &format!("/polls/{}", closed["id"].as_str().unwrap()), json!({"closed": true})).await.expect(200);

        let preview = |who: Account| {
            let app = &app;
            async move { app.get(&who, "/me/digest/preview?frequency=weekly").await.expect(200) }
        };
        let digest = preview(ben.clone()).await;
        assert!(digest.text.contains("Polls waiting for your answer"), "{}", digest.text);
        assert!(digest.text.contains("Which night works for the family forum?"));
        assert!(digest.text.contains(&format!("/polls/{}", poll["id"].as_str().unwrap())));
        assert!(digest.text.contains("closes"), "{}", digest.text);
        assert!(!digest.text.contains("An already closed poll"));
        assert_eq!(digest.body["subject"], "1 poll is waiting for your answer · Staffroom weekly");
        // Answered, asked by you, or out of sight: not in your digest.
        app.put(&cy, &format!("/polls/{}/vote", poll["id"].as_str().unwrap()), Some(json!({"option_ids": [option_ids(&poll)[1]]}))).await.expect(200);
        for who in [cy.clone(), ana.clone(), outsider.clone()] {
            let digest = preview(who).await;
            assert!(!digest.text.contains("family forum"), "{}", digest.text);
        }
        app.delete(&admin, &format!("/networks/{network}/members/{}", ben.id)).await.expect(204);
        assert!(!preview(ben).await.text.contains("family forum"), "removed a moment ago");
    }
}

backend_test! {
    async fn a_replay_shows_polls_as_they_are_now_and_a_deleted_or_locked_thread_ends_voting(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ben = app.add_member(&admin, &network, "Ben Counselor", "member").await;
        let mut first = LiveClient::signed_in(&app, &admin).await;
        let start = first.subscribe(&[&format!("network:{network}")], None).await["last_event_id"].as_str().unwrap().to_owned();
        let poll = ask(&app, &admin, &network, json!({"question": "First wording", "kind": "single", "options": ["Tue", "Thu"]})).await;
        let id = poll["id"].as_str().unwrap().to_owned();
        app.put(&ben, &format!("/polls/{id}/vote"), Some(json!({"option_ids": [option_ids(&poll)[0]]}))).await.expect(200);
        app.delete(&ben, &format!("/polls/{id}/vote")).await.expect(200);
        app.patch(&admin, &format!("/polls/{id}"), json!({"question": "Second wording"})).await.expect(200);
        // The log keeps no results and no voter: receivers are shown the poll as it is.
        for (_, kind, _, payload) in app.events().await {
            if kind.starts_with("poll.") {
                assert!(payload.get("results").is_none() && payload["poll"]["results"].is_null(), "{payload}");
                assert!(!payload.to_string().contains("Ben Counselor"), "{payload}");
            }
        }
        // The hub renders a live frame when it fans the event out, which may be a moment
        // before a later edit: wait until it has fanned out all four, so that what the
        // second socket receives is the replay alone.
        for _ in 0..4 {
            next_poll_event(&mut first).await;
        }
        let mut replay = LiveClient::signed_in(&app, &admin).await;
        replay.subscribe(&[&format!("network:{network}")], Some(&start)).await;
        let mut frames = Vec::new();
        while frames.len() < 4 {
            frames.push(next_poll_event(&mut replay).await);
        }
        for frame in &frames {
            assert_eq!(frame["data"]["poll"]["question"], "Second wording", "{frame}");
            assert_eq!(frame["data"]["poll"]["results"]["voter_count"], 0, "a vote taken back is gone: {frame}");
            assert!(!frame.to_string().contains("Ben Counselor"), "{frame}");
        }

        // A thread's polls go with the thread; a locked thread takes no votes.
        let thread = app.create_thread(&admin, &network, "Planning").await;
        let thread_id = thread["id"].as_str().unwrap().to_owned();
        let in_thread = ask(&app, &admin, &network, json!({"question": "In the thread", "kind": "single", "options": ["a", "b"], "thread_id": thread_id})).await;
        let in_thread_id = in_thread["id"].as_str().unwrap().to_owned();
        app.patch(&admin, &format!("/threads/{thread_id}"), json!({"locked": true})).await.expect(200);
        app.put(&ben, &format!("/polls/{in_thread_id}/vote"), Some(json!({"option_ids": [option_ids(&in_thread)[0]]}))).await.expect(409);
        app.delete(&admin, &format!("/threads/{thread_id}")).await.expect(204);
        app.get(&ben, &format!("/polls/{in_thread_id}")).await.expect(404);
        app.put(&admin, &format!("/polls/{in_thread_id}/vote"), Some(json!({"option_ids": [option_ids(&in_thread)[0]]}))).await.expect(404);
        let listed = app.get(&ben, &format!("/networks/{network}/polls")).await.expect(200);
        assert!(listed.body["items"].as_array().unwrap().iter().all(|p| p["id"] != in_thread_id.as_str()));
        eventually(Duration::from_secs(20), "the thread's poll gone from search", || async {
            let reply = app.get(&ben, "/search?q=thread&types=poll").await.expect(200);
            (reply.body["total"] == 0).then_some(())
        })
        .await;
        let digest = app.get(&ben, "/me/digest/preview?frequency=weekly").await.expect(200);
        assert!(!digest.text.contains("In the thread"));
    }
}
