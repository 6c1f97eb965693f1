//! Direct messages: conversations among members who share a network, participants only on
//! every path, unread counts and read markers, live delivery on `me`, blocking, and
//! notification emails that follow each member's preferences.

use crate::backend_test;
use crate::helpers::*;
use crate::live_client::LiveClient;
use crate::smtp::SmtpServer;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use staffroom::entities::notifications;
use std::time::Duration;

/// The next `message.created` event on `client`, skipping notifications and read markers.
async fn next_message(client: &mut LiveClient) -> Value {
    loop {
        let event = client.event().await;
        if event["kind"] == "message.created" {
            return event;
        }
        assert!(
            [
                "notification.created",
                "conversation.read",
                "notification.read"
            ]
            .contains(&event["kind"].as_str().unwrap()),
            "unexpected {event}"
        );
    }
}

backend_test! {
    async fn members_who_share_a_network_talk_privately_with_unread_counts_and_live_messages(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let ben = app.add_member(&admin, &network, "Ben Counselor", "member").await;
        let cy = app.add_member(&admin, &network, "Cy Teacher", "member").await;
        let mut bens_tab = LiveClient::signed_in(&app, &ben).await;
        bens_tab.subscribe(&["me"], None).await;

        let started = app
            .post(&ana, "/conversations", json!({"member_ids": [ben.id], "body": "Could I see your **mentor** schedule?"}))
            .await
            .expect(201);
        assert_eq!(started.body["created"], true);
        let conversation = started.body["conversation"]["id"].as_str().unwrap().to_owned();
        assert_eq!(started.body["conversation"]["url"], format!("/conversations/{conversation}"));
        assert_eq!(started.body["message"]["body_html"], "<p>Could I see your <strong>mentor</strong> schedule?</p>\n");
        let live = next_message(&mut bens_tab).await;
        assert_eq!(live["topic"], "me");
        assert_eq!(live["data"]["conversation_id"], conversation.as_str());
        assert_eq!(live["data"]["message"]["author"]["display_name"], "Ana Principal");

        // Ben sees one unread message, in the list and on the conversation.
        let list = app.get(&ben, "/conversations").await.expect(200);
        assert_eq!(list.body["unread_count"], 1);
        assert_eq!(list.body["items"][0]["id"], conversation.as_str());
        assert_eq!(list.body["items"][0]["unread_count"], 1);
        assert_eq!(list.body["items"][0]["can_send"], true);
        let names: Vec<&str> = list.body["items"][0]["participants"].as_array().unwrap().iter().map(|p| p["display_name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 2);
        let bell = app.get(&ben, "/notifications").await.expect(200);
        assert_eq!(bell.body["items"][0]["kind"], "direct_message");
        assert_eq!(bell.body["items"][0]["headline"], "Ana Principal sent you a message");
        assert_eq!(bell.body["items"][0]["url"], format!("/conversations/{conversation}"));

        // A second message does not nudge again while the first is unread.
        app.post(&ana, &format!("/conversations/{conversation}/messages"), json!({"body": "Or the sign-up sheet."})).await.expect(201);
        next_message(&mut bens_tab).await;
        let bell = app.get(&ben, "/notifications?unread=true").await.expect(200);
        let nudges = |bell: &Value| bell["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "direct_message").count();
        assert_eq!(nudges(&bell.body), 1);
        assert_eq!(app.get(&ben, "/conversations").await.expect(200).body["unread_count"], 2);

        // Ben replies and reads: his marker moves, the nudge is settled, his other tabs hear.
        let messages = app.get(&ben, &format!("/conversations/{conversation}/messages")).await.expect(200);
        let bodies: Vec<&str> = messages.body["items"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
        assert_eq!(bodies, ["Or the sign-up sheet.", "Could I see your **mentor** schedule?"], "newest first");
        let read = app.post(&ben, &format!("/conversations/{conversation}/read"), json!({})).await.expect(200);
        assert_eq!(read.body["unread_count"], 0);
        let marker = bens_tab.event().await;
        assert_eq!(marker["kind"], "conversation.read");
        assert_eq!(marker["data"]["unread_count"], 0);
        assert_eq!(nudges(&app.get(&ben, "/notifications?unread=true").await.expect(200).body), 0);
        let first = messages.body["items"][1]["id"].as_str().unwrap();
        let back = app.post(&ben, &format!("/conversations/{conversation}/read"), json!({"last_read_message_id": first})).await.expect(200);
        assert_eq!(back.body["unread_count"], 0, "a marker never moves back");
        app.post(&ben, &format!("/conversations/{conversation}/messages"), json!({"body": "Here it is."})).await.expect(201);
        assert_eq!(app.get(&ana, "/conversations").await.expect(200).body["unread_count"], 1);
        assert_eq!(app.get(&ben, "/conversations").await.expect(200).body["unread_count"], 0, "your own messages are read");

        // Two people who already talk continue their conversation.
        let again = app.post(&ben, "/conversations", json!({"member_ids": [ana.id], "body": "One more thing"})).await.expect(200);
        assert_eq!(again.body["created"], false);
        assert_eq!(again.body["conversation"]["id"], conversation.as_str());
        // A group is a conversation of its own, newest activity first in the list.
        let group = app.post(&ana, "/conversations", json!({"member_ids": [ben.id, cy.id, ana.id], "body": "Agenda for Thursday?"})).await.expect(201);
        let group_id = group.body["conversation"]["id"].as_str().unwrap().to_owned();
        assert_eq!(group.body["conversation"]["participants"].as_array().unwrap().len(), 3);
        let list = app.get(&ben, "/conversations?limit=1").await.expect(200);
        assert_eq!(list.body["items"][0]["id"], group_id.as_str());
        let next = list.body["next_cursor"].as_str().unwrap();
        let rest = app.get(&ben, &format!("/conversations?limit=1&cursor={next}")).await.expect(200);
        assert_eq!(rest.body["items"][0]["id"], conversation.as_str());
        assert_eq!(rest.body["next_cursor"], Value::Null);
        assert_eq!(app.get(&cy, "/conversations").await.expect(200).body["items"].as_array().unwrap().len(), 1);

        // Bad input changes nothing.
        for (body, field) in [
            (json!({"member_ids": [], "body": "hi"}), "member_ids"),
            (json!({"member_ids": [ana.id], "body": "hi"}), "member_ids"),
            (json!({"member_ids": [ben.id], "body": "   "}), "body"),
            (json!({"member_ids": ["nope"], "body": "hi"}), "member_ids[0]"),
            (json!({"member_ids": [ben.id], "body": "hi", "subject": "x"}), "subject"),
        ] {
            let refused = app.post(&ana, "/conversations", body.clone()).await.expect(422);
            assert!(refused.body["errors"][field].is_string(), "{body} → {}", refused.text);
        }
        app.post(&ana, &format!("/conversations/{conversation}/messages"), json!({"body": ""})).await.expect(422);
        app.post(&ana, &format!("/conversations/{conversation}/read"), json!({"last_read_message_id": "999999"})).await.expect(422);
        assert_eq!(app.get(&ana, "/conversations").await.expect(200).body["items"].as_array().unwrap().len(), 2);
    }
}

backend_test! {
    async fn a_conversation_is_404_to_everyone_outside_it_instance_admins_included(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let ben = app.add_member(&admin, &network, "Ben Counselor", "member").await;
        let fran = app.add_member(&admin, &network, "Fran Facilitator", "facilitator").await;
        let elsewhere = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "listed"})).await.expect(201).id();
        let otto = app.add_member(&admin, &elsewhere, "Otto Outsider", "member").await;
        let mut admins_tab = LiveClient::signed_in(&app, &admin).await;
        admins_tab.subscribe(&["me", &format!("network:{network}")], None).await;

        let started = app.post(&ana, "/conversations", json!({"member_ids": [ben.id], "body": "Between us: the budget"})).await.expect(201);
        let id = started.body["conversation"]["id"].as_str().unwrap().to_owned();
        for (who, as_who) in [(&admin, "the instance admin"), (&fran, "a facilitator"), (&otto, "an outsider")] {
            for path in [format!("/conversations/{id}"), format!("/conversations/{id}/messages")] {
                let reply = app.get(who, &path).await;
                assert_eq!(reply.status, 404, "{as_who} read {path}");
            }
            app.post(who, &format!("/conversations/{id}/messages"), json!({"body": "hello?"})).await.expect(404);
            app.post(who, &format!("/conversations/{id}/read"), json!({})).await.expect(404);
            let list = app.get(who, "/conversations").await.expect(200);
            assert_eq!(list.body["items"], json!([]), "{as_who}'s list");
            assert!(!list.text.contains("budget"));
        }
        // Nobody can start one with someone they share no network with, and the answer is
        // the same as for someone who does not exist.
        let apart = app.post(&otto, "/conversations", json!({"member_ids": [ana.id], "body": "hi"})).await.expect(422);
        let nobody = app.post(&otto, "/conversations", json!({"member_ids": ["999999"], "body": "hi"})).await.expect(422);
        assert_eq!(apart.body["errors"], nobody.body["errors"]);
        // Every pair must share a network: Ana may not bring Otto into a talk with Ben, even
        // after Otto joins a network with Ana alone.
        let side = app.post(&admin, "/networks", json!({"name": "Side", "visibility": "private"})).await.expect(201).id();
        for who in [&ana, &otto] {
            app.join_by_invitation(&admin, &side, who, "member").await;
        }
        app.post(&ana, "/conversations", json!({"member_ids": [otto.id, ben.id], "body": "all of us"})).await.expect(422);
        app.post(&ana, "/conversations", json!({"member_ids": [otto.id], "body": "just us"})).await.expect(201);

        // Nothing of it reached the admin live (the message went to participants' `me`),
        // and the event log holds it only for its participants.
        app.post(&admin, &format!("/networks/{network}/threads"), json!({"title": "Sentinel", "body": "x"})).await.expect(201);
        loop {
            let event = admins_tab.event().await;
            assert_ne!(event["kind"], "message.created", "{event}");
            if event["kind"] == "thread.created" {
                break;
            }
        }
        for (_, kind, topic, payload) in app.events().await {
            if kind == "message.created" {
                assert!(topic == format!("member:{}", ana.id) || topic == format!("member:{}", ben.id) || topic == format!("member:{}", otto.id), "{topic}: {payload}");
            }
        }

        // A group whose members drifted apart takes no more messages: Otto shares only
        // "Side" with Ana; once Ben joins Side and Otto leaves it, Ben and Otto share nothing.
        app.join_by_invitation(&admin, &side, &ben, "member").await;
        let trio = app.post(&ana, "/conversations", json!({"member_ids": [otto.id, ben.id], "body": "all three of us"})).await.expect(201);
        let trio_id = trio.body["conversation"]["id"].as_str().unwrap().to_owned();
        app.delete(&otto, &format!("/networks/{side}/members/{}", otto.id)).await.expect(204);
        app.join_by_invitation(&admin, &side, &otto, "member").await;
        app.delete(&admin, &format!("/networks/{side}/members/{}", ben.id)).await.expect(204);
        let refused = app.post(&ana, &format!("/conversations/{trio_id}/messages"), json!({"body": "still here?"})).await.expect(403);
        assert!(refused.body["detail"].as_str().unwrap().contains("share a network"), "{}", refused.text);
        assert_eq!(app.get(&ana, &format!("/conversations/{trio_id}")).await.expect(200).body["can_send"], false);

        // Leaving the network that joined them: the history stays readable, nothing more can
        // be sent, and the conversation says so.
        app.delete(&admin, &format!("/networks/{network}/members/{}", ben.id)).await.expect(204);
        let seen = app.get(&ana, &format!("/conversations/{id}")).await.expect(200);
        assert_eq!(seen.body["can_send"], false);
        let refused = app.post(&ana, &format!("/conversations/{id}/messages"), json!({"body": "still there?"})).await.expect(403);
        assert!(refused.body["detail"].as_str().unwrap().contains("share a network"), "{}", refused.text);
        app.get(&ben, &format!("/conversations/{id}/messages")).await.expect(200);
    }
}

backend_test! {
    async fn a_blocked_member_starts_nothing_and_sends_nothing_to_the_blocker(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let pest = app.add_member(&admin, &network, "Pat Persistent", "member").await;
        let cy = app.add_member(&admin, &network, "Cy Teacher", "member").await;
        let started = app.post(&pest, "/conversations", json!({"member_ids": [ana.id], "body": "Did you see my last 12 posts?"})).await.expect(201);
        let id = started.body["conversation"]["id"].as_str().unwrap().to_owned();
        let group = app.post(&pest, "/conversations", json!({"member_ids": [ana.id, cy.id], "body": "Group!"})).await.expect(201);
        let group_id = group.body["conversation"]["id"].as_str().unwrap().to_owned();

        app.put(&ana, &format!("/members/{}/block", pest.id), None).await.expect(204);
        app.put(&ana, &format!("/members/{}/block", pest.id), None).await.expect(204);
        let blocks = app.get(&ana, "/me/blocks").await.expect(200);
        assert_eq!(blocks.body.as_array().unwrap().len(), 1);
        assert_eq!(blocks.body[0]["member"]["display_name"], "Pat Persistent");
        assert_eq!(app.get(&pest, "/me/blocks").await.expect(200).body, json!([]), "private to the blocker");

        let before = app.get(&ana, "/conversations").await.expect(200).body["unread_count"].clone();
        for path in [format!("/conversations/{id}/messages"), format!("/conversations/{group_id}/messages")] {
            let refused = app.post(&pest, &path, json!({"body": "Hello??"})).await.expect(403);
            assert_eq!(refused.content_type(), "application/problem+json");
        }
        app.post(&pest, "/conversations", json!({"member_ids": [ana.id], "body": "New one"})).await.expect(403);
        assert_eq!(app.get(&ana, "/conversations").await.expect(200).body["unread_count"], before, "nothing arrived");
        // The blocker must unblock before writing to them; others in the group still talk.
        app.post(&ana, &format!("/conversations/{id}/messages"), json!({"body": "Please stop"})).await.expect(403);
        app.post(&cy, &format!("/conversations/{group_id}/messages"), json!({"body": "I'm here"})).await.expect(201);
        assert_eq!(app.get(&pest, &format!("/conversations/{id}")).await.expect(200).body["can_send"], false);

        // Only members one shares a network with can be blocked; yourself never.
        let elsewhere = app.post(&admin, "/networks", json!({"name": "Elsewhere", "visibility": "private"})).await.expect(201).id();
        let stranger = app.add_member(&admin, &elsewhere, "Sol Stranger", "member").await;
        app.put(&ana, &format!("/members/{}/block", stranger.id), None).await.expect(404);
        app.put(&ana, &format!("/members/{}/block", ana.id), None).await.expect(422);

        app.delete(&ana, &format!("/members/{}/block", pest.id)).await.expect(204);
        app.post(&pest, &format!("/conversations/{id}/messages"), json!({"body": "Sorry."})).await.expect(201);
    }
}

backend_test! {
    async fn direct_messages_are_emailed_once_per_unread_conversation_unless_turned_off(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = TestApp::spawn_with_notification_emails(&backend, &smtp).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ana = app.add_member(&admin, &network, "Ana Principal", "member").await;
        let ben = app.add_member(&admin, &network, "Ben Counselor", "member").await;
        let cy = app.add_member(&admin, &network, "Cy Teacher", "member").await;
        app.patch(&cy, "/me", json!({"email_notifications": {"direct_message": false}})).await.expect(200);

        let started = app.post(&ana, "/conversations", json!({"member_ids": [ben.id, cy.id], "body": "Can we meet before Thursday's convening?"})).await.expect(201);
        let id = started.body["conversation"]["id"].as_str().unwrap().to_owned();
        app.post(&ana, &format!("/conversations/{id}/messages"), json!({"body": "Even 15 minutes."})).await.expect(201);
        let mail = eventually(Duration::from_secs(30), "Ben's email", || async {
            smtp.received_on_list(&ben.email, "notifications").pop()
        })
        .await;
        let text = mail_parser::MessageParser::default().parse(mail.data.as_bytes()).unwrap().body_text(0).unwrap().into_owned();
        assert!(text.contains("Ana Principal sent you a message"), "{text}");
        assert!(text.contains("Can we meet before Thursday"), "{text}");
        assert!(text.contains(&format!("/conversations/{id}")), "{text}");
        // Cy turned direct-message emails off: his notification is settled without one.
        eventually(Duration::from_secs(30), "Cy's notification settled", || async {
            let cy_id: i64 = cy.id.parse().unwrap();
            let rows = notifications::Entity::find()
                .filter(notifications::Column::RecipientId.eq(cy_id))
                .all(app.db())
                .await
                .unwrap();
            (!rows.is_empty() && rows.iter().all(|n| n.emailed_at.is_some())).then_some(())
        })
        .await;
        assert!(smtp.received_on_list(&cy.email, "notifications").is_empty());
        assert_eq!(smtp.received_on_list(&ben.email, "notifications").len(), 1, "one email for the unread conversation");

        // Read on the site before the window is over: no email.
        let dee = app.add_member(&admin, &network, "Dee Reader", "member").await;
        let to_dee = app.post(&ana, "/conversations", json!({"member_ids": [dee.id], "body": "Seen it?"})).await.expect(201);
        app.post(&dee, &format!("/conversations/{}/read", to_dee.body["conversation"]["id"].as_str().unwrap()), json!({})).await.expect(200);
        let dee_id: i64 = dee.id.parse().unwrap();
        eventually(Duration::from_secs(30), "Dee's notification settled", || async {
            let rows = notifications::Entity::find()
                .filter(notifications::Column::RecipientId.eq(dee_id))
                .filter(notifications::Column::Kind.eq("direct_message"))
                .all(app.db())
                .await
                .unwrap();
            (!rows.is_empty() && rows.iter().all(|n| n.emailed_at.is_some())).then_some(())
        })
        .await;
        assert!(smtp.received_on_list(&dee.email, "notifications").is_empty(), "read on the site: not emailed");
    }
}
