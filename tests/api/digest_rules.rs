//! What makes a digest worth reading, read by members in different positions: nothing
//! they were already told (by their previous digest, or a notification email) unless it
//! changed since, and what is addressed to them first.

use crate::backend_test;
use crate::deleted_text::send_notification_emails;
use crate::digest_sending::{joined_long_ago, set_digest};
use crate::helpers::*;
use chrono::{Duration, Utc};
use serde_json::json;

/// The text of every daily digest in the server's file outbox to `to`, oldest first, once
/// there are at least `count` (the mail worker writes them a moment after the pass).
async fn daily_digests(app: &TestApp, to: &str, count: usize) -> Vec<String> {
    let dir = app.data_dir.join("outbox");
    eventually(
        std::time::Duration::from_secs(30),
        "the digests",
        || async {
            let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
                .map(|entries| entries.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            paths.sort();
            let texts: Vec<String> = paths
                .iter()
                .filter_map(|path| {
                    let raw = std::fs::read_to_string(path).ok()?;
                    let message = mail_parser::MessageParser::default().parse(raw.as_bytes())?;
                    let to_them = raw.contains(&format!("To: {to}"));
                    let daily = message
                        .subject()
                        .is_some_and(|s| s.ends_with("Staffroom daily"));
                    (to_them && daily).then(|| message.body_text(0).map(|t| t.into_owned()))?
                })
                .collect();
            (texts.len() >= count).then_some(texts)
        },
    )
    .await
}

/// The id of a created thread or post.
fn created(body: &serde_json::Value) -> String {
    body["id"].as_str().expect("an id").to_owned()
}

backend_test! {
    /// Rita was emailed Cal's mention; her digest does not tell her again, until the
    /// thread moves on.
    async fn a_mention_already_emailed_is_not_news_again_until_the_thread_moves(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| {
            c.notification_emails.enabled = false;
            c.notification_emails.batch_window_secs = 1;
            c.digests.scheduler = false;
        })
        .await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let thread = created(&app.create_thread(&cal, &network, "Home visit scripts").await);
        app.reply(&cal, &thread, &format!("@{} can you share yours?", rita.handle)).await;

        // Not emailed yet: the mention leads the digest, and the thread is that one line.
        let preview = app.get(&rita, "/me/digest/preview?frequency=weekly").await.expect(200);
        let text = preview.body["text"].as_str().unwrap();
        assert_eq!(
            preview.body["subject"],
            "Cal Colleague mentioned you in \u{201c}Home visit scripts\u{201d} · Staffroom weekly"
        );
        assert_eq!(text.matches(&format!("/threads/{thread}")).count(), 1, "{text}");
        assert!(!text.contains("NEW DISCUSSIONS"), "{text}");

        send_notification_emails(&app).await;
        let preview = app.get(&rita, "/me/digest/preview?frequency=weekly").await.expect(200);
        assert_eq!(preview.body["items"], 0, "emailed already: {}", preview.body["text"]);

        // The thread moves on: news again, at its newest words, and no longer a mention.
        app.reply(&admin, &thread, "Ours is in the shared drive").await;
        let preview = app.get(&rita, "/me/digest/preview?frequency=weekly").await.expect(200);
        let text = preview.body["text"].as_str().unwrap();
        assert!(text.contains("NEW DISCUSSIONS") && text.contains("Home visit scripts"), "{text}");
        assert!(text.contains("\u{201c}Ours is in the shared drive\u{201d}"), "{text}");
        assert!(!text.contains("MENTIONS AND REPLIES"), "{text}");
        // Cal, who wrote all but the last post, reads of none of it as a mention or his own.
        let cal_preview = app.get(&cal, "/me/digest/preview?frequency=weekly").await.expect(200);
        assert!(!cal_preview.body["text"].as_str().unwrap().contains("mentioned you"));
    }
}

backend_test! {
    /// Four daily digests: the request that needs Rita's expertise is in the first, not in
    /// the next two (nothing changed, though the second tells of another request), and back
    /// in the fourth once someone answered it. The
    /// asker is never asked to help herself; the answerer is not asked again.
    async fn the_previous_digest_is_not_repeated_unless_it_changed(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.digests.scheduler = false).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let asker = app.add_member(&admin, &network, "Ana Asker", "member").await;
        let helper = app.add_member(&admin, &network, "Hal Helper", "member").await;
        set_digest(&app, &admin, "UTC", "off", 1, 0).await;
        for member in [&rita, &asker, &helper] {
            app.patch(member, "/me", json!({"expertise": ["attendance"]})).await.expect(200);
            set_digest(&app, member, "UTC", "daily", 1, 0).await;
        }
        let request = app.post(&asker, &format!("/networks/{network}/help-requests"), json!({
            "title": "Incentives that last past October?", "body": "Ours fade.", "tags": ["attendance"]
        })).await.expect(201).id();
        joined_long_ago(app.db()).await;

        let day = |n: i64| Utc::now() + Duration::days(n);
        staffroom::digests::scheduler::pass(&app.state, day(1)).await.expect("a pass");
        let first = daily_digests(&app, &rita.email, 1).await;
        assert!(first[0].contains("Incentives that last past October?") && first[0].contains("no answers yet"), "{}", first[0]);
        for text in daily_digests(&app, &asker.email, 0).await {
            assert!(!text.contains("Incentives that last"), "not asked to help herself: {text}");
        }

        // Day 2 tells of a second request only; day 3 of neither (the first is not back
        // every other day).
        app.post(&asker, &format!("/networks/{network}/help-requests"), json!({
            "title": "Bus passes for students who miss the first bell?", "body": "Who pays?", "tags": ["attendance"]
        })).await.expect(201);
        staffroom::digests::scheduler::pass(&app.state, day(2)).await.expect("a pass");
        staffroom::digests::scheduler::pass(&app.state, day(3)).await.expect("a pass");
        app.post(&helper, &format!("/help-requests/{request}/responses"), json!({"body": "Monthly raffles."})).await.expect(201);
        staffroom::digests::scheduler::pass(&app.state, day(4)).await.expect("a pass");
        let mut records = crate::digest_sending::deliveries(app.db(), &rita.id).await;
        records.sort_by(|a, b| a.period_key.cmp(&b.period_key));
        let items: Vec<i32> = records.iter().map(|r| r.items).collect();
        assert_eq!(items, [1, 1, 0, 1], "day 3 recorded with nothing to tell");
        let texts = daily_digests(&app, &rita.email, 3).await;
        assert_eq!(texts.len(), 3, "nothing new for Rita on day 3: {texts:?}");
        assert!(texts[1].contains("Bus passes") && !texts[1].contains("Incentives that last"), "{}", texts[1]);
        assert!(texts[2].contains("Incentives that last past October?") && texts[2].contains("1 answer so far"), "{}", texts[2]);
        assert!(!texts[2].contains("Bus passes"), "{}", texts[2]);
        let helper_texts = daily_digests(&app, &helper.email, 1).await;
        assert!(!helper_texts.last().unwrap().contains("1 answer so far"), "the answerer is not asked again: {helper_texts:?}");
    }
}
