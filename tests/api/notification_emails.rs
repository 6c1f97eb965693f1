//! Notification emails over a real SMTP server: batched, only what was not seen on the
//! site, only the kinds a member wants, nothing from a network they left, and one-click
//! unsubscribe per kind.

use crate::backend_test;
use crate::helpers::*;
use crate::smtp::{ReceivedMail, SmtpServer};
use mail_parser::MessageParser;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use staffroom::entities::notifications;
use std::time::Duration;

async fn spawn(backend: &Backend, smtp: &SmtpServer) -> TestApp {
    TestApp::spawn_with_notification_emails(backend, smtp).await
}

/// The notification emails `to` received.
fn notification_emails(smtp: &SmtpServer, to: &str) -> Vec<ReceivedMail> {
    smtp.received_on_list(to, "notifications")
}

fn subject_and_text(mail: &ReceivedMail) -> (String, String) {
    let message = MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("well-formed");
    (
        message.subject().unwrap_or_default().to_owned(),
        message.body_text(0).expect("a text part").into_owned(),
    )
}

/// Waits until every notification of `who` has been settled (emailed or decided against),
/// so that an email that has not arrived by then never will.
async fn settled(app: &TestApp, who: &Account) {
    let id: i64 = who.id.parse().unwrap();
    eventually(Duration::from_secs(30), "notifications settled", || async {
        let pending = notifications::Entity::find()
            .filter(notifications::Column::RecipientId.eq(id))
            .filter(notifications::Column::EmailedAt.is_null())
            .all(app.db())
            .await
            .unwrap();
        let any = notifications::Entity::find()
            .filter(notifications::Column::RecipientId.eq(id))
            .all(app.db())
            .await
            .unwrap();
        (pending.is_empty() && !any.is_empty()).then_some(())
    })
    .await;
}

backend_test! {
    async fn a_burst_of_mentions_is_one_email_and_what_was_read_is_not_emailed(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn(&backend, &smtp).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let dan = app.add_member(&admin, &network, "Dan Diligent", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let thread = app.create_thread(&cal, &network, "Mentoring for chronic absence").await;
        let thread_id = thread["id"].as_str().unwrap().to_owned();
        for n in 1..=3 {
            app.reply(&cal, &thread_id, &format!("@{} @{} thought {n} on mentoring", rita.handle, dan.handle)).await;
        }
        // Dan reads the thread on the site before the window is over.
        let posts = app.get(&dan, &format!("/threads/{thread_id}/posts")).await.expect(200);
        let last = posts.body["items"].as_array().unwrap().last().unwrap()["id"].clone();
        app.post(&dan, &format!("/threads/{thread_id}/read"), json!({"last_read_post_id": last})).await.expect(200);

        let mail = eventually(Duration::from_secs(30), "Rita's email", || async {
            notification_emails(&smtp, &rita.email).pop()
        }).await;
        settled(&app, &rita).await;
        settled(&app, &dan).await;
        assert_eq!(notification_emails(&smtp, &rita.email).len(), 1, "one email for the burst");
        assert!(notification_emails(&smtp, &dan.email).is_empty(), "Dan had read it");

        let (subject, text) = subject_and_text(&mail);
        assert_eq!(subject, "Cal Colleague mentioned you in “Mentoring for chronic absence” (and 2 more)");
        for n in 1..=3 {
            assert!(text.contains(&format!("thought {n} on mentoring")), "{text}");
        }
        assert!(text.contains(&format!("/threads/{thread_id}#post-2")), "{text}");
        assert_eq!(mail.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
        assert!(mail.header("List-Unsubscribe").is_some_and(|u| u.contains("/unsubscribe?token=")));
        assert!(mail.header("Message-ID").is_some());
    }
}

backend_test! {
    async fn only_wanted_kinds_from_visible_networks_are_emailed_and_one_click_stops_a_kind(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn(&backend, &smtp).await;
        let (admin, network) = app.admin_with_network("Counselors").await;
        let quiet = app.add_member(&admin, &network, "Quinn Quiet", "member").await;
        let leaver = app.add_member(&admin, &network, "Lee Leaver", "member").await;
        let expert = app.add_member(&admin, &network, "Eve Expert", "member").await;
        let asker = app.add_member(&admin, &network, "Ash Asker", "member").await;

        // Preferences on the profile: all on by default, changed one kind at a time.
        let me = app.get(&quiet, "/me").await.expect(200);
        assert_eq!(me.body["email_notifications"]["mentioned"], true);
        let updated = app.patch(&quiet, "/me", json!({"email_notifications": {"mentioned": false}})).await.expect(200);
        assert_eq!(updated.body["email_notifications"]["mentioned"], false);
        assert_eq!(updated.body["email_notifications"]["help_responded"], true);
        // Bad input is refused whole and changes nothing.
        let problem = app.patch(&quiet, "/me", json!({"title": "Lead", "email_notifications": {"carrier_pigeon": true}})).await.expect(422);
        assert_eq!(problem.content_type(), "application/problem+json");
        app.patch(&quiet, "/me", json!({"email_notifications": {"mentioned": "yes"}})).await.expect(422);
        let unchanged = app.get(&quiet, "/me").await.expect(200);
        assert_eq!(unchanged.body["email_notifications"]["mentioned"], false);
        assert_ne!(unchanged.body["title"], "Lead");

        app.patch(&expert, "/me", json!({"expertise": ["caseloads"]})).await.expect(200);
        let thread = app.create_thread(&asker, &network, "Caseload planning").await;
        let thread_id = thread["id"].as_str().unwrap().to_owned();
        app.reply(&asker, &thread_id, &format!("@{} @{} what do you think?", quiet.handle, leaver.handle)).await;
        // The leaver is removed before the email would go.
        app.delete(&admin, &format!("/networks/{network}/members/{}", leaver.id)).await.expect(204);
        app.post(&asker, &format!("/networks/{network}/help-requests"), json!({
            "title": "Caseloads over 400?", "body": "How do you cope?", "tags": ["caseloads"]
        })).await.expect(201);

        let mail = eventually(Duration::from_secs(30), "the expert's email", || async {
            notification_emails(&smtp, &expert.email).pop()
        }).await;
        let (subject, text) = subject_and_text(&mail);
        assert_eq!(subject, "Ash Asker needs your expertise: “Caseloads over 400?”");
        assert!(text.contains("/help-requests/"), "{text}");
        settled(&app, &quiet).await;
        settled(&app, &leaver).await;
        assert!(notification_emails(&smtp, &quiet.email).is_empty(), "mentions were turned off");
        assert!(notification_emails(&smtp, &leaver.email).is_empty(), "nothing from a network left");

        // One click, without signing in, stops that kind only.
        let url = mail.header("List-Unsubscribe").unwrap();
        let path = &url[url.find("/unsubscribe?token=").unwrap()..url.len() - 1];
        app.request(Method::POST, path, None, None).await.expect(200);
        let prefs = app.get(&expert, "/me").await.expect(200).body["email_notifications"].clone();
        assert_eq!(prefs["expertise_requested"], false);
        assert_eq!(prefs["mentioned"], true);
        app.post(&asker, &format!("/networks/{network}/help-requests"), json!({
            "title": "Caseloads again", "body": "Still?", "tags": ["caseloads"]
        })).await.expect(201);
        settled(&app, &expert).await;
        assert_eq!(notification_emails(&smtp, &expert.email).len(), 1, "no second email");
    }
}
