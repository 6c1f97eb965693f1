//! Asking without being judged: an anonymous help request names its asker to nobody but the
//! asker, on every path: API responses, live frames and their replay, notifications and
//! their emails, search hits, digests and other members' exports.

use crate::backend_test;
use crate::helpers::*;
use crate::live_client::LiveClient;
use crate::smtp::SmtpServer;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use std::time::Duration;

/// Fails unless nothing in `raw` names `asker`: their display name, handle and email.
#[track_caller]
pub fn assert_hides(raw: &str, asker: &Account, seen_as: &str) {
    for (what, text) in [
        ("display name", asker.display_name.as_str()),
        ("handle", asker.handle.as_str()),
        ("email", asker.email.as_str()),
    ] {
        assert!(
            !raw.to_lowercase().contains(&text.to_lowercase()),
            "{seen_as} shows the anonymous asker's {what} {text:?}: {raw}"
        );
    }
}

/// Fails if any author, actor or asker field of `value` points at member `id`.
#[track_caller]
pub fn assert_points_not_at(value: &Value, id: &str, seen_as: &str) {
    fn walk(value: &Value, id: &str, seen_as: &str, under: &str) {
        match value {
            Value::Object(map) => {
                for (key, field) in map {
                    let names_a_person =
                        matches!(key.as_str(), "author_id" | "actor_id" | "asker_id")
                            || (key == "id" && matches!(under, "author" | "actor" | "asker"));
                    if names_a_person {
                        assert_ne!(
                            field.as_str(),
                            Some(id),
                            "{seen_as}: {key} under {under:?} points at the anonymous asker"
                        );
                    }
                    walk(field, id, seen_as, key);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, id, seen_as, under)),
            _ => {}
        }
    }
    walk(value, id, seen_as, "");
}

/// Reads every frame `client` has for a short while (events are delivered within moments
/// of the write that caused them, so a deadline after the last expected one is enough).
async fn frames_until(client: &mut LiveClient, kind: &str) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = client
            .next(Duration::from_secs(10))
            .await
            .unwrap_or_else(|_| panic!("no {kind} frame arrived; got {frames:?}"));
        let done = frame["kind"] == kind;
        frames.push(frame);
        if done {
            return frames;
        }
    }
}

backend_test! {
    async fn an_anonymous_asker_is_named_to_nobody_else_on_any_path(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = TestApp::spawn_with_notification_emails(&backend, &smtp).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let asker = app.add_member(&admin, &network, "Zebulon Quillfeather", "member").await;
        let expert = app.add_member(&admin, &network, "Grace Okafor", "member").await;
        let reader = app.add_member(&admin, &network, "Ravi Reader", "member").await;
        let facilitator = app.add_member(&admin, &network, "Fran Facilitator", "facilitator").await;
        let quiet = app.add_member(&admin, &network, "Dana Digest", "member").await;
        for who in [&expert, &reader, &quiet] {
            app.patch(who, "/me", json!({"expertise": ["mentoring"]})).await.expect(200);
        }
        let mut live = LiveClient::signed_in(&app, &expert).await;
        let subscribed = live.subscribe(&[&format!("network:{network}"), "me"], None).await;
        let before = subscribed["last_event_id"].as_str().unwrap().to_owned();

        let created = app
            .post(&asker, &format!("/networks/{network}/help-requests"), json!({
                "title": "Our absences rose after my first year",
                "body": "How did you talk about a setback with your staff?",
                "tags": ["mentoring"],
                "anonymous": true
            }))
            .await
            .expect(201);
        let id = created.id();
        let path = format!("/help-requests/{id}");
        // The asker sees themselves, and that it is anonymous to others.
        assert_eq!(created.body["author"]["display_name"], "Zebulon Quillfeather");
        assert_eq!(created.body["anonymous"], true);
        assert_eq!(created.body["asked_by_me"], true);
        let own = app.get(&asker, &path).await.expect(200);
        assert_eq!(own.body["author"]["id"], asker.id.as_str());

        // Everyone else, instance admin and facilitator included, sees the network only.
        for (who, seen_as) in [(&expert, "a member"), (&facilitator, "a facilitator"), (&admin, "the instance admin")] {
            let seen = app.get(who, &path).await.expect(200);
            assert_eq!(seen.body["author"], json!({"anonymous": true, "label": "a member of Attendance PLN"}), "{seen_as}");
            assert_eq!(seen.body["asked_by_me"], false);
            assert_hides(&seen.text, &asker, seen_as);
            assert_points_not_at(&seen.body, &asker.id, seen_as);
            let listed = app.get(who, &format!("/networks/{network}/help-requests")).await.expect(200);
            assert_eq!(listed.body["items"][0]["id"], id.as_str());
            assert_hides(&listed.text, &asker, seen_as);
            assert_points_not_at(&listed.body, &asker.id, seen_as);
        }
        let unanswered = app
            .get(&facilitator, &format!("/networks/{network}/help-requests?unanswered_for_days=0"))
            .await
            .expect(200);
        assert_eq!(unanswered.body["items"][0]["id"], id.as_str());
        assert_hides(&unanswered.text, &asker, "the facilitator's unanswered list");

        // Dana has the expertise and has not acted on it: her digest asks for her help
        // while the request is open.
        let digest = app.get(&quiet, "/me/digest/preview?frequency=weekly").await.expect(200);
        assert!(digest.text.contains("Our absences rose"), "the digest lists the request: {}", digest.text);
        assert_hides(&digest.text, &asker, "a digest");

        // The asker's later actions stay anonymous: an edit, then accepting an answer.
        app.patch(&asker, &path, json!({"title": "Our absences rose after my first year here"})).await.expect(200);
        let answer = app
            .post(&expert, &format!("{path}/responses"), json!({"body": "Name it early, with the data, and a plan."}))
            .await
            .expect(201);
        app.put(&reader, &format!("{path}/offer"), None).await.expect(200);
        app.post(&asker, &format!("{path}/accept"), json!({"response_id": answer.id()})).await.expect(200);
        let responses = app.get(&reader, &format!("{path}/responses")).await.expect(200);
        assert_hides(&responses.text, &asker, "the responses");

        let frames = frames_until(&mut live, "help_request.resolved").await;
        let kinds: Vec<&str> = frames.iter().filter_map(|f| f["kind"].as_str()).collect();
        for kind in ["help_request.created", "notification.created", "help_request.updated", "help_request.responded", "help_request.resolved"] {
            assert!(kinds.contains(&kind), "{kind} not among {kinds:?}");
        }
        for frame in &frames {
            assert_hides(&frame.to_string(), &asker, "a live frame");
            assert_points_not_at(frame, &asker.id, "a live frame");
        }
        let created_frame = frames.iter().find(|f| f["kind"] == "help_request.created").unwrap();
        assert_eq!(created_frame["data"]["author"]["label"], "a member of Attendance PLN");
        // The replay shows the same.
        let mut replay = LiveClient::signed_in(&app, &expert).await;
        replay.subscribe(&[&format!("network:{network}"), "me"], Some(&before)).await;
        for frame in frames_until(&mut replay, "help_request.resolved").await {
            assert_hides(&frame.to_string(), &asker, "a replayed frame");
            assert_points_not_at(&frame, &asker.id, "a replayed frame");
        }

        // Notifications name the network: "someone needs your expertise", "your answer was
        // accepted".
        let notifications = app.get(&expert, "/notifications").await.expect(200);
        assert_hides(&notifications.text, &asker, "the expert's notifications");
        assert_points_not_at(&notifications.body, &asker.id, "the expert's notifications");
        let headlines: Vec<&str> = notifications.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["headline"].as_str().unwrap())
            .collect();
        assert!(headlines.contains(&"A member of Attendance PLN accepted your answer to “Our absences rose after my first year here”"), "{headlines:?}");
        assert!(headlines.iter().any(|h| h.starts_with("A member of Attendance PLN needs your expertise")), "{headlines:?}");
        // …and so do their emails.
        let mail = eventually(Duration::from_secs(30), "the expert's notification email", || async {
            smtp.received_on_list(&expert.email, "notifications")
                .into_iter()
                .find(|m| m.data.contains("accepted your answer"))
        })
        .await;
        assert_hides(&mail.data, &asker, "a notification email");

        // Search hits.
        let hits = eventually(Duration::from_secs(20), "the request in search", || async {
            let reply = app.get(&reader, "/search?q=absences%20setback").await.expect(200);
            reply.body["hits"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["id"] == id.as_str())
                .then_some(reply)
        })
        .await;
        assert_hides(&hits.text, &asker, "a search hit");
        let hit = hits.body["hits"].as_array().unwrap().iter().find(|h| h["id"] == id.as_str()).unwrap().clone();
        assert_eq!(hit["author"], json!({"anonymous": true, "label": "a member of Attendance PLN"}), "{hit}");
        // The asker's own search names them.
        let own = app.get(&asker, "/search?q=absences%20setback").await.expect(200);
        let own_hit = own.body["hits"].as_array().unwrap().iter().find(|h| h["id"] == id.as_str()).expect("the asker finds it").clone();
        assert_eq!(own_hit["author"]["handle"], asker.handle.as_str(), "{own_hit}");

        // Other members' exports.
        for who in [&expert, &reader, &facilitator] {
            let export = app.get(who, "/me/export").await.expect(200);
            assert_hides(&export.text, &asker, "another member's export");
        }

        // No event of the request names the asker as its actor, not even for their own edit
        // and acceptance.
        let asker_id: i64 = asker.id.parse().unwrap();
        let named = staffroom::entities::events::Entity::find()
            .filter(staffroom::entities::events::Column::ActorId.eq(asker_id))
            .filter(staffroom::entities::events::Column::Kind.like("help_request.%"))
            .all(app.db())
            .await
            .unwrap();
        assert!(named.is_empty(), "events acting as the asker: {named:?}");

        // Facilitators can still hide it, without knowing who asked: gone for everyone.
        app.delete(&reader, &path).await.expect(403);
        app.delete(&facilitator, &path).await.expect(204);
        for who in [&expert, &asker, &facilitator] {
            app.get(who, &path).await.expect(404);
        }
        let listed = app.get(&expert, &format!("/networks/{network}/help-requests")).await.expect(200);
        assert_eq!(listed.body["items"], json!([]));
        eventually(Duration::from_secs(20), "the hidden request to leave search", || async {
            let reply = app.get(&reader, "/search?q=absences%20setback").await.expect(200);
            (reply.body["total"] == 0).then_some(())
        })
        .await;
    }
}

backend_test! {
    async fn a_request_is_named_unless_asked_anonymously_and_its_asker_can_withdraw_it(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let asker = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let peer = app.add_member(&admin, &network, "Grace Okafor", "member").await;
        let named = app
            .post(&asker, &format!("/networks/{network}/help-requests"), json!({"title": "Named", "body": "x"}))
            .await
            .expect(201);
        let seen = app.get(&peer, &format!("/help-requests/{}", named.id())).await.expect(200);
        assert_eq!(seen.body["anonymous"], false);
        assert_eq!(seen.body["author"]["display_name"], "Roxy Heiser");
        let refused = app
            .post(&asker, &format!("/networks/{network}/help-requests"), json!({"title": "x", "body": "x", "anonymous": "yes"}))
            .await
            .expect(422);
        assert_eq!(refused.content_type(), "application/problem+json");
        app.delete(&peer, &format!("/help-requests/{}", named.id())).await.expect(403);
        app.delete(&asker, &format!("/help-requests/{}", named.id())).await.expect(204);
        app.get(&asker, &format!("/help-requests/{}", named.id())).await.expect(404);
        app.delete(&asker, &format!("/help-requests/{}", named.id())).await.expect(404);
    }
}
