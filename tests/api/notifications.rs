//! Notifications: each kind created for exactly the right members, listed with an unread
//! count, marked read, hidden once their network is out of sight, and pushed live.

use crate::backend_test;
use crate::helpers::*;
use serde_json::{json, Value};

async fn kinds(app: &TestApp, who: &Account) -> Vec<String> {
    let page = app
        .get(who, "/notifications?unread=true&limit=100")
        .await
        .expect(200);
    let mut kinds: Vec<String> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    kinds
}

backend_test! {
    async fn replies_mentions_and_watched_threads_notify_exactly_the_right_members(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let starter = app.add_member(&admin, &network, "Sam Starter", "member").await;
        let replier = app.add_member(&admin, &network, "Rae Replier", "member").await;
        let mentioned = app.add_member(&admin, &network, "Mia Mentioned", "member").await;
        let watcher = app.add_member(&admin, &network, "Wes Watcher", "member").await;
        let muter = app.add_member(&admin, &network, "Max Muted", "member").await;
        let bystander = app.add_member(&admin, &network, "Bo Bystander", "member").await;
        let outsider = app.register("Otto Outsider").await;
        // Start from a clean slate: invitations notified everyone above.
        for who in [&starter, &replier, &mentioned, &watcher, &muter, &bystander] {
            app.post(who, "/notifications/read", json!({"all": true})).await.expect(200);
        }

        app.put(&watcher, &format!("/networks/{network}/notification-level"), Some(json!({"level": "watching"}))).await.expect(200);
        app.put(&muter, &format!("/networks/{network}/notification-level"), Some(json!({"level": "watching"}))).await.expect(200);
        let thread = app.create_thread(&starter, &network, "Bright spots").await;
        let thread_id = thread["id"].as_str().unwrap();
        app.put(&muter, &format!("/threads/{thread_id}/notification-level"), Some(json!({"level": "muted"}))).await.expect(200);

        let first_reply = app.reply(&replier, thread_id, "Dessau did adult check-ins.").await;
        app.post(&starter, &format!("/threads/{thread_id}/posts"), json!({
            "body": format!("@{} how many students? cc @{} @{}", replier.handle, mentioned.handle, outsider.handle),
            "reply_to_post_id": first_reply["id"]
        }))
        .await
        .expect(201);

        // The starter watches their thread: notified of the reply (not of their own post),
        // and answering it read it (their marker moved past it), which settled it.
        let starter_page = app.get(&starter, "/notifications").await.expect(200);
        assert_eq!(starter_page.body["unread_count"], 0);
        assert!(starter_page.body["items"][0]["read_at"].is_string());
        assert_eq!(starter_page.body["items"][0]["kind"], "posted");
        assert_eq!(starter_page.body["items"][0]["actor"]["id"], replier.id.as_str());
        assert_eq!(starter_page.body["items"][0]["data"]["thread_id"], thread_id);
        // The replier was answered and mentioned in one post: one notification, the strongest.
        assert_eq!(kinds(&app, &replier).await, ["mentioned"]);
        assert_eq!(kinds(&app, &mentioned).await, ["mentioned"]);
        // Watching the network: told of the new thread and both posts.
        assert_eq!(kinds(&app, &watcher).await, ["posted", "posted", "posted"]);
        // Muted the thread after being told of its start.
        assert_eq!(kinds(&app, &muter).await, ["posted"]);
        assert!(kinds(&app, &bystander).await.is_empty());
        assert!(kinds(&app, &outsider).await.is_empty(), "mentions outside the network reach nobody");
    }
}

backend_test! {
    async fn help_and_convening_notifications_reach_their_people(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let asker = app.add_member(&admin, &network, "Ann Asker", "member").await;
        let helper = app.add_member(&admin, &network, "Hal Helper", "member").await;
        let owner = app.add_member(&admin, &network, "Owen Owner", "member").await;
        for who in [&asker, &helper, &owner] {
            app.post(who, "/notifications/read", json!({"all": true})).await.expect(200);
        }
        let request = app.post(&asker, &format!("/networks/{network}/help-requests"), json!({"title": "Help", "body": "Please"})).await.expect(201).id();
        app.put(&helper, &format!("/help-requests/{request}/offer"), None).await.expect(200);
        let response = app.post(&helper, &format!("/help-requests/{request}/responses"), json!({"body": "Try this"})).await.expect(201).id();
        app.post(&asker, &format!("/help-requests/{request}/accept"), json!({"response_id": response})).await.expect(200);
        assert_eq!(kinds(&app, &asker).await, ["help_offered", "help_responded"]);
        assert_eq!(kinds(&app, &helper).await, ["answer_accepted"]);

        let convening = app
            .post(&admin, &format!("/networks/{network}/convenings"), json!({"title": "Fall", "starts_at": "2026-10-01T14:00:00Z", "ends_at": "2026-10-01T17:00:00Z"}))
            .await
            .expect(201)
            .id();
        app.post(&admin, &format!("/convenings/{convening}/action-items"), json!({"title": "Share the script", "owner_id": owner.id})).await.expect(201);
        assert_eq!(kinds(&app, &owner).await, ["action_item_assigned"]);
        assert!(!kinds(&app, &admin).await.contains(&"action_item_assigned".to_owned()), "not for your own actions");

        let invitee = app.register("Ivy Invitee").await;
        app.post(&admin, &format!("/networks/{network}/invitations"), json!({"email": invitee.email})).await.expect(201);
        let invited = app.get(&invitee, "/notifications").await.expect(200);
        assert_eq!(invited.body["items"][0]["kind"], "invited");
        assert_eq!(invited.body["items"][0]["data"]["network_name"], "Attendance PLN");
    }
}

backend_test! {
    async fn notifications_are_listed_marked_read_and_hidden_with_their_network(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        app.post(&member, "/notifications/read", json!({"all": true})).await.expect(200);
        let thread = app.create_thread(&member, &network, "Mine").await["id"].as_str().unwrap().to_owned();
        for n in 0..3 {
            app.reply(&admin, &thread, &format!("reply {n}")).await;
        }
        let page = app.get(&member, "/notifications?unread=true&limit=2").await.expect(200);
        assert_eq!(page.body["unread_count"], 3);
        assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
        let cursor = page.body["next_cursor"].as_str().unwrap();
        let rest = app.get(&member, &format!("/notifications?unread=true&limit=2&cursor={cursor}")).await.expect(200);
        assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);

        let first: Value = page.body["items"][0]["id"].clone();
        let after = app.post(&member, "/notifications/read", json!({"ids": [first]})).await.expect(200);
        assert_eq!(after.body["unread_count"], 2);
        let stranger = app.register("Stranger").await;
        app.post(&stranger, "/notifications/read", json!({"ids": [page.body["items"][1]["id"]]})).await.expect(200);
        assert_eq!(app.get(&member, "/notifications").await.body["unread_count"], 2, "nobody marks your notifications");
        app.post(&member, "/notifications/read", json!({})).await.expect(422);
        app.get(&member, "/notifications?unread=perhaps").await.expect(422);

        app.delete(&admin, &format!("/networks/{network}/members/{}", member.id)).await.expect(204);
        let hidden = app.get(&member, "/notifications").await.expect(200);
        assert!(hidden.body["items"].as_array().unwrap().iter().all(|n| n["network_id"] != network.as_str()));
        assert_eq!(hidden.body["unread_count"], 0);
    }
}
