//! Threads, posts, reactions, following, read markers and mentions.

use crate::backend_test;
use crate::helpers::*;
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

backend_test! {
    async fn a_conversation_counts_replies_and_unread_posts_per_member(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let roxy = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let thread = app
            .post(&roxy, &format!("/networks/{network}/threads"), json!({
                "title": "What moved the needle for 9th graders?",
                "body": "We tried **daily check-ins**.<script>alert(1)</script>",
                "tags": ["Chronic Absence", "ninth grade"]
            }))
            .await
            .expect(201);
        assert_eq!(thread.body["tags"], json!(["chronic-absence", "ninth-grade"]));
        assert_eq!(thread.body["notification_level"], "watching");
        assert!(thread.body["body_html"].as_str().unwrap().contains("<strong>daily check-ins</strong>"));
        assert!(!thread.body["body_html"].as_str().unwrap().contains("<script"));
        let thread_id = thread.id();

        let listed = app.get(&admin, &format!("/networks/{network}/threads")).await.expect(200);
        assert_eq!(listed.body["items"][0]["reply_count"], 0);
        assert_eq!(listed.body["items"][0]["unread_count"], 1);
        let own = app.get(&roxy, &format!("/networks/{network}/threads")).await.expect(200);
        assert_eq!(own.body["items"][0]["unread_count"], 0, "you have read what you wrote");

        let reply = app.reply(&admin, &thread_id, "Same here: adult check-ins worked.").await;
        let for_roxy = app.get(&roxy, &format!("/networks/{network}/threads")).await.expect(200);
        assert_eq!(for_roxy.body["items"][0]["reply_count"], 1);
        assert_eq!(for_roxy.body["items"][0]["unread_count"], 1);

        let posts = app.get(&roxy, &format!("/threads/{thread_id}/posts")).await.expect(200);
        let items = posts.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["post_number"], 1);
        assert_eq!(items[1]["post_number"], 2);
        assert_eq!(items[1]["author"]["display_name"], "Ada Admin");

        let read = app
            .post(&roxy, &format!("/threads/{thread_id}/read"), json!({"last_read_post_id": reply["id"]}))
            .await
            .expect(200);
        assert_eq!(read.body["unread_count"], 0);
        // Markers never move backwards.
        let back = app
            .post(&roxy, &format!("/threads/{thread_id}/read"), json!({"last_read_post_id": items[0]["id"]}))
            .await
            .expect(200);
        assert_eq!(back.body["last_read_post_id"], reply["id"]);
        app.post(&roxy, &format!("/threads/{thread_id}/read"), json!({"last_read_post_id": "999999"})).await.expect(422);
    }
}

backend_test! {
    async fn thread_lists_page_by_newest_activity_with_pinned_first(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let mut created = Vec::new();
        for n in 0..5 {
            created.push(app.create_thread(&admin, &network, &format!("Thread {n}")).await["id"].as_str().unwrap().to_owned());
        }
        // A reply brings the oldest thread to the top; pinning puts thread 2 above everything.
        app.reply(&admin, &created[0], "bump").await;
        app.patch(&admin, &format!("/threads/{}", created[2]), json!({"pinned": true})).await.expect(200);

        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/networks/{network}/threads?limit=2&cursor={c}"),
                None => format!("/networks/{network}/threads?limit=2"),
            };
            let page = app.get(&admin, &path).await.expect(200);
            assert!(page.body["items"].as_array().unwrap().len() <= 2);
            seen.extend(ids(&page.body));
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let expected: Vec<String> = [2, 0, 4, 3, 1].iter().map(|i| created[*i].clone()).collect();
        assert_eq!(seen, expected);

        let pinned = app.get(&admin, &format!("/threads/{}", created[2])).await.expect(200);
        assert_eq!(pinned.body["pinned"], true);
    }
}

backend_test! {
    async fn threads_filter_by_tag(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        app.post(&admin, &format!("/networks/{network}/threads"), json!({"title": "Codes", "body": "x", "tags": ["attendance-data"]}))
            .await
            .expect(201);
        let incentives = app
            .post(&admin, &format!("/networks/{network}/threads"), json!({"title": "Raffles?", "body": "x", "tags": ["incentives"]}))
            .await
            .expect(201)
            .id();
        let page = app.get(&admin, &format!("/networks/{network}/threads?tag=Incentives")).await.expect(200);
        assert_eq!(ids(&page.body), vec![incentives]);
        app.get(&admin, &format!("/networks/{network}/threads?tag=%3Cb%3E")).await.expect(422);
    }
}

backend_test! {
    async fn authors_edit_facilitators_moderate_and_locked_threads_take_no_member_replies(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let author = app.add_member(&admin, &network, "Ana Lopez", "member").await;
        let peer = app.add_member(&admin, &network, "Sam Ortiz", "member").await;
        let thread = app.create_thread(&author, &network, "Incentives").await["id"].as_str().unwrap().to_owned();
        let path = format!("/threads/{thread}");

        let edited = app.patch(&author, &path, json!({"title": "Incentives that build belonging", "body": "Updated *body*", "tags": ["incentives"]})).await.expect(200);
        assert_eq!(edited.body["title"], "Incentives that build belonging");
        assert!(edited.body["body_html"].as_str().unwrap().contains("<em>body</em>"));
        app.patch(&peer, &path, json!({"title": "Hijacked"})).await.expect(403);
        app.patch(&author, &path, json!({"pinned": true})).await.expect(403);
        app.patch(&author, &path, json!({"title": ""})).await.expect(422);
        app.patch(&author, &path, json!({"colour": "red"})).await.expect(422);

        app.patch(&admin, &path, json!({"locked": true})).await.expect(200);
        app.post(&peer, &format!("{path}/posts"), json!({"body": "Can I still reply?"})).await.expect(403);
        app.post(&admin, &format!("{path}/posts"), json!({"body": "Closing note from the facilitator."})).await.expect(201);

        let posts = app.get(&peer, &format!("{path}/posts")).await.expect(200);
        let first = posts.body["items"][0].clone();
        assert!(first["edited_at"].is_string(), "the opening post shows it was edited");

        app.delete(&peer, &path).await.expect(403);
        app.delete(&author, &path).await.expect(204);
        app.get(&author, &path).await.expect(404);
        for who in [&author, &admin] {
            app.get(who, &format!("{path}/posts")).await.expect(404);
            app.get(who, &format!("{path}/posts?limit=1")).await.expect(404);
        }
        let listed = app.get(&admin, &format!("/networks/{network}/threads")).await.expect(200);
        assert!(ids(&listed.body).is_empty());
        app.post(&admin, &format!("{path}/posts"), json!({"body": "into the void"})).await.expect(404);
    }
}

backend_test! {
    async fn deleted_posts_leave_tombstones_and_replies_stay_in_their_thread(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let thread = app.create_thread(&admin, &network, "Codes").await;
        let thread_id = thread["id"].as_str().unwrap();
        let other = app.create_thread(&admin, &network, "Other").await;
        let reply = app.reply(&member, thread_id, "We map codes to TEA categories.").await;
        let answer = app
            .post(&admin, &format!("/threads/{thread_id}/posts"), json!({"body": "Thanks!", "reply_to_post_id": reply["id"]}))
            .await
            .expect(201);
        assert_eq!(answer.body["reply_to_post_id"], reply["id"]);
        app.post(&admin, &format!("/threads/{thread_id}/posts"), json!({"body": "x", "reply_to_post_id": other["first_post_id"]}))
            .await
            .expect(422);
        app.post(&admin, &format!("/threads/{thread_id}/posts"), json!({"body": "   "})).await.expect(422);
        app.post(&admin, &format!("/threads/{thread_id}/posts"), json!({"body": "x".repeat(50_001)})).await.expect(422);

        let reply_id = reply["id"].as_str().unwrap();
        let edited = app.patch(&member, &format!("/posts/{reply_id}"), json!({"body": "We map codes to **TEA** categories."})).await.expect(200);
        assert!(edited.body["edited_at"].is_string());
        app.patch(&admin, &format!("/posts/{reply_id}"), json!({"body": "Facilitator fix"})).await.expect(200);
        app.delete(&member, &format!("/posts/{reply_id}")).await.expect(204);
        app.delete(&member, &format!("/posts/{reply_id}")).await.expect(404);
        app.patch(&member, &format!("/posts/{reply_id}"), json!({"body": "back"})).await.expect(404);
        app.delete(&admin, &format!("/posts/{}", thread["first_post_id"].as_str().unwrap())).await.expect(409);

        let posts = app.get(&admin, &format!("/threads/{thread_id}/posts")).await.expect(200);
        let tombstone = &posts.body["items"][1];
        assert_eq!(tombstone["deleted"], true);
        assert_eq!(tombstone["body"], "");
        assert_eq!(tombstone["body_html"], "");
        let summary = app.get(&admin, &format!("/threads/{thread_id}")).await.expect(200);
        assert_eq!(summary.body["reply_count"], 1);
    }
}

backend_test! {
    async fn reactions_count_once_per_member_and_never_on_your_own_post(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let thread = app.create_thread(&admin, &network, "Home visits").await;
        let post = thread["first_post_id"].as_str().unwrap();

        let first = app.put(&member, &format!("/posts/{post}/reactions/helpful"), None).await.expect(200);
        assert_eq!(first.body["reactions"]["helpful"], 1);
        let again = app.put(&member, &format!("/posts/{post}/reactions/helpful"), None).await.expect(200);
        assert_eq!(again.body["reactions"]["helpful"], 1);
        app.put(&member, &format!("/posts/{post}/reactions/thanks"), None).await.expect(200);
        app.put(&admin, &format!("/posts/{post}/reactions/helpful"), None).await.expect(403);
        app.put(&member, &format!("/posts/{post}/reactions/like"), None).await.expect(422);

        let posts = app.get(&member, &format!("/threads/{}/posts", thread["id"].as_str().unwrap())).await.expect(200);
        assert_eq!(posts.body["items"][0]["reactions"], json!({"helpful": 1, "thanks": 1, "agree": 0}));
        assert_eq!(posts.body["items"][0]["my_reactions"], json!(["helpful", "thanks"]));
        let removed = app.delete(&member, &format!("/posts/{post}/reactions/helpful")).await.expect(200);
        assert_eq!(removed.body["reactions"]["helpful"], 0);
        assert_eq!(removed.body["my_reactions"], json!(["thanks"]));
    }
}

backend_test! {
    async fn follow_levels_are_set_per_thread_and_per_network(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let thread = app.create_thread(&admin, &network, "Home visits").await["id"].as_str().unwrap().to_owned();

        assert_eq!(app.get(&member, &format!("/threads/{thread}")).await.body["notification_level"], "normal");
        let followed = app.put(&member, &format!("/threads/{thread}/follow"), None).await.expect(200);
        assert_eq!(followed.body["level"], "watching");
        assert_eq!(app.get(&member, &format!("/threads/{thread}")).await.body["notification_level"], "watching");
        app.delete(&member, &format!("/threads/{thread}/follow")).await.expect(200);
        app.put(&member, &format!("/threads/{thread}/notification-level"), Some(json!({"level": "muted"}))).await.expect(200);
        assert_eq!(app.get(&member, &format!("/threads/{thread}")).await.body["notification_level"], "muted");
        app.put(&member, &format!("/threads/{thread}/notification-level"), Some(json!({"level": "loud"}))).await.expect(422);

        // Watching a network watches its threads unless a thread says otherwise.
        app.put(&member, &format!("/networks/{network}/notification-level"), Some(json!({"level": "watching"}))).await.expect(200);
        let other = app.create_thread(&admin, &network, "New one").await["id"].as_str().unwrap().to_owned();
        assert_eq!(app.get(&member, &format!("/threads/{other}")).await.body["notification_level"], "watching");
        assert_eq!(app.get(&member, &format!("/threads/{thread}")).await.body["notification_level"], "muted");
        assert_eq!(app.get(&member, &format!("/networks/{network}")).await.body["notification_level"], "watching");
    }
}

backend_test! {
    async fn mentions_resolve_to_members_of_the_network_only(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let roxy = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let outsider = app.register("Otto Outsider").await;
        let thread = app.create_thread(&admin, &network, "Scripts for first-absence calls").await["id"].as_str().unwrap().to_owned();
        app.reply(&admin, &thread, &format!("@{} could you share your script? cc @{} and mail me at ada@example.org", roxy.handle, outsider.handle)).await;

        let events = app.events().await;
        let (_, _, topic, payload) = events.iter().rev().find(|(_, kind, _, _)| kind == "post.created").expect("post.created");
        assert_eq!(topic, &format!("thread:{thread}"));
        assert_eq!(payload["mentioned_member_ids"], json!([roxy.id]));
    }
}

backend_test! {
    async fn images_from_other_hosts_are_shown_as_links_so_posts_cannot_track_readers(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.markdown.image_hosts = vec!["images.staffroom.example".to_owned()]).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let thread = app.create_thread(&admin, &network, "Charts").await;
        let thread_id = thread["id"].as_str().unwrap();
        let post = app
            .reply(
                &admin,
                thread_id,
                "Our chart: ![attendance](https://images.staffroom.example/chart.png)\n\nTheirs: ![pixel](https://tracker.example.com/p.gif)\n\n<img src=\"https://tracker.example.com/raw.gif\">",
            )
            .await;
        let html = post["body_html"].as_str().unwrap();
        assert!(html.contains("<img src=\"https://images.staffroom.example/chart.png\""), "{html}");
        assert!(!html.contains("<img src=\"https://tracker.example.com"), "{html}");
        assert!(html.contains("<a href=\"https://tracker.example.com/p.gif\""), "{html}");
        assert!(!html.contains("raw.gif"), "{html}");
    }
}
