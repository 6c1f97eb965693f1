//! Access follows membership, everywhere, at once: every route of losing sight of a network
//! ends the live topics it fed (sub-networks included), keeps its notifications off `me`
//! live and in replay, creates no new notifications for the former member, clears their
//! follow state; replays show what the API shows now.

use crate::backend_test;
use crate::helpers::*;
use crate::live_client::LiveClient;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use staffroom::entities::{network_members, notifications, thread_subscriptions};

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// The topics an `access_revoked` notice names.
fn revoked_topics(notice: &Value) -> Vec<String> {
    assert_eq!(notice["type"], "error", "{notice}");
    assert_eq!(notice["code"], "access_revoked", "{notice}");
    let mut topics: Vec<String> = notice["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    topics.sort();
    topics
}

/// Reads until the `invited` notification meant as a sentinel, failing on any event about
/// `network` before it: since the hub delivers in log order, reaching the sentinel proves
/// nothing from the network was sent.
pub(crate) async fn until_sentinel(client: &mut LiveClient, network: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let message = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            client.next(std::time::Duration::from_secs(30)),
        )
        .await
        .unwrap_or_else(|_| panic!("no sentinel within 20 s; received {seen:?}"))
        .expect("open");
        if message["type"] != "event" {
            seen.push(message);
            continue;
        }
        let data = &message["data"];
        assert_ne!(
            data["network_id"], network,
            "an event from a network out of sight: {message}"
        );
        if message["kind"] == "notification.created" && data["kind"] == "invited" {
            return seen;
        }
        assert_ne!(message["kind"], "post.created", "{message}");
        assert_ne!(message["kind"], "thread.created", "{message}");
        seen.push(message);
    }
}

/// Invites `who` into a fresh network: an `invited` notification tied to no network, which
/// reaches `me` whatever else `who` may see.
pub(crate) async fn send_sentinel(app: &TestApp, admin: &Account, who: &Account) {
    let elsewhere = app
        .post(
            admin,
            "/networks",
            json!({"name": unique("Elsewhere "), "visibility": "private"}),
        )
        .await
        .expect(201)
        .id();
    app.post(
        admin,
        &format!("/networks/{elsewhere}/invitations"),
        json!({"email": who.email}),
    )
    .await
    .expect(201);
}

async fn notification_rows(app: &TestApp, member: &Account) -> Vec<notifications::Model> {
    notifications::Entity::find()
        .filter(notifications::Column::RecipientId.eq(member.id.parse::<i64>().unwrap()))
        .all(app.db())
        .await
        .unwrap()
}

async fn last_event_id(app: &TestApp) -> String {
    app.events().await.last().expect("an event").0.to_string()
}

backend_test! {
    async fn a_removed_member_loses_the_network_live_and_in_replay(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let first_event = app.events().await[0].0.to_string();
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let thread = app.create_thread(&member, &network, "Mo's question").await;
        let (thread_id, opening) = (id_of(&thread), thread["first_post_id"].as_str().unwrap().to_owned());
        let mut client = LiveClient::signed_in(&app, &member).await;
        client.subscribe(&[&format!("network:{network}"), &format!("thread:{thread_id}"), "me"], None).await;

        // While a member: the reply and its notification both arrive.
        app.post(&admin, &format!("/threads/{thread_id}/posts"), json!({"body": "An answer", "reply_to_post_id": opening})).await.expect(201);
        let mut kinds = vec![client.event().await["kind"].as_str().unwrap().to_owned(), client.event().await["kind"].as_str().unwrap().to_owned()];
        kinds.sort();
        assert_eq!(kinds, ["notification.created", "post.created"]);
        assert_eq!(notification_rows(&app, &member).await.len(), 2, "invited, then replied");

        app.delete(&admin, &format!("/networks/{network}/members/{}", member.id)).await.expect(204);
        let notice = client.expect("error").await;
        assert_eq!(revoked_topics(&notice), [format!("network:{network}"), format!("thread:{thread_id}")]);

        // Gone: a reply to their post creates no notification, and nothing reaches `me`.
        app.post(&admin, &format!("/threads/{thread_id}/posts"), json!({"body": "After the removal", "reply_to_post_id": opening})).await.expect(201);
        app.create_thread(&admin, &network, "Later news").await;
        send_sentinel(&app, &admin, &member).await;
        until_sentinel(&mut client, &network).await;
        let rows = notification_rows(&app, &member).await;
        assert_eq!(rows.len(), 3, "invited, replied, invited again: nothing after the removal from the old network");
        assert!(rows.iter().filter(|n| n.network_id == Some(network.parse().unwrap())).count() == 1);

        // Replaying `me` from the beginning: nothing from the network, not even the earlier
        // notification about it; REST agrees.
        let mut replay = LiveClient::signed_in(&app, &member).await;
        replay.subscribe(&["me"], Some(&first_event)).await;
        let mut replayed = Vec::new();
        for _ in 0..2 {
            let event = replay.event().await;
            replayed.push(event["data"]["kind"].as_str().unwrap().to_owned());
        }
        assert_eq!(replayed, ["invited", "invited"]);
        replay.send(json!({"type": "ping"})).await;
        replay.expect("pong").await;
        let listed = app.get(&member, "/notifications").await.expect(200);
        assert!(listed.body["items"].as_array().unwrap().iter().all(|n| n["kind"] == "invited"));
    }
}

backend_test! {
    async fn leaving_a_network_ends_its_topics(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Lee Leaver", "member").await;
        let mut client = LiveClient::signed_in(&app, &member).await;
        client.subscribe(&[&format!("network:{network}"), "me"], None).await;
        app.delete(&member, &format!("/networks/{network}/members/{}", member.id)).await.expect(204);
        assert_eq!(revoked_topics(&client.expect("error").await), [format!("network:{network}")]);
        app.create_thread(&admin, &network, "After you left").await;
        send_sentinel(&app, &admin, &member).await;
        until_sentinel(&mut client, &network).await;
    }
}

/// An admin's private network with a private sub-network, and a facilitator of the parent
/// who sees the sub-network only through that role, following a thread in it.
struct Nested {
    admin: Account,
    parent: String,
    child: String,
    child_thread: String,
    facilitator: Account,
}

async fn nested(app: &TestApp) -> Nested {
    let (admin, parent) = app.admin_with_network("Central Texas Attendance PLN").await;
    let child = app
        .post(
            &admin,
            "/networks",
            json!({"name": "Counselors", "visibility": "private", "parent_id": parent}),
        )
        .await
        .expect(201)
        .id();
    let facilitator = app
        .add_member(&admin, &parent, "Fran Facilitator", "facilitator")
        .await;
    let child_thread = id_of(
        &app.create_thread(&admin, &child, "Counselor caseloads")
            .await,
    );
    app.put(
        &facilitator,
        &format!("/threads/{child_thread}/follow"),
        None,
    )
    .await
    .expect(200);
    Nested {
        admin,
        parent,
        child,
        child_thread,
        facilitator,
    }
}

async fn follows(app: &TestApp, member: &Account, thread: &str) -> bool {
    thread_subscriptions::Entity::find()
        .filter(thread_subscriptions::Column::MemberId.eq(member.id.parse::<i64>().unwrap()))
        .filter(thread_subscriptions::Column::ThreadId.eq(thread.parse::<i64>().unwrap()))
        .one(app.db())
        .await
        .unwrap()
        .is_some()
}

backend_test! {
    async fn a_demoted_facilitator_loses_the_sub_networks_seen_through_the_role(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let n = nested(&app).await;
        assert!(follows(&app, &n.facilitator, &n.child_thread).await);
        let mut client = LiveClient::signed_in(&app, &n.facilitator).await;
        client.subscribe(&[&format!("network:{}", n.parent), &format!("network:{}", n.child), &format!("thread:{}", n.child_thread)], None).await;

        app.patch(&n.admin, &format!("/networks/{}/members/{}", n.parent, n.facilitator.id), json!({"role": "member"})).await.expect(200);
        let notice = loop {
            let message = client.next(std::time::Duration::from_secs(10)).await.expect("open");
            if message["type"] == "error" {
                break message;
            }
        };
        assert_eq!(revoked_topics(&notice), [format!("network:{}", n.child), format!("thread:{}", n.child_thread)]);
        assert!(!follows(&app, &n.facilitator, &n.child_thread).await, "follow state in the sub-network is cleared");
        app.get(&n.facilitator, &format!("/threads/{}", n.child_thread)).await.expect(404);

        // The parent is still theirs: its events keep coming, the sub-network's do not.
        app.create_thread(&n.admin, &n.child, "Only for counselors").await;
        app.create_thread(&n.admin, &n.parent, "For everyone").await;
        let next = loop {
            let event = client.event().await;
            if event["kind"] == "thread.created" {
                break event;
            }
            assert_eq!(event["kind"], "member.updated", "{event}");
        };
        assert_eq!(next["data"]["title"], "For everyone", "{next}");
    }
}

backend_test! {
    async fn a_facilitator_removed_from_the_parent_loses_it_and_its_sub_networks(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let n = nested(&app).await;
        let mut client = LiveClient::signed_in(&app, &n.facilitator).await;
        client.subscribe(&[&format!("network:{}", n.parent), &format!("network:{}", n.child), &format!("thread:{}", n.child_thread), "me"], None).await;
        app.delete(&n.admin, &format!("/networks/{}/members/{}", n.parent, n.facilitator.id)).await.expect(204);
        let notice = client.expect("error").await;
        let mut expected = vec![format!("network:{}", n.child), format!("network:{}", n.parent), format!("thread:{}", n.child_thread)];
        expected.sort();
        assert_eq!(revoked_topics(&notice), expected);
        assert!(!follows(&app, &n.facilitator, &n.child_thread).await);
        // A reply in the thread they followed notifies nobody who left.
        app.reply(&n.admin, &n.child_thread, "Caseload update").await;
        send_sentinel(&app, &n.admin, &n.facilitator).await;
        until_sentinel(&mut client, &n.child).await;
        assert!(notification_rows(&app, &n.facilitator).await.iter().all(|row| row.kind == "invited"));
    }
}

backend_test! {
    async fn a_parent_made_private_is_no_longer_named_to_members_of_its_listed_sub_network(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let admin = app.register("Ada Admin").await;
        let parent = app.post(&admin, "/networks", json!({"name": "Texas PLN", "visibility": "listed"})).await.expect(201).id();
        let child = app
            .post(&admin, "/networks", json!({"name": "Math leads", "visibility": "listed", "parent_id": parent}))
            .await
            .expect(201)
            .id();
        let member = app.register("Mia Math").await;
        app.post(&member, &format!("/networks/{child}/join"), json!({})).await.expect(200);
        let since = last_event_id(&app).await;
        let mut client = LiveClient::signed_in(&app, &member).await;
        client.subscribe(&[&format!("network:{child}")], None).await;

        app.patch(&admin, &format!("/networks/{child}"), json!({"description": "While the parent is listed"})).await.expect(200);
        let listed = client.event().await;
        assert_eq!(listed["kind"], "network.updated");
        assert_eq!(listed["data"]["parent_id"], parent.as_str(), "a listed parent is named");

        app.patch(&admin, &format!("/networks/{parent}"), json!({"visibility": "private"})).await.expect(200);
        app.patch(&admin, &format!("/networks/{child}"), json!({"description": "After the parent went private"})).await.expect(200);
        let private = client.event().await;
        assert_eq!(private["kind"], "network.updated");
        assert_eq!(private["data"]["parent_id"], Value::Null, "{private}");
        assert_eq!(app.get(&member, &format!("/networks/{child}")).await.expect(200).body["parent_id"], Value::Null);

        // Replayed, the earlier events do not name it either.
        let mut replay = LiveClient::signed_in(&app, &member).await;
        replay.subscribe(&[&format!("network:{child}")], Some(&since)).await;
        for _ in 0..2 {
            let event = replay.event().await;
            assert_eq!(event["kind"], "network.updated");
            assert_eq!(event["data"]["parent_id"], Value::Null, "{event}");
        }
        // The admin, who sees the parent, still gets its id.
        let mut admin_client = LiveClient::signed_in(&app, &admin).await;
        admin_client.subscribe(&[&format!("network:{child}")], Some(&since)).await;
        assert_eq!(admin_client.event().await["data"]["parent_id"], parent.as_str());
    }
}

backend_test! {
    async fn a_removal_racing_a_subscription_still_applies(backend: Backend) {
        let app = std::sync::Arc::new(TestApp::spawn(&backend).await);
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        for round in 0..8 {
            let member = app.add_member(&admin, &network, &format!("Racer {round}"), "member").await;
            let mut client = LiveClient::signed_in(&app, &member).await;
            let removal = {
                let (app, admin, network, member) = (app.clone(), admin.clone(), network.clone(), member.clone());
                tokio::spawn(async move {
                    app.delete(&admin, &format!("/networks/{network}/members/{}", member.id)).await.expect(204);
                })
            };
            client.send(json!({"type": "subscribe", "topics": [format!("network:{network}"), "me"]})).await;
            removal.await.unwrap();
            // The subscription has been decided (with or without the network) before the
            // sentinel is written: it is live from that moment only.
            loop {
                let message = client.next(std::time::Duration::from_secs(10)).await.expect("open");
                assert_ne!(message["type"], "event", "{message}");
                if message["type"] == "subscribed" {
                    break;
                }
            }
            app.create_thread(&admin, &network, &format!("After round {round}")).await;
            send_sentinel(&app, &admin, &member).await;
            // Whichever won, nothing from the network arrives after the removal.
            until_sentinel(&mut client, &network).await;
        }
    }
}

backend_test! {
    async fn replays_show_what_the_api_shows_now(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let thread = id_of(&app.create_thread(&admin, &network, "Incentives").await);
        let since = last_event_id(&app).await;

        let edited = id_of(&app.reply(&admin, &thread, "original wording with a student's name").await);
        app.patch(&admin, &format!("/posts/{edited}"), json!({"body": "edited wording"})).await.expect(200);
        let doomed = id_of(&app.reply(&admin, &thread, "doomed words").await);
        app.delete(&admin, &format!("/posts/{doomed}")).await.expect(204);
        let secret = id_of(&app.create_thread(&admin, &network, "Secret plan").await);
        app.reply(&admin, &secret, "secret reply").await;
        app.delete(&admin, &format!("/threads/{secret}")).await.expect(204);
        app.patch(&admin, &format!("/threads/{thread}"), json!({"title": "Attendance incentives"})).await.expect(200);

        let mut client = LiveClient::signed_in(&app, &member).await;
        client.subscribe(&[&format!("network:{network}")], Some(&since)).await;
        let mut frames = Vec::new();
        loop {
            let event = client.event().await;
            let done = event["kind"] == "thread.updated";
            frames.push(event);
            if done {
                break;
            }
        }
        let text = serde_json::to_string(&frames).unwrap();
        for gone in ["original wording", "doomed words", "Secret plan", "secret reply"] {
            assert!(!text.contains(gone), "a replay showed {gone:?}: {text}");
        }
        let kinds: Vec<&str> = frames.iter().map(|f| f["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["post.created", "post.updated", "post.created", "post.deleted", "thread.deleted", "thread.updated"]);
        assert_eq!(frames[0]["data"]["body"], "edited wording");
        assert_eq!(frames[2]["data"]["deleted"], true);
        assert_eq!(frames[2]["data"]["body"], "");
        assert_eq!(frames[4]["data"]["id"], secret.as_str());

        // A thread's earlier events carry its current title too.
        let mut thread_client = LiveClient::signed_in(&app, &member).await;
        let first = app.events().await[0].0.to_string();
        thread_client.subscribe(&[&format!("thread:{thread}")], Some(&first)).await;
        let created = thread_client.event().await;
        assert_eq!(created["kind"], "thread.created");
        assert_eq!(created["data"]["title"], "Attendance incentives");
    }
}

backend_test! {
    async fn former_members_get_no_notifications_for_replies_responses_offers_or_accepted_answers(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let former = app.add_member(&admin, &network, "Frank Former", "member").await;
        let helper = app.add_member(&admin, &network, "Hana Helper", "member").await;
        let thread = app.create_thread(&former, &network, "Frank's thread").await;
        let opening = thread["first_post_id"].as_str().unwrap().to_owned();
        let asked = id_of(&app.post(&former, &format!("/networks/{network}/help-requests"), json!({"title": "Help?", "body": "Please"})).await.expect(201).body);
        let admins = id_of(&app.post(&admin, &format!("/networks/{network}/help-requests"), json!({"title": "Ideas?", "body": "Anyone"})).await.expect(201).body);
        let response = id_of(&app.post(&former, &format!("/help-requests/{admins}/responses"), json!({"body": "Try this"})).await.expect(201).body);
        let before = notification_rows(&app, &former).await.len();
        let removal_event = {
            app.delete(&admin, &format!("/networks/{network}/members/{}", former.id)).await.expect(204);
            last_event_id(&app).await.parse::<i64>().unwrap()
        };

        app.post(&admin, &format!("/threads/{}/posts", id_of(&thread)), json!({"body": "A reply", "reply_to_post_id": opening})).await.expect(201);
        app.post(&helper, &format!("/help-requests/{asked}/responses"), json!({"body": "An answer"})).await.expect(201);
        app.put(&admin, &format!("/help-requests/{asked}/offer"), None).await.expect(200);
        app.post(&admin, &format!("/help-requests/{admins}/accept"), json!({"response_id": response})).await.expect(200);

        assert_eq!(notification_rows(&app, &former).await.len(), before, "no records");
        let events_for_former = app
            .events()
            .await
            .into_iter()
            .filter(|(id, kind, topic, _)| *id > removal_event && kind == "notification.created" && *topic == format!("member:{}", former.id))
            .count();
        assert_eq!(events_for_former, 0, "no events");
    }
}

backend_test! {
    async fn renewing_the_token_authorizes_every_topic_again(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let mut client = LiveClient::signed_in(&app, &member).await;
        client.subscribe(&[&format!("network:{network}"), "me"], None).await;
        // A change the hub never heard of (an operator's manual fix in the database).
        network_members::Entity::delete_by_id((network.parse::<i64>().unwrap(), member.id.parse::<i64>().unwrap()))
            .exec(app.db())
            .await
            .unwrap();
        client.send(json!({"type": "auth", "access_token": member.access_token})).await;
        assert_eq!(revoked_topics(&client.expect("error").await), [format!("network:{network}")]);
        client.expect("authenticated").await;
        app.create_thread(&admin, &network, "Not for you").await;
        send_sentinel(&app, &admin, &member).await;
        until_sentinel(&mut client, &network).await;
    }
}
