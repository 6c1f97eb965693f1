//! Digests through the public interface: the preview a member sees, what it leaves out, and
//! one-click unsubscribe from the link in it.

use crate::backend_test;
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

/// The unsubscribe token in a digest's link (a signed token: base64url parts and dots).
pub fn unsubscribe_token(text: &str) -> String {
    let marker = "/unsubscribe?token=";
    let start = text
        .find(marker)
        .expect("an unsubscribe link in the digest")
        + marker.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect()
}

backend_test! {
    async fn a_digest_shows_what_the_member_can_see_and_leaves_out_the_rest(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let reader = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let colleague = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        app.patch(&reader, "/me", json!({"expertise": ["attendance"]})).await.expect(200);
        // Elsewhere: a network the reader is not in.
        let other = app.post(&admin, "/networks", json!({"name": "Math leads", "visibility": "private"})).await.expect(201).id();
        app.create_thread(&admin, &other, "Secret fractions pilot").await;

        let fresh = app.create_thread(&colleague, &network, "Mentoring for chronic absence").await;
        let fresh_id = fresh["id"].as_str().unwrap().to_owned();
        let read = app.create_thread(&colleague, &network, "Already read thread").await;
        let read_id = read["id"].as_str().unwrap().to_owned();
        app.create_thread(&reader, &network, "My own thread").await;
        app.post(&colleague, &format!("/networks/{network}/help-requests"), json!({
            "title": "First-week attendance incentives?", "body": "What works?", "tags": ["attendance"]
        })).await.expect(201);
        app.post(&colleague, &format!("/networks/{network}/help-requests"), json!({
            "title": "Bus routes in winter", "body": "Any tips?", "tags": ["transport"]
        })).await.expect(201);
        app.post(&colleague, &format!("/networks/{network}/resources"), json!({
            "kind": "link", "title": "Attendance toolkit", "url": "https://example.org/toolkit"
        })).await.expect(201);
        // Reading a thread to its end takes it out.
        let last = app.get(&reader, &format!("/threads/{read_id}/posts")).await.expect(200);
        let last_post = last.body["items"].as_array().and_then(|a| a.last()).map(|p| p["id"].clone()).expect("a post");
        app.post(&reader, &format!("/threads/{read_id}/read"), json!({"last_read_post_id": last_post})).await.expect(200);

        let preview = app.get(&reader, "/me/digest/preview?frequency=weekly").await.expect(200);
        let text = preview.body["text"].as_str().unwrap();
        let html = preview.body["html"].as_str().unwrap();
        assert_eq!(preview.body["subject"], "A colleague needs your help on attendance · Staffroom weekly");
        assert!(text.contains("First-week attendance incentives?"), "{text}");
        assert!(text.contains("Mentoring for chronic absence"), "{text}");
        assert!(text.contains(&format!("/threads/{fresh_id}")), "{text}");
        assert!(text.contains("Attendance toolkit"), "{text}");
        for absent in ["Secret fractions pilot", "My own thread", "Bus routes in winter", "Already read thread"] {
            assert!(!text.contains(absent) && !html.contains(absent), "{absent} in {text}");
        }
        assert!(html.contains("First-week attendance incentives?"));
        assert!(!html.contains("<script"));

        // Muting the network silences it.
        app.put(&reader, &format!("/networks/{network}/notification-level"), Some(json!({"level": "muted"}))).await.expect(200);
        let muted = app.get(&reader, "/me/digest/preview").await.expect(200);
        assert_eq!(muted.body["items"], 0, "{}", muted.body["text"]);
    }
}

backend_test! {
    async fn a_removed_member_gets_nothing_of_that_network(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Counselors").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        app.create_thread(&admin, &network, "Caseload planning").await;
        let before = app.get(&member, "/me/digest/preview").await.expect(200);
        assert!(before.body["text"].as_str().unwrap().contains("Caseload planning"));
        app.delete(&admin, &format!("/networks/{network}/members/{}", member.id)).await.expect(204);
        let after = app.get(&member, "/me/digest/preview").await.expect(200);
        assert_eq!(after.body["items"], 0);
        assert!(!after.body["text"].as_str().unwrap().contains("Caseload planning"));
        assert!(!after.body["html"].as_str().unwrap().contains("Caseload planning"));
    }
}

backend_test! {
    async fn a_facilitator_sees_private_sub_networks_below_and_a_member_does_not(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("County PLN").await;
        let facilitator = app.add_member(&admin, &network, "Fay Facilitator", "facilitator").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let sub = app.post(&admin, "/networks", json!({"name": "Principals", "visibility": "private", "parent_id": network})).await.expect(201).id();
        let deeper = app.post(&admin, "/networks", json!({"name": "Elementary principals", "visibility": "private", "parent_id": sub})).await.expect(201).id();
        app.create_thread(&admin, &network, "County-wide calendar").await;
        app.create_thread(&admin, &sub, "Principals only: staffing").await;
        app.create_thread(&admin, &deeper, "Elementary only: recess duty").await;

        let seen = app.get(&facilitator, "/me/digest/preview").await.expect(200);
        let text = seen.body["text"].as_str().unwrap();
        for line in ["County-wide calendar", "Principals only: staffing", "Elementary only: recess duty"] {
            assert!(text.contains(line), "{line} missing from {text}");
        }
        let plain = app.get(&member, "/me/digest/preview").await.expect(200);
        let text = plain.body["text"].as_str().unwrap();
        assert!(text.contains("County-wide calendar"), "{text}");
        for line in ["Principals only", "Elementary only"] {
            assert!(!text.contains(line), "{line} in {text}");
        }
    }
}

backend_test! {
    async fn one_click_unsubscribe_needs_no_sign_in_and_get_changes_nothing(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Principals").await;
        let member = app.add_member(&admin, &network, "Pat Principal", "member").await;
        app.create_thread(&admin, &network, "Budget season").await;
        let preview = app.get(&member, "/me/digest/preview").await.expect(200);
        let token = unsubscribe_token(preview.body["text"].as_str().unwrap());

        // A mail scanner opening the link changes nothing.
        let page = app.request(Method::GET, &format!("/unsubscribe?token={token}"), None, None).await.expect(200);
        assert!(page.content_type().starts_with("text/html"));
        assert!(page.text.contains("<form method=\"post\""));
        // Styled like the web client, with a real button, and allowed to load only that.
        let href = page.text.split("<link rel=\"stylesheet\" href=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a stylesheet").to_owned();
        assert!(page.text.contains("<button type=\"submit\" class=\"button\">Unsubscribe</button>"), "{}", page.text);
        let policy = page.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(policy.contains("style-src 'self'") && policy.contains("form-action 'self'") && !policy.contains("script-src"), "{policy}");
        let stylesheet = app.client.get(format!("{}{href}", app.address)).send().await.expect("the stylesheet");
        assert_eq!(stylesheet.status(), 200, "{href}");
        assert!(stylesheet.headers()["content-type"].to_str().unwrap().starts_with("text/css"), "{href}");
        assert_eq!(app.get(&member, "/me").await.expect(200).body["digest"]["frequency"], "weekly");
        let described = app.request(Method::GET, &format!("/api/v1/unsubscribe?token={token}"), None, None).await.expect(200);
        assert_eq!(described.body["scope"], "digest");

        // One-click POST, as a mail client sends it: no sign-in.
        let done = app.request(Method::POST, &format!("/unsubscribe?token={token}"), None, None).await.expect(200);
        assert!(done.text.contains("unsubscribed"));
        assert_eq!(app.get(&member, "/me").await.expect(200).body["digest"]["frequency"], "off");
        // Twice is harmless.
        app.request(Method::POST, &format!("/api/v1/unsubscribe?token={token}"), None, None).await.expect(200);

        // A forged or mangled token does nothing and says so.
        let forged = format!("{}x", &token[..token.len() - 1]);
        app.request(Method::POST, &format!("/unsubscribe?token={forged}"), None, None).await.expect(400);
        let problem = app.request(Method::POST, &format!("/api/v1/unsubscribe?token={forged}"), None, None).await.expect(422);
        assert_eq!(problem.content_type(), "application/problem+json");
        // An access token is not an unsubscribe token.
        app.request(Method::POST, &format!("/api/v1/unsubscribe?token={}", member.access_token), None, None).await.expect(422);
    }
}

backend_test! {
    async fn preview_rejects_unknown_frequencies(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let member = app.register("Una Known").await;
        let problem = app.get(&member, "/me/digest/preview?frequency=hourly").await.expect(422);
        assert_eq!(problem.body["errors"]["frequency"], "must be daily or weekly");
        app.get(&member, "/me/digest/preview?frequncy=daily").await.expect(422);
        app.request(Method::GET, "/api/v1/me/digest/preview", None, None).await.expect(401);
    }
}

backend_test! {
    /// Every section of a digest, each from its own kind of activity: answers to my
    /// request, mentions, an older thread come alive, an older resource found helpful, and
    /// my open action item; none of it reaches a member of another network.
    async fn each_section_shows_its_own_activity(backend: Backend) {
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        use staffroom::entities::{posts, resources, threads};
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let other = app.post(&admin, "/networks", json!({"name": "Elsewhere", "visibility": "private"})).await.expect(201).id();
        let outsider = app.add_member(&admin, &other, "Otto Outside", "member").await;

        // Older things, from before the digest's window.
        let old_thread = app.create_thread(&admin, &network, "Tardy policy review").await["id"].as_str().unwrap().to_owned();
        let old_resource = app.post(&admin, &format!("/networks/{network}/resources"), json!({
            "kind": "link", "title": "Truancy letter template", "url": "https://example.org/letter"
        })).await.expect(201).id();
        let long_ago = chrono::Utc::now() - chrono::Duration::days(10);
        threads::Entity::update_many().col_expr(threads::Column::CreatedAt, Expr::value(long_ago))
            .filter(threads::Column::Id.eq(old_thread.parse::<i64>().unwrap())).exec(app.db()).await.unwrap();
        posts::Entity::update_many().col_expr(posts::Column::CreatedAt, Expr::value(long_ago))
            .filter(posts::Column::ThreadId.eq(old_thread.parse::<i64>().unwrap())).exec(app.db()).await.unwrap();
        resources::Entity::update_many().col_expr(resources::Column::CreatedAt, Expr::value(long_ago))
            .filter(resources::Column::Id.eq(old_resource.parse::<i64>().unwrap())).exec(app.db()).await.unwrap();

        let request = app.post(&rita, &format!("/networks/{network}/help-requests"), json!({
            "title": "Bus routes in winter", "body": "Any tips?", "tags": ["transport"]
        })).await.expect(201).id();
        app.post(&cal, &format!("/help-requests/{request}/responses"), json!({"body": "Stagger the pickups."})).await.expect(201);
        app.reply(&cal, &old_thread, "The policy has a gap here").await;
        let mentioning = app.create_thread(&admin, &network, "Bus stop safety").await["id"].as_str().unwrap().to_owned();
        app.reply(&cal, &mentioning, &format!("@{} what do your drivers see?", rita.handle)).await;
        app.put(&cal, &format!("/resources/{old_resource}/helpful"), None).await.expect(200);
        let convening = app.post(&admin, &format!("/networks/{network}/convenings"), json!({
            "title": "Winter convening", "starts_at": "2027-06-01T15:00:00Z", "ends_at": "2027-06-01T20:00:00Z", "agenda": "Buses"
        })).await.expect(201).id();
        let due = (chrono::Utc::now() + chrono::Duration::days(3)).format("%Y-%m-%d").to_string();
        app.post(&admin, &format!("/convenings/{convening}/action-items"), json!({
            "title": "Map the winter routes", "owner_id": rita.id, "due_on": due
        })).await.expect(201);

        let preview = app.get(&rita, "/me/digest/preview").await.expect(200);
        let text = preview.body["text"].as_str().unwrap();
        for (heading, line) in [
            ("ANSWERS TO YOUR HELP REQUESTS", "Cal Colleague answered"),
            ("MENTIONS AND REPLIES TO YOU", "Cal Colleague mentioned you"),
            ("MOST ACTIVE DISCUSSIONS", "Attendance PLN · 1 new post · 1\u{a0}reply\n"),
            ("RESOURCES COLLEAGUES FOUND HELPFUL", "marked helpful once this period"),
            ("YOUR OPEN ACTION ITEMS", "Map the winter routes"),
        ] {
            assert!(text.contains(heading), "{heading} missing from {text}");
            assert!(text.contains(line), "{line} missing from {text}");
        }
        assert!(text.contains(&format!("/threads/{mentioning}#post-2")), "{text}");
        assert!(text.contains("\u{201c}The policy has a gap here\u{201d}"), "the newest words: {text}");
        // The thread with the mention is one line, under the mention, not also a new discussion.
        assert_eq!(text.matches(&format!("/threads/{mentioning}")).count(), 1, "{text}");
        assert!(text.contains("Truancy letter template"));
        let elsewhere = app.get(&outsider, "/me/digest/preview").await.expect(200);
        assert_eq!(elsewhere.body["items"], 0, "{}", elsewhere.body["text"]);
    }
}

backend_test! {
    /// "See all" leads to the section's own list: the network's discussions or library,
    /// in each network the rest lies in; and the footer names the networks.
    async fn see_all_leads_to_each_networks_list_of_that_section(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let reader = app.add_member(&admin, &network, "Rita Reader", "member").await;
        for n in 0..7 {
            app.create_thread(&admin, &network, &format!("Practice note {n}")).await;
        }
        for n in 0..6 {
            app.post(&admin, &format!("/networks/{network}/resources"), json!({
                "kind": "link", "title": format!("Toolkit {n}"), "url": "https://example.org/toolkit"
            })).await.expect(201);
        }
        let see_all = |text: &str, label: &str| -> String {
            let marker = format!("{label}: ");
            let start = text.find(&marker).unwrap_or_else(|| panic!("{marker} in {text}")) + marker.len();
            text[start..].lines().next().unwrap().to_owned()
        };
        let preview = app.get(&reader, "/me/digest/preview").await.expect(200);
        let text = preview.body["text"].as_str().unwrap();
        let public_url = text[..text.find("/threads/").expect("a thread link")].rsplit(' ').next().unwrap().to_owned();
        assert_eq!(see_all(text, "See all 7"), format!("{public_url}/networks/{network}"), "{text}");
        assert_eq!(see_all(text, "See all 6"), format!("{public_url}/networks/{network}/resources"), "{text}");
        assert!(text.contains("because you are a member of Attendance PLN on Staffroom."), "{text}");
        // Each resource's discussion opened with it is not a second item.
        assert!(!text.contains("(discussion)"), "{text}");

        let other = app.post(&admin, "/networks", json!({"name": "Math leads", "visibility": "private"})).await.expect(201).id();
        app.join_by_invitation(&admin, &other, &reader, "member").await;
        app.create_thread(&admin, &other, "Fraction talks").await;
        let preview = app.get(&reader, "/me/digest/preview").await.expect(200);
        let text = preview.body["text"].as_str().unwrap();
        assert_eq!(see_all(text, "See all 7 in Attendance PLN"), format!("{public_url}/networks/{network}"), "{text}");
        assert_eq!(see_all(text, "See all 1 in Math leads"), format!("{public_url}/networks/{other}"), "{text}");
        assert!(!text.contains(&format!("{public_url}/\n")), "never the list of networks: {text}");
        assert!(text.contains("member of Attendance PLN and Math leads on Staffroom."), "{text}");
    }
}
