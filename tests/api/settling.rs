//! Notifications settle when the thing is read: reading a thread past a post, opening a help
//! request, poll, convening, resource, initiative, test of change or conversation marks the
//! member's notifications about it read, and every tab they have open hears it
//! (`notification.read` on `me`); nobody else's change, and nothing is settled or recorded
//! for someone who may not see the thing.

use crate::backend_test;
use crate::helpers::*;
use crate::live_client::LiveClient;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use staffroom::entities::item_reads;

fn id_of(body: &Value) -> String {
    body["id"].as_str().expect("an id").to_owned()
}

/// `who`'s unread notifications, oldest first.
async fn unread(app: &TestApp, who: &Account) -> Vec<Value> {
    let page = app
        .get(who, "/notifications?unread=true&limit=100")
        .await
        .expect(200);
    let mut items = page.body["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

/// The ids of `who`'s unread notifications about these posts.
async fn unread_about(app: &TestApp, who: &Account, posts: &[String]) -> Vec<String> {
    unread(app, who)
        .await
        .into_iter()
        .filter(|n| {
            n["subject_type"] == "post" && posts.iter().any(|p| n["subject_id"] == p.as_str())
        })
        .map(|n| id_of(&n))
        .collect()
}

/// The next `notification.read` event on `client`, skipping others.
async fn next_read(client: &mut LiveClient) -> Vec<String> {
    loop {
        let event = client.event().await;
        if event["kind"] == "notification.read" {
            assert_eq!(event["topic"], "me");
            let mut ids: Vec<String> = event["data"]["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            return ids;
        }
    }
}

/// The `notification.read` events in the log addressed to `who`.
async fn read_events_of(app: &TestApp, who: &Account) -> usize {
    app.events()
        .await
        .into_iter()
        .filter(|(_, kind, topic, _)| {
            kind == "notification.read" && *topic == format!("member:{}", who.id)
        })
        .count()
}

async fn item_reads_of(app: &TestApp, who: &Account) -> u64 {
    let id: i64 = who.id.parse().unwrap();
    item_reads::Entity::find()
        .filter(item_reads::Column::MemberId.eq(id))
        .count(app.db())
        .await
        .unwrap()
}

async fn clear(app: &TestApp, who: &Account) {
    app.post(who, "/notifications/read", json!({"all": true}))
        .await
        .expect(200);
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

backend_test! {
    async fn reading_a_thread_settles_what_was_read_on_every_tab_and_nobody_elses(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let wes = app.add_member(&admin, &network, "Wes Watcher", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        for who in [&rita, &wes] {
            clear(&app, who).await;
        }
        // Rita started the thread (so she watches it); Wes watches it too.
        let thread = id_of(&app.create_thread(&rita, &network, "Mentoring for chronic absence").await);
        app.put(&wes, &format!("/threads/{thread}/notification-level"), Some(json!({"level": "watching"}))).await.expect(200);
        let mut replies = Vec::new();
        for n in 1..=5 {
            replies.push(id_of(&app.reply(&cal, &thread, &format!("Thought {n} on mentoring")).await));
        }
        assert_eq!(unread_about(&app, &rita, &replies).await.len(), 5);
        let first_three = sorted(unread_about(&app, &rita, &replies[..3]).await);
        let last_two = sorted(unread_about(&app, &rita, &replies[3..]).await);
        let mut other_tab = LiveClient::signed_in(&app, &rita).await;
        other_tab.subscribe(&["me"], None).await;

        // Read to the third reply: those up to it settle, the two after it stay.
        let read = app.post(&rita, &format!("/threads/{thread}/read"), json!({"last_read_post_id": replies[2]})).await.expect(200);
        assert_eq!(read.body["unread_count"], 2);
        assert_eq!(sorted(unread_about(&app, &rita, &replies).await), last_two);
        assert_eq!(next_read(&mut other_tab).await, first_three, "the other tab hears which");
        let count = app.get(&rita, "/notifications").await.expect(200);
        assert_eq!(count.body["unread_count"], 2);

        // Read to the end: nothing about the thread is left.
        app.post(&rita, &format!("/threads/{thread}/read"), json!({"last_read_post_id": replies[4]})).await.expect(200);
        assert!(unread_about(&app, &rita, &replies).await.is_empty());
        assert_eq!(next_read(&mut other_tab).await, last_two);
        // Reading again settles nothing more and says nothing.
        let events = read_events_of(&app, &rita).await;
        app.post(&rita, &format!("/threads/{thread}/read"), json!({"last_read_post_id": replies[4]})).await.expect(200);
        assert_eq!(read_events_of(&app, &rita).await, events);

        // Wes's notifications are his own: untouched, and he heard nothing.
        assert_eq!(unread_about(&app, &wes, &replies).await.len(), 5);
        let wes_events = read_events_of(&app, &wes).await;
        assert!(wes_events <= 1, "at most his own mark-all-read");

        // Posting moves your marker too: Wes answers, and what he answered settles.
        app.reply(&wes, &thread, "Ours met weekly.").await;
        assert!(unread_about(&app, &wes, &replies).await.is_empty());
        assert_eq!(read_events_of(&app, &wes).await, wes_events + 1);
    }
}

backend_test! {
    async fn marking_notifications_read_tells_every_tab(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        clear(&app, &rita).await;
        let thread = id_of(&app.create_thread(&rita, &network, "Bus routes").await);
        let first = id_of(&app.reply(&cal, &thread, "One").await);
        let second = id_of(&app.reply(&cal, &thread, "Two").await);
        let one = unread_about(&app, &rita, std::slice::from_ref(&first)).await;
        let mut tab = LiveClient::signed_in(&app, &rita).await;
        tab.subscribe(&["me"], None).await;

        let marked = app.post(&rita, "/notifications/read", json!({"ids": one})).await.expect(200);
        assert_eq!(marked.body["unread_count"], 1);
        assert_eq!(next_read(&mut tab).await, one);
        let rest = unread_about(&app, &rita, &[second]).await;
        app.post(&rita, "/notifications/read", json!({"all": true})).await.expect(200);
        assert_eq!(next_read(&mut tab).await, rest);

        // Bad input changes nothing and says why.
        let refused = app.post(&rita, "/notifications/read", json!({})).await.expect(422);
        assert_eq!(refused.content_type(), "application/problem+json");
    }
}

backend_test! {
    async fn opening_a_help_request_settles_its_notifications_and_outsiders_change_nothing(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let asker = app.add_member(&admin, &network, "Ash Asker", "member").await;
        let helper = app.add_member(&admin, &network, "Hal Helper", "member").await;
        let leaver = app.add_member(&admin, &network, "Lee Leaver", "member").await;
        let outsider = app.register("Otto Outsider").await;
        for who in [&asker, &helper, &leaver] {
            clear(&app, who).await;
        }
        let request = app
            .post(&asker, &format!("/networks/{network}/help-requests"), json!({"title": "Home visit safety?", "body": "Tips?"}))
            .await
            .expect(201)
            .id();
        app.put(&helper, &format!("/help-requests/{request}/offer"), None).await.expect(200);
        app.post(&helper, &format!("/help-requests/{request}/responses"), json!({"body": "Go in pairs."})).await.expect(201);
        let about: Vec<String> = unread(&app, &asker).await.iter().filter(|n| n["subject_id"] == request.as_str()).map(id_of).collect();
        assert_eq!(about.len(), 2, "an offer and a response");
        let mut tab = LiveClient::signed_in(&app, &asker).await;
        tab.subscribe(&["me"], None).await;

        let path = format!("/help-requests/{request}/read");
        let opened = app.post(&asker, &path, json!({})).await.expect(200);
        assert_eq!(opened.body["unread_count"], 0);
        assert_eq!(next_read(&mut tab).await, sorted(about));
        assert_eq!(item_reads_of(&app, &asker).await, 1);

        // Someone who may not see it, or no longer may, gets 404 and changes nothing.
        app.delete(&admin, &format!("/networks/{network}/members/{}", leaver.id)).await.expect(204);
        for who in [&outsider, &leaver] {
            let events = read_events_of(&app, who).await;
            let refused = app.post(who, &path, json!({})).await.expect(404);
            assert_eq!(refused.content_type(), "application/problem+json");
            assert_eq!(item_reads_of(&app, who).await, 0);
            assert_eq!(read_events_of(&app, who).await, events);
        }
        app.post(&asker, "/help-requests/999999/read", json!({})).await.expect(404);
    }
}

backend_test! {
    async fn opening_a_convening_settles_its_action_items_and_a_conversation_its_messages(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let owner = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let leaver = app.add_member(&admin, &network, "Lee Leaver", "member").await;
        let outsider = app.register("Otto Outsider").await;
        for who in [&owner, &leaver] {
            clear(&app, who).await;
        }
        let convening = app
            .post(&admin, &format!("/networks/{network}/convenings"), json!({
                "title": "Fall convening", "starts_at": "2026-10-01T14:00:00Z", "ends_at": "2026-10-01T17:00:00Z"
            }))
            .await
            .expect(201)
            .id();
        app.post(&admin, &format!("/convenings/{convening}/action-items"), json!({"title": "Share the call script", "owner_id": owner.id}))
            .await
            .expect(201);
        let assigned: Vec<String> = unread(&app, &owner).await.iter().filter(|n| n["kind"] == "action_item_assigned").map(id_of).collect();
        assert_eq!(assigned.len(), 1);
        app.post(&admin, "/conversations", json!({"member_ids": [owner.id], "body": "Could you bring the script?"})).await.expect(201);
        let nudge: Vec<String> = unread(&app, &owner).await.iter().filter(|n| n["kind"] == "direct_message").map(id_of).collect();
        assert_eq!(nudge.len(), 1);
        let conversation = unread(&app, &owner).await.iter().find(|n| n["kind"] == "direct_message").unwrap()["subject_id"].as_str().unwrap().to_owned();
        let mut tab = LiveClient::signed_in(&app, &owner).await;
        tab.subscribe(&["me"], None).await;

        let path = format!("/convenings/{convening}/read");
        let opened = app.post(&owner, &path, json!({})).await.expect(200);
        assert_eq!(opened.body["unread_count"], 1, "the message is still unread");
        assert_eq!(next_read(&mut tab).await, assigned);
        app.post(&owner, &format!("/conversations/{conversation}/read"), json!({})).await.expect(200);
        assert_eq!(next_read(&mut tab).await, nudge);
        assert!(unread(&app, &owner).await.is_empty());

        app.delete(&admin, &format!("/networks/{network}/members/{}", leaver.id)).await.expect(204);
        for who in [&outsider, &leaver] {
            let refused = app.post(who, &path, json!({})).await.expect(404);
            assert_eq!(refused.content_type(), "application/problem+json");
            assert_eq!(item_reads_of(&app, who).await, 0);
        }
    }
}

backend_test! {
    async fn polls_resources_initiatives_and_tests_record_the_opening_for_those_who_may_see_them(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let w = crate::initiatives::attendance_world(&app).await;
        let outsider = app.register("Otto Outsider").await;
        let poll = app
            .post(&w.admin, &format!("/networks/{}/polls", w.network), json!({"question": "Which day?", "kind": "single", "options": ["Monday", "Tuesday"]}))
            .await
            .expect(201)
            .id();
        let resource = app
            .post(&w.admin, &format!("/networks/{}/resources", w.network), json!({"kind": "link", "title": "Positive Outliers Toolkit", "url": "https://www.attendanceworks.org/tools/", "tags": ["bright spots"]}))
            .await
            .expect(201)
            .id();
        let test = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({
                "team_id": w.lehman, "change_idea": "Mentors call home", "plan": {}
            }))
            .await
            .expect(201)
            .id();
        let paths = [
            format!("/polls/{poll}/read"),
            format!("/resources/{resource}/read"),
            format!("/initiatives/{}/read", w.initiative),
            format!("/tests/{test}/read"),
        ];
        app.delete(&w.admin, &format!("/networks/{}/members/{}", w.network, w.bystander.id)).await.expect(204);
        for path in &paths {
            for who in [&outsider, &w.bystander] {
                let refused = app.post(who, path, json!({})).await.expect(404);
                assert_eq!(refused.content_type(), "application/problem+json", "{path}");
            }
            let opened = app.post(&w.peer, path, json!({})).await.expect(200);
            assert!(opened.body["unread_count"].is_u64(), "{path}: {}", opened.text);
        }
        assert_eq!(item_reads_of(&app, &w.peer).await, 4);
        // Opening again moves the time it was read, and records nothing new.
        app.post(&w.peer, &paths[0], json!({})).await.expect(200);
        assert_eq!(item_reads_of(&app, &w.peer).await, 4);
        for who in [&outsider, &w.bystander] {
            assert_eq!(item_reads_of(&app, who).await, 0);
        }
    }
}

/// A server whose SMTP server at `port` refuses until the test starts one there; it retries
/// every second, and its notification emails are composed when the test says.
async fn spawn_with_smtp_down(backend: &Backend, port: u16) -> TestApp {
    TestApp::spawn_with(backend, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail.poll_interval_ms = 50;
        c.mail.retry_initial_secs = 1;
        c.mail.retry_max_secs = 1;
        c.notification_emails.enabled = false;
        c.notification_emails.batch_window_secs = 1;
    })
    .await
}

async fn compose_notification_emails(app: &TestApp) {
    let now = staffroom::clock::now() + chrono::Duration::seconds(2);
    staffroom::notifications::email::pass(&app.state, now)
        .await
        .expect("a pass");
}

async fn queued_notification_emails(app: &TestApp) -> Vec<staffroom::entities::mail_outbox::Model> {
    use staffroom::entities::mail_outbox;
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Kind.eq("notification"))
        .all(app.db())
        .await
        .unwrap()
}

/// Rita asks in Cal's thread; Cal answers her (a reply), then mentions her: both are queued
/// in one email that cannot go yet. Returns the app, Rita, the thread, the reply's id.
async fn an_email_held_up(app: &TestApp) -> (Account, String, String) {
    let admin = app.register("Ada Admin").await;
    let network = app
        .post(
            &admin,
            "/networks",
            json!({"name": "Attendance PLN", "visibility": "listed"}),
        )
        .await
        .expect(201)
        .id();
    let rita = app.register("Rita Reader").await;
    let cal = app.register("Cal Colleague").await;
    for member in [&rita, &cal] {
        app.post(member, &format!("/networks/{network}/join"), json!({}))
            .await
            .expect(200);
    }
    let thread = id_of(&app.create_thread(&cal, &network, "Home visits").await);
    let question = id_of(
        &app.reply(&rita, &thread, "Which number should we use?")
            .await,
    );
    let reply = app
        .post(
            &cal,
            &format!("/threads/{thread}/posts"),
            json!({"body": "Answered: the front office line.", "reply_to_post_id": question}),
        )
        .await
        .expect(201)
        .id();
    app.reply(
        &cal,
        &thread,
        &format!("@{} mentioned: bring the visit log.", rita.handle),
    )
    .await;
    compose_notification_emails(app).await;
    eventually(Duration::from_secs(30), "a failed attempt", || async {
        queued_notification_emails(app)
            .await
            .iter()
            .any(|row| row.attempts >= 1 && row.sent_at.is_none())
            .then_some(())
    })
    .await;
    (rita, thread, reply)
}

fn text_of(mail: &crate::smtp::ReceivedMail) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("well-formed");
    parsed.body_text(0).expect("a text part").into_owned()
}

use std::time::Duration;

backend_test! {
    async fn a_queued_email_drops_what_was_read_before_it_went(backend: Backend) {
        let smtp = crate::smtp::SmtpServer::start_down();
        let port = smtp.port;
        let app = spawn_with_smtp_down(&backend, port).await;
        let (rita, thread, reply) = an_email_held_up(&app).await;

        // Rita reads the answer on the site while the email waits; then SMTP comes back.
        app.post(&rita, &format!("/threads/{thread}/read"), json!({"last_read_post_id": reply})).await.expect(200);
        no_mail_in_flight(&app, "notification").await;
        smtp.come_up();
        eventually(Duration::from_secs(30), "the email to be withdrawn", || async {
            queued_notification_emails(&app).await.is_empty().then_some(())
        })
        .await;
        // Written again with what is still unread: the mention alone.
        compose_notification_emails(&app).await;
        let mail = eventually(Duration::from_secs(30), "Rita's email", || async {
            smtp.received_on_list(&rita.email, "notifications").pop()
        })
        .await;
        assert_eq!(smtp.received_on_list(&rita.email, "notifications").len(), 1);
        let text = text_of(&mail);
        assert!(text.contains("mentioned you"), "{text}");
        assert!(!text.contains("replied to you"), "what was read is not in it: {text}");
    }
}

backend_test! {
    async fn a_queued_email_whose_every_notification_was_read_is_not_sent(backend: Backend) {
        let smtp = crate::smtp::SmtpServer::start_down();
        let port = smtp.port;
        let app = spawn_with_smtp_down(&backend, port).await;
        let (rita, thread, _) = an_email_held_up(&app).await;
        let posts = app.get(&rita, &format!("/threads/{thread}/posts")).await.expect(200);
        let last = posts.body["items"].as_array().unwrap().last().unwrap()["id"].clone();
        app.post(&rita, &format!("/threads/{thread}/read"), json!({"last_read_post_id": last})).await.expect(200);
        no_mail_in_flight(&app, "notification").await;
        smtp.come_up();
        eventually(Duration::from_secs(30), "the email to be withdrawn", || async {
            queued_notification_emails(&app).await.is_empty().then_some(())
        })
        .await;
        // Composing again finds nothing unread: nothing is queued, nothing is sent.
        compose_notification_emails(&app).await;
        assert!(queued_notification_emails(&app).await.is_empty());
        assert!(smtp.received_on_list(&rita.email, "notifications").is_empty());
    }
}

/// Every page of `path` (which has no `?` of its own besides `grouped`), by `limit`.
async fn all_pages(app: &TestApp, who: &Account, path: &str, limit: u32) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(cursor) => format!("{path}&limit={limit}&cursor={cursor}"),
            None => format!("{path}&limit={limit}"),
        };
        let page = app.get(who, &url).await.expect(200);
        pages.push(page.body["items"].as_array().unwrap().clone());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return pages,
        }
        assert!(pages.len() < 20, "pages never end");
    }
}

backend_test! {
    async fn unread_posts_in_one_thread_are_one_item_and_pages_keep_every_notification_once(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let dee = app.add_member(&admin, &network, "Dee Deputy", "member").await;
        let leaver = app.add_member(&admin, &network, "Lee Leaver", "member").await;
        for who in [&rita, &leaver] {
            clear(&app, who).await;
        }
        let buses = id_of(&app.create_thread(&rita, &network, "Bus routes").await);
        let mentoring = id_of(&app.create_thread(&rita, &network, "Mentoring").await);
        app.put(&leaver, &format!("/threads/{buses}/notification-level"), Some(json!({"level": "watching"}))).await.expect(200);
        let first = id_of(&app.reply(&cal, &buses, "Route 4 is late").await);
        app.reply(&cal, &buses, "Route 7 too").await;
        app.reply(&cal, &mentoring, "Weekly check-ins").await;
        app.reply(&cal, &buses, &format!("@{} can you ask the district?", rita.handle)).await;
        app.reply(&cal, &buses, "Route 9 is fine").await;
        app.reply(&dee, &buses, "I called them").await;

        let grouped = app.get(&rita, "/notifications?grouped=true&unread=true").await.expect(200);
        assert_eq!(grouped.body["unread_count"], 6, "still the number of notifications");
        let items = grouped.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 3, "{items:#?}");
        let group = &items[0];
        assert_eq!(group["subject_type"], "thread");
        assert_eq!(group["subject_id"], buses.as_str());
        assert_eq!(group["kind"], "posted");
        assert_eq!(group["count"], 4);
        assert_eq!(group["ids"].as_array().unwrap().len(), 4);
        assert_eq!(group["actor"]["id"], dee.id.as_str(), "the newest actor");
        assert_eq!(group["headline"], "4 new replies in “Bus routes”");
        let first_number = app.get(&rita, &format!("/threads/{buses}/posts")).await.expect(200).body["items"]
            .as_array().unwrap().iter().find(|p| p["id"] == first.as_str()).unwrap()["post_number"].clone();
        assert_eq!(group["url"], format!("/threads/{buses}#post-{first_number}"), "to the first unread post");
        // The mention stands apart; a thread with one new post is shown as it is.
        assert_eq!(items[1]["kind"], "mentioned");
        assert!(items[1]["count"].is_null());
        assert_eq!(items[2]["kind"], "posted");
        assert_eq!(items[2]["subject_type"], "post");
        assert!(items[2]["count"].is_null());
        // Ungrouped, nothing changes.
        let plain = app.get(&rita, "/notifications?unread=true").await.expect(200);
        assert_eq!(plain.body["items"].as_array().unwrap().len(), 6);
        assert!(plain.body["items"][0]["count"].is_null());

        // One item a page: the same three items, and each notification exactly once.
        let pages = all_pages(&app, &rita, "/notifications?grouped=true&unread=true", 1).await;
        let paged: Vec<Value> = pages.into_iter().flatten().collect();
        assert_eq!(paged.len(), 3);
        let mut seen: Vec<String> = paged
            .iter()
            .flat_map(|item| match item["ids"].as_array() {
                Some(ids) => ids.iter().map(|id| id.as_str().unwrap().to_owned()).collect(),
                None => vec![id_of(item)],
            })
            .collect();
        seen.sort();
        let mut every: Vec<String> = plain.body["items"].as_array().unwrap().iter().map(id_of).collect();
        every.sort();
        assert_eq!(seen, every);

        // Marking the group read by its ids leaves the other two.
        let marked = app.post(&rita, "/notifications/read", json!({"ids": group["ids"]})).await.expect(200);
        assert_eq!(marked.body["unread_count"], 2);

        // A member removed a moment ago is shown nothing from the network, grouped or not.
        app.delete(&admin, &format!("/networks/{network}/members/{}", leaver.id)).await.expect(204);
        let gone = app.get(&leaver, "/notifications?grouped=true&unread=true").await.expect(200);
        assert_eq!(gone.body["items"].as_array().unwrap().len(), 0);
        assert_eq!(gone.body["unread_count"], 0);
        // Bad input is refused clearly.
        let refused = app.get(&rita, "/notifications?grouped=maybe").await.expect(422);
        assert_eq!(refused.content_type(), "application/problem+json");
    }
}
