//! Mentions: handles in any case, `@facilitators`, links in `body_html`, `@words` that name
//! nobody reported on every write path and the preview, and the composer's member search.

use crate::backend_test;
use crate::helpers::*;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

/// Kinds of `who`'s unread notifications about `post`.
async fn notified_about(app: &TestApp, who: &Account, post: &str) -> Vec<String> {
    let page = app
        .get(who, "/notifications?unread=true&limit=100")
        .await
        .expect(200);
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["subject_id"] == post)
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Gives a member a handle the API never makes (stored in capitals, or reserved), as an
/// older import or a hand edit could have.
async fn set_handle(app: &TestApp, who: &Account, handle: &str) {
    let id: i64 = who.id.parse().expect("numeric member id");
    app.db()
        .execute_unprepared(&format!(
            "UPDATE members SET handle = '{handle}' WHERE id = {id}"
        ))
        .await
        .expect("handle set");
}

fn mention_link(who: &Account, handle: &str) -> String {
    format!(
        "<a class=\"mention\" href=\"/members/{}\">@{handle}</a>",
        who.id
    )
}

fn unresolved(body: &Value) -> Vec<String> {
    serde_json::from_value(body["unresolved_mentions"].clone()).expect("unresolved_mentions")
}

fn handles(page: &Value) -> Vec<String> {
    let mut handles: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member"]["handle"].as_str().unwrap().to_owned())
        .collect();
    handles.sort();
    handles
}

backend_test! {
    async fn a_mention_in_any_case_notifies_the_member_and_links_to_them(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let roxy = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        assert_eq!(roxy.handle, "roxy-heiser");
        let thread = app.create_thread(&admin, &network, "Home visits").await["id"].as_str().unwrap().to_owned();

        let reply = app.reply(&cal, &thread, "Thanks @Roxy-Heiser! And @roxy, whoever that is.").await;
        let post = reply["id"].as_str().unwrap().to_owned();
        assert_eq!(notified_about(&app, &roxy, &post).await, vec!["mentioned"]);
        assert_eq!(unresolved(&reply), vec!["roxy"]);
        let html = reply["body_html"].as_str().unwrap();
        assert!(html.contains(&mention_link(&roxy, "roxy-heiser")), "{html}");
        assert!(html.contains("And @roxy, whoever"), "an unresolved word stays text: {html}");

        // What is stored is what the page shows.
        let page = app.get(&admin, &format!("/threads/{thread}/posts")).await.expect(200);
        assert_eq!(page.body["items"][1]["body_html"], reply["body_html"]);

        // A handle stored in capitals is found by a mention in any case.
        set_handle(&app, &roxy, "Roxy-Heiser").await;
        let shouted = app.reply(&cal, &thread, "@ROXY-heiser one more thing").await;
        assert_eq!(notified_about(&app, &roxy, shouted["id"].as_str().unwrap()).await, vec!["mentioned"]);
        assert!(unresolved(&shouted).is_empty());
        assert!(shouted["body_html"].as_str().unwrap().contains(&mention_link(&roxy, "Roxy-Heiser")), "{shouted}");
    }
}

backend_test! {
    async fn at_facilitators_notifies_the_facilitators_of_that_network_only(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let fay = app.add_member(&admin, &network, "Fay Facilitator", "facilitator").await;
        let mo = app.add_member(&admin, &network, "Mo Member", "member").await;
        let pat = app.add_member(&admin, &network, "Pat Peer", "member").await;
        // A facilitator of another network of the same instance hears nothing.
        let other = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"})).await.expect(201).id();
        let bea = app.add_member(&admin, &other, "Bea Elsewhere", "facilitator").await;
        // A member who holds the handle from before it was reserved cannot take the mention.
        set_handle(&app, &pat, "facilitators").await;
        let thread = app.create_thread(&mo, &network, "Schedules").await["id"].as_str().unwrap().to_owned();

        let asked = app.reply(&mo, &thread, "@Facilitators could we move Thursday?").await;
        let post = asked["id"].as_str().unwrap().to_owned();
        assert!(unresolved(&asked).is_empty(), "{asked}");
        assert!(asked["body_html"].as_str().unwrap().contains("<span class=\"mention\">@facilitators</span>"), "{asked}");
        assert_eq!(notified_about(&app, &admin, &post).await, vec!["mentioned"]);
        assert_eq!(notified_about(&app, &fay, &post).await, vec!["mentioned"]);
        assert!(notified_about(&app, &pat, &post).await.is_empty());
        assert!(notified_about(&app, &bea, &post).await.is_empty());
        assert!(notified_about(&app, &mo, &post).await.is_empty(), "not the author");

        // A facilitator writing it reaches the others, not themselves.
        let own = app.reply(&fay, &thread, "@facilitators see above").await;
        let own_post = own["id"].as_str().unwrap().to_owned();
        assert_eq!(notified_about(&app, &admin, &own_post).await, vec!["mentioned"]);
        assert!(notified_about(&app, &fay, &own_post).await.is_empty());

        // New accounts never get the handle.
        let named = app.register("Facilitators").await;
        assert_eq!(named.handle, "facilitators-2");
    }
}

backend_test! {
    async fn words_that_name_nobody_are_reported_on_every_path_and_outsiders_are_nobody(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let roxy = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let other = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"})).await.expect(201).id();
        let olga = app.add_member(&admin, &other, "Olga Outsider", "member").await;
        let body = "@roxy-heiser and @olga-outsider and @nobody";

        let started = app
            .post(&admin, &format!("/networks/{network}/threads"), json!({"title": "Visits", "body": body}))
            .await
            .expect(201);
        assert_eq!(unresolved(&started.body), vec!["olga-outsider", "nobody"]);
        assert!(started.body["body_html"].as_str().unwrap().contains(&mention_link(&roxy, "roxy-heiser")), "{}", started.text);
        let thread = started.id();

        let reply = app.post(&admin, &format!("/threads/{thread}/posts"), json!({"body": body})).await.expect(201);
        assert_eq!(unresolved(&reply.body), vec!["olga-outsider", "nobody"]);
        let html = reply.body["body_html"].as_str().unwrap();
        assert!(!html.contains(&format!("/members/{}", olga.id)), "an outsider is never linked: {html}");
        assert!(notified_about(&app, &olga, &reply.id()).await.is_empty(), "nor notified");

        let edited = app.patch(&admin, &format!("/posts/{}", reply.id()), json!({"body": "@Nobody-Else, @roxy-heiser"})).await.expect(200);
        assert_eq!(unresolved(&edited.body), vec!["nobody-else"]);

        let preview = app.post(&admin, "/markdown/preview", json!({"body": body, "network_id": network})).await.expect(200);
        assert_eq!(unresolved(&preview.body), vec!["olga-outsider", "nobody"]);
        assert_eq!(preview.body["body_html"], reply.body["body_html"], "the preview is what is stored");

        // Without a network nothing is resolved, so nothing is reported and nothing links.
        let bare = app.post(&admin, "/markdown/preview", json!({"body": body})).await.expect(200);
        assert!(unresolved(&bare.body).is_empty());
        assert!(!bare.body["body_html"].as_str().unwrap().contains("mention"), "{}", bare.text);

        // A network the caller cannot see is not found, and its members are not revealed.
        let hidden = app.post(&roxy, "/markdown/preview", json!({"body": "@olga-outsider", "network_id": other})).await;
        hidden.expect(404);
    }
}

backend_test! {
    async fn the_composer_finds_members_by_name_or_handle_prefix(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let roxy = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        app.add_member(&admin, &network, "Rob Heinz", "member").await;
        app.add_member(&admin, &network, "Lauren Park", "member").await;
        let other = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"})).await.expect(201).id();
        let outsider = app.add_member(&admin, &other, "Roxanne Other", "member").await;
        let members = |q: &str| format!("/networks/{network}/members?q={q}");

        let ro = app.get(&roxy, &members("RO")).await.expect(200);
        assert_eq!(handles(&ro.body), vec!["rob-heinz", "roxy-heiser"], "not roxanne, of another network");
        let hei = app.get(&roxy, &members("hei")).await.expect(200);
        assert_eq!(handles(&hei.body), vec!["rob-heinz", "roxy-heiser"], "any word of the name");
        let handle = app.get(&roxy, &members("%40roxy-h")).await.expect(200);
        assert_eq!(handles(&handle.body), vec!["roxy-heiser"]);
        let nobody = app.get(&roxy, &members("oxy")).await.expect(200);
        assert!(handles(&nobody.body).is_empty(), "a prefix, not a substring");
        let wildcard = app.get(&roxy, &members("%25")).await.expect(200);
        assert!(handles(&wildcard.body).is_empty(), "% is a character, not a wildcard");

        // Its paging is the list's.
        let first = app.get(&roxy, &format!("{}&limit=1", members("r"))).await.expect(200);
        assert_eq!(first.body["items"].as_array().unwrap().len(), 1);
        let cursor = first.body["next_cursor"].as_str().expect("a next page").to_owned();
        let second = app.get(&roxy, &format!("{}&limit=1&cursor={cursor}", members("r"))).await.expect(200);
        assert_ne!(handles(&second.body), handles(&first.body));

        let long = "a".repeat(81);
        let refused = app.get(&roxy, &members(&long)).await.expect(422);
        assert!(refused.body["errors"]["q"].is_string(), "{}", refused.text);

        app.get(&outsider, &members("ro")).await.expect(404);
        app.delete(&admin, &format!("/networks/{network}/members/{}", roxy.id)).await.expect(204);
        app.get(&roxy, &members("ro")).await.expect(404);
        app.post(&roxy, "/markdown/preview", json!({"body": "@rob-heinz", "network_id": network})).await.expect(404);
    }
}
