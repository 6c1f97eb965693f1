//! What's new: `GET /me/feed` across a member's networks and sub-networks, its three
//! filters with muting, who sees what, paging, and the "since your last visit" marker.

use crate::anonymous_help::assert_hides;
use crate::backend_test;
use crate::helpers::*;
use chrono::{DateTime, Duration as Gap, Utc};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

async fn feed(app: &TestApp, who: &Account, query: &str) -> Value {
    app.get(who, &format!("/me/feed{query}"))
        .await
        .expect(200)
        .body
}

/// `(type, id)` of each item of a page, in order.
fn entries(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            (
                item["type"].as_str().unwrap().to_owned(),
                item["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `(type, id)` of every item of `who`'s feed under `filter`, walked `limit` a page by the
/// cursors the pages give.
async fn walk(app: &TestApp, who: &Account, filter: &str, limit: u32) -> Vec<(String, String)> {
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("?filter={filter}&limit={limit}&cursor={c}"),
            None => format!("?filter={filter}&limit={limit}"),
        };
        let page = feed(app, who, &query).await;
        walked.extend(entries(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return walked,
        }
    }
}

/// `who` asks `network` for help; the request's id.
async fn ask_for_help(app: &TestApp, who: &Account, network: &str) -> String {
    app.post(
        who,
        &format!("/networks/{network}/help-requests"),
        json!({
            "title": "Home visits that work?", "body": "What did you try?", "tags": []
        }),
    )
    .await
    .expect(201)
    .id()
}

/// `who` asks `network` a poll; its id.
async fn start_poll(app: &TestApp, who: &Account, network: &str) -> String {
    app.post(
        who,
        &format!("/networks/{network}/polls"),
        json!({
            "question": "Which day?", "kind": "single", "options": ["Mon", "Tue"]
        }),
    )
    .await
    .expect(201)
    .id()
}

fn thread(id: &Value) -> (String, String) {
    ("thread".to_owned(), id.as_str().unwrap().to_owned())
}

fn item<'a>(page: &'a Value, kind: &str, id: &str) -> &'a Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["type"] == kind && item["id"] == id)
        .unwrap_or_else(|| panic!("{kind} {id} in {page}"))
}

async fn network(app: &TestApp, admin: &Account, name: &str, parent: Option<&str>) -> String {
    let mut body = json!({"name": name, "visibility": "private"});
    if let Some(parent) = parent {
        body["parent_id"] = json!(parent);
    }
    app.post(admin, "/networks", body).await.expect(201).id()
}

backend_test! {
    async fn the_three_filters_across_networks_and_a_sub_network_with_muting(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, attendance) = app.admin_with_network("Attendance PLN").await;
        let literacy = network(&app, &admin, "Literacy PLN", None).await;
        let principals = network(&app, &admin, "Principals", Some(&attendance)).await;
        let rosa = app.add_member(&admin, &attendance, "Rosa Reader", "member").await;
        let ben = app.add_member(&admin, &attendance, "Ben Author", "member").await;
        for net in [&literacy, &principals] {
            app.join_by_invitation(&admin, net, &rosa, "member").await;
            app.join_by_invitation(&admin, net, &ben, "member").await;
        }

        let t_attendance = app.create_thread(&ben, &attendance, "Chronic absence").await;
        let t_literacy = app.create_thread(&ben, &literacy, "Phonics kits").await;
        let t_principals = app.create_thread(&ben, &principals, "Budget season").await;
        let help = ask_for_help(&app, &ben, &attendance).await;
        let poll = start_poll(&app, &ben, &literacy).await;
        let everything = vec![
            ("poll".to_owned(), poll.clone()),
            ("help_request".to_owned(), help.clone()),
            thread(&t_principals["id"]),
            thread(&t_literacy["id"]),
            thread(&t_attendance["id"]),
        ];

        let latest = feed(&app, &rosa, "").await;
        assert_eq!(entries(&latest), everything, "newest activity first, every network and the sub-network");
        assert_eq!(latest, feed(&app, &rosa, "?filter=latest").await, "latest is the default");
        let first = item(&latest, "thread", t_attendance["id"].as_str().unwrap());
        assert_eq!(first["network"], json!({"id": attendance, "name": "Attendance PLN"}));
        assert_eq!(first["title"], "Chronic absence");
        assert_eq!(first["url"], format!("/threads/{}", t_attendance["id"].as_str().unwrap()));
        assert_eq!(first["excerpt"], "Opening post of Chronic absence");
        assert_eq!(first["last_actor"]["id"], ben.id);
        assert_eq!(first["unread_count"], 1);
        assert_eq!(first["is_new"], true);
        assert_eq!(item(&latest, "poll", &poll)["url"], format!("/polls/{poll}"));
        assert_eq!(entries(&feed(&app, &rosa, "?filter=unread").await), everything, "nothing read yet");
        assert_eq!(entries(&feed(&app, &rosa, "?filter=new").await), everything, "all created since Rosa joined");
        assert!(
            entries(&feed(&app, &ben, "?filter=new").await).is_empty(),
            "what I wrote myself is neither new nor unread to me"
        );
        assert!(entries(&feed(&app, &ben, "?filter=unread").await).is_empty());

        // Reading a thread takes it out of unread and new; a reply brings it back to unread
        // (and to the top), pointing at the reply.
        let t_id = t_attendance["id"].as_str().unwrap();
        app.post(&rosa, &format!("/threads/{t_id}/read"), json!({"last_read_post_id": t_attendance["first_post_id"]}))
            .await
            .expect(200);
        assert!(!entries(&feed(&app, &rosa, "?filter=unread").await).contains(&thread(&t_attendance["id"])));
        assert!(!entries(&feed(&app, &rosa, "?filter=new").await).contains(&thread(&t_attendance["id"])));
        app.reply(&ben, t_id, "We call home on day two.").await;
        let unread = feed(&app, &rosa, "?filter=unread").await;
        assert_eq!(entries(&unread)[0], thread(&t_attendance["id"]), "the reply moved it to the top");
        let replied = item(&unread, "thread", t_id);
        assert_eq!(replied["unread_count"], 1);
        assert_eq!(replied["reply_count"], 1);
        assert_eq!(replied["first_unread_url"], format!("/threads/{t_id}#post-2"));
        assert_eq!(replied["is_new"], false, "opened already");
        assert!(!entries(&feed(&app, &rosa, "?filter=new").await).contains(&thread(&t_attendance["id"])));

        // Muting a thread and a network leaves them out of unread and new, not of latest.
        app.put(&rosa, &format!("/threads/{}/notification-level", t_literacy["id"].as_str().unwrap()), Some(json!({"level": "muted"})))
            .await
            .expect(200);
        app.put(&rosa, &format!("/networks/{principals}/notification-level"), Some(json!({"level": "muted"})))
            .await
            .expect(200);
        for filter in ["unread", "new"] {
            let shown = entries(&feed(&app, &rosa, &format!("?filter={filter}")).await);
            assert!(!shown.contains(&thread(&t_literacy["id"])), "{filter}: muted thread left out");
            assert!(!shown.contains(&thread(&t_principals["id"])), "{filter}: muted network left out");
            assert!(shown.contains(&("poll".to_owned(), poll.clone())), "{filter}: the rest stays");
        }
        let latest = entries(&feed(&app, &rosa, "").await);
        assert!(latest.contains(&thread(&t_literacy["id"])) && latest.contains(&thread(&t_principals["id"])));

        // One network at a time.
        let only = entries(&feed(&app, &rosa, &format!("?network_id={literacy}")).await);
        assert_eq!(only, vec![("poll".to_owned(), poll.clone()), thread(&t_literacy["id"])]);

        // A member of another network sees none of it, and cannot ask for it.
        let other = network(&app, &admin, "Elsewhere", None).await;
        let olga = app.add_member(&admin, &other, "Olga Outside", "member").await;
        for filter in ["latest", "unread", "new"] {
            assert!(entries(&feed(&app, &olga, &format!("?filter={filter}")).await).is_empty(), "{filter}");
        }
        for net in [&attendance, &literacy, &principals] {
            let refused = app.get(&olga, &format!("/me/feed?network_id={net}")).await.expect(404);
            assert!(refused.content_type().starts_with("application/problem+json"));
        }
    }
}

backend_test! {
    async fn watched_things_come_first_within_a_day(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rosa = app.add_member(&admin, &network, "Rosa Reader", "member").await;
        let older = app.create_thread(&admin, &network, "Older").await;
        let newer = app.create_thread(&admin, &network, "Newer").await;
        assert_eq!(entries(&feed(&app, &rosa, "").await), vec![thread(&newer["id"]), thread(&older["id"])]);
        app.put(&rosa, &format!("/threads/{}/notification-level", older["id"].as_str().unwrap()), Some(json!({"level": "watching"})))
            .await
            .expect(200);
        let page = feed(&app, &rosa, "").await;
        // Both were active today (UTC), unless the day turned between the two posts.
        let days: HashSet<&str> = page["items"].as_array().unwrap().iter()
            .map(|i| &i["last_activity_at"].as_str().unwrap()[..10]).collect();
        if days.len() == 1 {
            assert_eq!(entries(&page), vec![thread(&older["id"]), thread(&newer["id"])]);
        }
    }
}

backend_test! {
    async fn a_member_removed_a_moment_ago_sees_nothing_of_that_network(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, attendance) = app.admin_with_network("Attendance PLN").await;
        let literacy = network(&app, &admin, "Literacy PLN", None).await;
        let rosa = app.add_member(&admin, &attendance, "Rosa Reader", "member").await;
        app.join_by_invitation(&admin, &literacy, &rosa, "member").await;
        let kept = app.create_thread(&admin, &literacy, "Kept").await;
        let lost = app.create_thread(&admin, &attendance, "Lost").await;
        assert_eq!(entries(&feed(&app, &rosa, "").await), vec![thread(&lost["id"]), thread(&kept["id"])]);

        app.delete(&admin, &format!("/networks/{attendance}/members/{}", rosa.id)).await.expect(204);
        for filter in ["latest", "unread", "new"] {
            assert_eq!(entries(&feed(&app, &rosa, &format!("?filter={filter}")).await), vec![thread(&kept["id"])], "{filter}");
        }
        app.get(&rosa, &format!("/me/feed?network_id={attendance}")).await.expect(404);
    }
}

backend_test! {
    async fn bad_filters_cursors_and_limits_are_refused(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, _network) = app.admin_with_network("Attendance PLN").await;
        for query in ["?filter=oldest", "?cursor=not-a-cursor", "?limit=0", "?limit=101", "?network_id=abc"] {
            let reply = app.get(&admin, &format!("/me/feed{query}")).await;
            assert!(
                matches!(reply.status.as_u16(), 400 | 404 | 422),
                "{query}: {} {}", reply.status, reply.text
            );
            assert!(reply.content_type().starts_with("application/problem+json"), "{query}");
        }
        app.get(&admin, "/me/feed?filter=oldest").await.expect(422);
        app.get(&admin, "/me/feed?cursor=not-a-cursor").await.expect(422);
        app.get(&admin, "/me/feed?network_id=999999").await.expect(404);
        app.request(reqwest::Method::GET, "/me/feed", None, None).await.expect(401);
    }
}

backend_test! {
    async fn pages_walk_everything_exactly_once(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rosa = app.add_member(&admin, &network, "Rosa Reader", "member").await;
        for n in 0..7 {
            app.create_thread(&admin, &network, &format!("Thread {n}")).await;
        }
        start_poll(&app, &admin, &network).await;
        for filter in ["latest", "unread", "new"] {
            let whole = entries(&feed(&app, &rosa, &format!("?filter={filter}&limit=100")).await);
            assert_eq!(whole.len(), 8, "{filter}");
            assert_eq!(walk(&app, &rosa, filter, 3).await, whole, "{filter}: every item once, in order");
        }
    }
}

backend_test! {
    async fn anonymous_help_requests_stay_anonymous_in_the_feed(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let asker = app.add_member(&admin, &network, "Asha Asker", "member").await;
        let rosa = app.add_member(&admin, &network, "Rosa Reader", "member").await;
        let help = app
            .post(&asker, &format!("/networks/{network}/help-requests"), json!({
                "title": "Our absences rose", "body": "How did you talk about a setback?", "tags": [], "anonymous": true
            }))
            .await
            .expect(201)
            .id();
        let anonymous = json!({"anonymous": true, "label": "a member of Attendance PLN"});
        for (who, seen_as) in [(&rosa, "a member"), (&admin, "the instance admin")] {
            let reply = app.get(who, "/me/feed").await.expect(200);
            assert_eq!(item(&reply.body, "help_request", &help)["last_actor"], anonymous, "{seen_as}");
            assert_hides(&reply.text, &asker, seen_as);
        }
        let own = feed(&app, &asker, "").await;
        assert_eq!(item(&own, "help_request", &help)["last_actor"]["id"], asker.id, "the asker sees themselves");
    }
}

async fn visit_times(
    app: &TestApp,
    who: &Account,
) -> (
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
) {
    let row = app
        .db()
        .query_one(Statement::from_sql_and_values(
            app.db().get_database_backend(),
            match app.db().get_database_backend() {
                sea_orm::DbBackend::Postgres => "SELECT last_seen_at, visit_started_at, previous_visit_at FROM members WHERE id = $1",
                _ => "SELECT last_seen_at, visit_started_at, previous_visit_at FROM members WHERE id = ?",
            },
            [who.id.parse::<i64>().unwrap().into()],
        ))
        .await
        .unwrap()
        .expect("the member");
    (
        row.try_get_by(0).unwrap(),
        row.try_get_by(1).unwrap(),
        row.try_get_by(2).unwrap(),
    )
}

/// Moves the member's last request `ago` into the past: time away, without waiting.
async fn last_seen(app: &TestApp, who: &Account, at: DateTime<Utc>) {
    let backend = app.db().get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE members SET last_seen_at = $1 WHERE id = $2",
        _ => "UPDATE members SET last_seen_at = ? WHERE id = ?",
    };
    app.db()
        .execute(Statement::from_sql_and_values(
            backend,
            sql,
            [at.into(), who.id.parse::<i64>().unwrap().into()],
        ))
        .await
        .unwrap();
}

backend_test! {
    async fn last_visit_at_moves_only_after_thirty_minutes_away(backend: Backend) {
        // Every request touches the visit (no throttle), so the test needs no waiting.
        let app = TestApp::spawn_with(&backend, |c| c.visits.touch_interval_secs = 0).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        assert_eq!(feed(&app, &admin, "").await["last_visit_at"], Value::Null, "no visit before this one");
        let first_visit = eventually(Duration::from_secs(10), "the first visit recorded", || async {
            visit_times(&app, &admin).await.1
        })
        .await;

        // 29 minutes away: the same visit goes on.
        let moment = Utc::now() - Gap::minutes(29);
        last_seen(&app, &admin, moment).await;
        feed(&app, &admin, "").await;
        eventually(Duration::from_secs(10), "the request seen", || async {
            visit_times(&app, &admin).await.0.filter(|seen| *seen > moment)
        })
        .await;
        let (_, started, previous) = visit_times(&app, &admin).await;
        assert_eq!((started, previous), (Some(first_visit), None));
        assert_eq!(feed(&app, &admin, "").await["last_visit_at"], Value::Null);

        // 31 minutes away: a new visit begins, and the first becomes the last one.
        last_seen(&app, &admin, Utc::now() - Gap::minutes(31)).await;
        feed(&app, &admin, "").await;
        let previous = eventually(Duration::from_secs(10), "a new visit", || async {
            visit_times(&app, &admin).await.2
        })
        .await;
        assert_eq!(previous, first_visit);
        let shown: DateTime<Utc> = feed(&app, &admin, "").await["last_visit_at"]
            .as_str()
            .expect("last_visit_at")
            .parse()
            .unwrap();
        assert_eq!(shown, first_visit);
        // The same on a page with items as on an empty one.
        app.create_thread(&admin, &network, "Agenda for March").await;
        let page = feed(&app, &admin, "").await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(page["last_visit_at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(), first_visit);
    }
}

backend_test! {
    async fn a_resources_discussion_is_the_resources_activity(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rosa = app.add_member(&admin, &network, "Rosa Reader", "member").await;
        let resource = app
            .post(&admin, &format!("/networks/{network}/resources"), json!({"kind": "link", "title": "Toolkit", "url": "https://example.org/toolkit"}))
            .await
            .expect(201)
            .body;
        let id = resource["id"].as_str().unwrap();
        let discussion = resource["discussion_thread_id"].as_str().expect("a discussion thread");
        let page = feed(&app, &rosa, "").await;
        assert_eq!(entries(&page), vec![("resource".to_owned(), id.to_owned())], "the discussion is no item of its own");
        let shown = item(&page, "resource", id);
        assert_eq!((shown["is_new"].clone(), shown["unread_count"].clone()), (json!(true), json!(1)), "never opened");

        app.reply(&admin, discussion, "Page 3 is the useful one.").await;
        let page = feed(&app, &rosa, "?filter=unread").await;
        assert_eq!(entries(&page), vec![("resource".to_owned(), id.to_owned())]);
        let shown = item(&page, "resource", id);
        assert_eq!(shown["reply_count"], 1);
        assert_eq!(shown["last_actor"]["id"], admin.id);
        assert_eq!(shown["unread_count"], 2, "the reply, and never opened");
    }
}

async fn networks_by_id(app: &TestApp, who: &Account) -> std::collections::HashMap<String, Value> {
    app.get(who, "/networks?limit=100").await.expect(200).body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap().to_owned(), n.clone()))
        .collect()
}

backend_test! {
    async fn unread_counts_per_network_and_per_tab_leave_muted_out(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, attendance) = app.admin_with_network("Attendance PLN").await;
        let literacy = network(&app, &admin, "Literacy PLN", None).await;
        let listed = app
            .post(&admin, "/networks", json!({"name": "Open to all", "visibility": "listed"}))
            .await
            .expect(201)
            .id();
        app.create_thread(&admin, &listed, "Outside news").await;
        let rosa = app.add_member(&admin, &attendance, "Rosa Reader", "member").await;
        app.join_by_invitation(&admin, &literacy, &rosa, "member").await;

        let first = app.create_thread(&admin, &attendance, "First").await;
        let second = app.create_thread(&admin, &attendance, "Second").await;
        app.create_thread(&admin, &literacy, "Elsewhere").await;
        ask_for_help(&app, &admin, &attendance).await;
        start_poll(&app, &admin, &attendance).await;

        let networks = networks_by_id(&app, &rosa).await;
        assert_eq!(networks[&attendance]["unread_count"], 2);
        assert_eq!(networks[&literacy]["unread_count"], 1);
        assert_eq!(networks[&listed]["unread_count"], 0, "a listed network I do not read counts nothing");
        assert!(networks[&attendance].get("unread").is_none(), "tabs only on the network itself");
        let tabs = app.get(&rosa, &format!("/networks/{attendance}")).await.expect(200).body["unread"].clone();
        assert_eq!(tabs, json!({"threads": 2, "help_requests": 1, "resources": 0, "polls": 1}));

        // Reading one thread, muting the other and the second network.
        app.post(&rosa, &format!("/threads/{}/read", first["id"].as_str().unwrap()), json!({"last_read_post_id": first["first_post_id"]}))
            .await
            .expect(200);
        app.put(&rosa, &format!("/threads/{}/notification-level", second["id"].as_str().unwrap()), Some(json!({"level": "muted"})))
            .await
            .expect(200);
        app.put(&rosa, &format!("/networks/{literacy}/notification-level"), Some(json!({"level": "muted"})))
            .await
            .expect(200);
        let networks = networks_by_id(&app, &rosa).await;
        assert_eq!(networks[&attendance]["unread_count"], 0);
        assert_eq!(networks[&literacy]["unread_count"], 0);
        let tabs = app.get(&rosa, &format!("/networks/{attendance}")).await.expect(200).body["unread"].clone();
        assert_eq!(tabs, json!({"threads": 0, "help_requests": 1, "resources": 0, "polls": 1}));

        // Removed a moment ago: the network is gone from the list, and from its counts.
        app.delete(&admin, &format!("/networks/{attendance}/members/{}", rosa.id)).await.expect(204);
        assert!(!networks_by_id(&app, &rosa).await.contains_key(&attendance));
        app.get(&rosa, &format!("/networks/{attendance}")).await.expect(404);
    }
}

backend_test! {
    async fn opening_a_help_request_or_a_poll_takes_it_out_of_new_and_a_later_answer_makes_it_unread(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, attendance) = app.admin_with_network("Attendance PLN").await;
        let rosa = app.add_member(&admin, &attendance, "Rosa Reader", "member").await;
        let ben = app.add_member(&admin, &attendance, "Ben Author", "member").await;
        let help = ask_for_help(&app, &ben, &attendance).await;
        let poll = start_poll(&app, &ben, &attendance).await;
        let help_item = ("help_request".to_owned(), help.clone());
        let poll_item = ("poll".to_owned(), poll.clone());
        for filter in ["new", "unread"] {
            let shown = entries(&feed(&app, &rosa, &format!("?filter={filter}")).await);
            assert!(shown.contains(&help_item) && shown.contains(&poll_item), "{filter}: not opened yet");
        }

        app.post(&rosa, &format!("/help-requests/{help}/read"), json!({})).await.expect(200);
        app.post(&rosa, &format!("/polls/{poll}/read"), json!({})).await.expect(200);
        for filter in ["new", "unread"] {
            let shown = entries(&feed(&app, &rosa, &format!("?filter={filter}")).await);
            assert!(!shown.contains(&help_item) && !shown.contains(&poll_item), "{filter}: opened, so neither new nor unread");
        }
        let latest = feed(&app, &rosa, "").await;
        assert_eq!(item(&latest, "help_request", &help)["is_new"], false);
        assert_eq!(item(&latest, "help_request", &help)["unread_count"], 0);

        // Someone answers after Rosa read it: unread again, and still not new.
        app.post(&admin, &format!("/help-requests/{help}/responses"), json!({"body": "We visit on day three."}))
            .await
            .expect(201);
        assert!(entries(&feed(&app, &rosa, "?filter=unread").await).contains(&help_item));
        assert!(!entries(&feed(&app, &rosa, "?filter=new").await).contains(&help_item));

        // Opening is 404 to someone outside the network, and changes nothing for them.
        let elsewhere = network(&app, &admin, "Elsewhere", None).await;
        let outsider = app.add_member(&admin, &elsewhere, "Olga Outside", "member").await;
        app.post(&outsider, &format!("/help-requests/{help}/read"), json!({})).await.expect(404);
        assert!(!entries(&feed(&app, &outsider, "").await).contains(&help_item));
    }
}

backend_test! {
    async fn a_facilitator_reads_the_sub_networks_below_until_demoted(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, region) = app.admin_with_network("Region PLN").await;
        let counselors = network(&app, &admin, "Counselors", Some(&region)).await;
        let middle = network(&app, &admin, "Middle school counselors", Some(&counselors)).await;
        let fay = app.add_member(&admin, &region, "Fay Facilitator", "facilitator").await;
        // Two levels down, where Fay never joined.
        let below = app.create_thread(&admin, &middle, "Schedules that work").await;
        let below_id = below["id"].as_str().unwrap().to_owned();

        let unread = feed(&app, &fay, "?filter=unread").await;
        let item = item(&unread, "thread", &below_id);
        assert_eq!(item["network"]["name"], "Middle school counselors");
        assert_eq!(item["unread_count"], 1);
        let only = feed(&app, &fay, &format!("?network_id={middle}")).await;
        assert_eq!(entries(&only), vec![thread(&below["id"])]);

        // Demoted, she reads only where she takes part: the sub-networks are gone at once.
        app.patch(&admin, &format!("/networks/{region}/members/{}", fay.id), json!({"role": "member"}))
            .await
            .expect(200);
        for filter in ["latest", "unread", "new"] {
            let page = feed(&app, &fay, &format!("?filter={filter}")).await;
            assert!(!entries(&page).contains(&thread(&below["id"])), "{filter}: {page}");
        }
        app.get(&fay, &format!("/me/feed?network_id={middle}")).await.expect(404);
    }
}

backend_test! {
    async fn opening_the_live_socket_after_thirty_minutes_away_begins_a_visit(backend: Backend) {
        // A member who keeps a tab open comes back through the socket alone, before any
        // request: that is a visit too.
        let app = TestApp::spawn_with(&backend, |c| c.visits.touch_interval_secs = 0).await;
        let (admin, _network) = app.admin_with_network("Attendance PLN").await;
        feed(&app, &admin, "").await;
        let first_visit = eventually(Duration::from_secs(10), "the first visit recorded", || async {
            visit_times(&app, &admin).await.1
        })
        .await;

        last_seen(&app, &admin, Utc::now() - Gap::minutes(31)).await;
        let _socket = crate::live_client::LiveClient::signed_in(&app, &admin).await;
        let previous = eventually(Duration::from_secs(10), "a visit begun by the socket", || async {
            visit_times(&app, &admin).await.2
        })
        .await;
        assert_eq!(previous, first_visit);
    }
}

/// Moves `table`'s row `id` (and, for a thread, its activity) back `days` days.
async fn backdate(app: &TestApp, table: &str, id: &str, days: i64) {
    let backend = app.db().get_database_backend();
    let columns = if table == "threads" {
        "created_at = $1, last_activity_at = $1"
    } else {
        "created_at = $1"
    };
    let mut sql = format!("UPDATE {table} SET {columns} WHERE id = $2");
    if backend != sea_orm::DbBackend::Postgres {
        sql = sql.replace("$1", "?1").replace("$2", "?2");
    }
    let at = Utc::now() - Gap::days(days);
    app.db()
        .execute(Statement::from_sql_and_values(
            backend,
            sql,
            [at.into(), id.parse::<i64>().unwrap().into()],
        ))
        .await
        .unwrap();
    // Written around the services, as a bulk load is: the feed's activity table is rebuilt.
    staffroom::feed::activity::rebuild(app.db()).await.unwrap();
}

backend_test! {
    async fn things_older_than_a_page_of_threads_come_on_a_later_page(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rosa = app.add_member(&admin, &network, "Rosa Reader", "member").await;
        let mut threads = Vec::new();
        for n in 0..4 {
            threads.push(app.create_thread(&admin, &network, &format!("Thread {n}")).await["id"].clone());
        }
        let poll = start_poll(&app, &admin, &network).await;
        let help = ask_for_help(&app, &admin, &network).await;
        // Two days ago a thread, three days ago the poll; the help request is today's.
        backdate(&app, "threads", threads[0].as_str().unwrap(), 2).await;
        backdate(&app, "polls", &poll, 3).await;
        let expected = vec![
            ("help_request".to_owned(), help.clone()),
            thread(&threads[3]),
            thread(&threads[2]),
            thread(&threads[1]),
            thread(&threads[0]),
            ("poll".to_owned(), poll.clone()),
        ];
        for filter in ["latest", "unread", "new"] {
            // What was there before Rosa joined is not new to her.
            let expected = if filter == "new" { expected[..4].to_vec() } else { expected.clone() };
            assert_eq!(entries(&feed(&app, &rosa, &format!("?filter={filter}&limit=100")).await), expected, "{filter}");
            for limit in [1, 2, 3] {
                assert_eq!(walk(&app, &rosa, filter, limit).await, expected, "{filter}, {limit} a page: every item once, in order");
            }
        }
    }
}

backend_test! {
    async fn an_upgraded_instance_fills_the_feed_from_what_exists(backend: Backend) {
        // One of every kind, each with the activity that moves it: replies, an answer, a
        // discussion reply, check-ins, a test of change and its discussion.
        let app = TestApp::spawn(&backend).await;
        let w = crate::initiatives::attendance_world(&app).await;
        let thread = app.create_thread(&w.admin, &w.network, "Bus routes").await["id"].as_str().unwrap().to_owned();
        app.reply(&w.peer, &thread, "Route 4 is late").await;
        let help = ask_for_help(&app, &w.admin, &w.network).await;
        app.post(&w.peer, &format!("/help-requests/{help}/responses"), json!({"body": "Call the front office."}))
            .await
            .expect(201);
        start_poll(&app, &w.admin, &w.network).await;
        let resource = app
            .post(&w.admin, &format!("/networks/{}/resources", w.network), json!({"kind": "link", "title": "Toolkit", "url": "https://example.org/toolkit"}))
            .await
            .expect(201)
            .body;
        app.reply(&w.lead, resource["discussion_thread_id"].as_str().unwrap(), "Page 3 is the useful one.").await;
        app.post(&w.admin, &format!("/networks/{}/convenings", w.network), json!({
            "title": "Spring convening", "starts_at": "2027-03-04T09:00:00Z", "ends_at": "2027-03-04T10:00:00Z"
        }))
        .await
        .expect(201);
        crate::initiatives::check_in_weeks(&app, &w.lead, &w.lehman, 0, &[18.0, 17.0]).await;
        let test = app
            .post(&w.lead, &format!("/initiatives/{}/tests", w.initiative), json!({"team_id": w.lehman, "change_idea": "Attendance buddies", "plan": {}}))
            .await
            .expect(201)
            .body;
        let discussion = test["discussion_thread_id"].as_str().expect("a test of change has its discussion");
        app.reply(&w.peer, discussion, "We tried buddies too.").await;
        let before = feed(&app, &w.bystander, "?limit=100").await;
        let kinds: HashSet<&str> = before["items"].as_array().unwrap().iter().map(|i| i["type"].as_str().unwrap()).collect();
        assert_eq!(kinds.len(), 7, "one of every kind: {kinds:?}");

        // The instance as it was before the activity table, then upgraded.
        // Back to before migration 27 (and whatever came after it).
        let status = crate::process::run_command(&app.database, &["migrate", "status"]).await;
        let after_27 = status.lines().skip_while(|l| !l.contains("_000027_")).count();
        assert!(after_27 >= 1, "{status}");
        let steps = after_27.to_string();
        let reverted = crate::process::run_command(&app.database, &["migrate", "down", "--steps", &steps]).await;
        assert!(reverted.contains(&format!("Reverted {steps}")), "{reverted}");
        let status = crate::process::run_command(&app.database, &["migrate", "status"]).await;
        let line = status.lines().find(|l| l.contains("_000027_")).unwrap_or_default();
        assert!(line.contains("Pending"), "{status}");
        let upgraded = crate::process::run_command(&app.database, &["migrate", "up"]).await;
        assert!(upgraded.contains("All migrations applied"), "{upgraded}");
        let after = feed(&app, &w.bystander, "?limit=100").await;
        assert_eq!(after["items"], before["items"], "filled from what exists, as it was kept");
    }
}
