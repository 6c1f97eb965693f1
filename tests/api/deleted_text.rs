//! Deleted and edited text stays deleted: after a post, thread or help request is deleted
//! or edited, nothing a member is notified through (the notifications list, the live `me`
//! topic and its replay, notification emails, digests) shows the words it no longer has.

use crate::backend_test;
use crate::helpers::*;
use crate::live_client::LiveClient;
use crate::smtp::{ReceivedMail, SmtpServer};
use mail_parser::MessageParser;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use staffroom::entities::{events, notifications};
use std::time::Duration;

/// A student's home phone number, posted by mistake.
const PHONE: &str = "512-555-0147";

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

async fn last_event_id(app: &TestApp) -> String {
    app.events()
        .await
        .last()
        .map(|e| e.0)
        .unwrap_or(0)
        .to_string()
}

/// Rita, replied to by Cal in one post and mentioned by him in the next, both with the
/// phone number, in a thread Cal started (after Rita's question, so that what she has read
/// of the thread is not what leaves them out of emails and digests). Returns (mention id,
/// reply id, thread id).
async fn mention_and_reply(
    app: &TestApp,
    cal: &Account,
    rita: &Account,
    network: &str,
    title: &str,
) -> (String, String, String) {
    let thread = id_of(&app.create_thread(cal, network, title).await);
    let question = id_of(
        &app.reply(rita, &thread, "Which number should we use?")
            .await,
    );
    let reply = app
        .post(cal, &format!("/threads/{thread}/posts"), json!({"body": format!("This one: {PHONE}, after 5 pm."), "reply_to_post_id": question}))
        .await
        .expect(201);
    let mention = id_of(
        &app.reply(
            cal,
            &thread,
            &format!("@{} the family asked to be called at {PHONE}", rita.handle),
        )
        .await,
    );
    (mention, id_of(&reply.body), thread)
}

/// `who`'s notifications, the whole response as text too.
async fn notifications_of(app: &TestApp, who: &Account) -> (Value, String) {
    let page = app.get(who, "/notifications?limit=100").await.expect(200);
    (page.body, page.text)
}

fn about_post<'a>(page: &'a Value, post: &str) -> Option<&'a Value> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["subject_type"] == "post" && n["subject_id"] == post)
}

/// What `who`'s `me` topic replays after event `since`, up to the notification of `post`.
async fn replayed_until(app: &TestApp, who: &Account, since: &str, post: &str) -> Vec<Value> {
    let mut replay = LiveClient::signed_in(app, who).await;
    replay.subscribe(&["me"], Some(since)).await;
    frames_until_notified_of(&mut replay, post).await
}

/// Every frame `client` receives until (and with) the `notification.created` about `post`.
async fn frames_until_notified_of(client: &mut LiveClient, post: &str) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = client.event().await;
        let done = frame["kind"] == "notification.created" && frame["data"]["subject_id"] == post;
        frames.push(frame);
        if done {
            return frames;
        }
    }
}

backend_test! {
    async fn a_deleted_mention_or_reply_leaves_nothing_in_notifications_live_or_replayed(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        app.post(&rita, "/notifications/read", json!({"all": true})).await.expect(200);
        let since = last_event_id(&app).await;
        let mut live = LiveClient::signed_in(&app, &rita).await;
        live.subscribe(&["me"], None).await;

        let (mention, reply, thread) = mention_and_reply(&app, &cal, &rita, &network, "Home visits").await;
        // Live, the notification says that there is one, not what the post says.
        let pushed = frames_until_notified_of(&mut live, &mention).await;
        assert!(pushed.iter().any(|f| f["data"]["subject_id"] == reply.as_str()), "{pushed:?}");
        assert!(!serde_json::to_string(&pushed).unwrap().contains(PHONE), "a live frame carried the text: {pushed:?}");
        // Before the deletion the list shows the words (so their absence below means something).
        let (before, _) = notifications_of(&app, &rita).await;
        assert_eq!(about_post(&before, &mention).expect("the mention")["kind"], "mentioned");
        assert_eq!(about_post(&before, &reply).expect("the reply")["kind"], "replied");
        assert!(about_post(&before, &reply).unwrap()["detail"].as_str().unwrap().contains(PHONE));
        assert_eq!(before["unread_count"], 2);

        app.delete(&cal, &format!("/posts/{mention}")).await.expect(204);
        app.delete(&cal, &format!("/posts/{reply}")).await.expect(204);

        for path in ["/notifications?limit=100", "/notifications?unread=true"] {
            let after = app.get(&rita, path).await.expect(200);
            assert!(!after.text.contains(PHONE), "{path} still shows the deleted text: {}", after.text);
            assert!(about_post(&after.body, &mention).is_none() && about_post(&after.body, &reply).is_none(), "{}", after.text);
            assert_eq!(after.body["unread_count"], 0, "nothing left to read: {}", after.text);
        }

        // A client reconnecting from before replays the log: nothing of the text either.
        let later = id_of(&app.reply(&admin, &thread, &format!("@{} thanks for flagging it", rita.handle)).await);
        let replayed = replayed_until(&app, &rita, &since, &later).await;
        assert!(replayed.iter().any(|f| f["data"]["subject_id"] == reply.as_str()), "the replay covers the deleted reply's notification: {replayed:?}");
        assert!(!serde_json::to_string(&replayed).unwrap().contains(PHONE), "a replayed frame carried the text: {replayed:?}");
        // And the log itself keeps no copy on anyone's `me` topic.
        let copies: Vec<_> = app.events().await.into_iter().filter(|(_, kind, _, payload)| kind == "notification.created" && payload.to_string().contains(PHONE)).collect();
        assert!(copies.is_empty(), "{copies:?}");
    }
}

backend_test! {
    async fn an_edited_mention_or_reply_shows_its_current_words_only(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        app.post(&rita, "/notifications/read", json!({"all": true})).await.expect(200);
        let since = last_event_id(&app).await;

        let (mention, reply, thread) = mention_and_reply(&app, &cal, &rita, &network, "Visit to the Alvarez home").await;
        app.patch(&cal, &format!("/posts/{mention}"), json!({"body": format!("@{} please call the front office", rita.handle)})).await.expect(200);
        // Written in markdown, told in plain words.
        app.patch(&cal, &format!("/posts/{reply}"), json!({"body": "Use the **number** in the [student system](https://sis.example.org)."})).await.expect(200);
        app.patch(&cal, &format!("/threads/{thread}"), json!({"title": "Home visits"})).await.expect(200);

        let (page, text) = notifications_of(&app, &rita).await;
        for gone in [PHONE, "Alvarez"] {
            assert!(!text.contains(gone), "the notifications still show {gone:?}: {text}");
        }
        let mentioned = about_post(&page, &mention).expect("the mention");
        assert_eq!(mentioned["headline"], "Cal Colleague mentioned you in “Home visits”");
        assert!(mentioned["detail"].as_str().unwrap().contains("please call the front office"), "{mentioned}");
        assert_eq!(mentioned["data"]["thread_title"], "Home visits");
        let replied = about_post(&page, &reply).expect("the reply");
        assert_eq!(replied["headline"], "Cal Colleague replied to you in “Home visits”");
        assert_eq!(replied["detail"], "Use the number in the student system.");
        assert_eq!(replied["data"]["excerpt"], "Use the number in the student system.");

        let later = id_of(&app.reply(&admin, &thread, &format!("@{} noted", rita.handle)).await);
        let replayed = serde_json::to_string(&replayed_until(&app, &rita, &since, &later).await).unwrap();
        for gone in [PHONE, "Alvarez"] {
            assert!(!replayed.contains(gone), "a replayed frame carried {gone:?}: {replayed}");
        }
    }
}

backend_test! {
    async fn help_request_notifications_follow_its_title_and_go_with_it(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Counselors").await;
        let asker = app.add_member(&admin, &network, "Ash Asker", "member").await;
        let expert = app.add_member(&admin, &network, "Eve Expert", "member").await;
        app.patch(&expert, "/me", json!({"expertise": ["home-visits"]})).await.expect(200);
        app.post(&expert, "/notifications/read", json!({"all": true})).await.expect(200);
        let request = app
            .post(&asker, &format!("/networks/{network}/help-requests"), json!({"title": format!("Family at {PHONE} not answering"), "body": "Ideas?", "tags": ["home-visits"]}))
            .await
            .expect(201)
            .id();
        let (before, _) = notifications_of(&app, &expert).await;
        assert_eq!(before["items"][0]["headline"], format!("Ash Asker needs your expertise: “Family at {PHONE} not answering”"));

        app.patch(&asker, &format!("/help-requests/{request}"), json!({"title": "A family not answering"})).await.expect(200);
        let (edited, text) = notifications_of(&app, &expert).await;
        assert!(!text.contains(PHONE), "{text}");
        assert_eq!(edited["items"][0]["headline"], "Ash Asker needs your expertise: “A family not answering”");
        assert_eq!(edited["items"][0]["data"]["title"], "A family not answering");

        app.delete(&asker, &format!("/help-requests/{request}")).await.expect(204);
        let (removed, text) = notifications_of(&app, &expert).await;
        assert!(removed["items"].as_array().unwrap().iter().all(|n| n["subject_type"] != "help_request"), "{text}");
        assert_eq!(removed["unread_count"], 0);
    }
}

backend_test! {
    async fn notifications_stored_with_copies_by_older_builds_show_none_of_them(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let since = last_event_id(&app).await;
        let (mention, reply, thread) = mention_and_reply(&app, &cal, &rita, &network, "Home visits").await;
        // What the old code stored: the thread's title and the post's words, in the record
        // and in its `notification.created` event.
        let stale = json!({"thread_title": "Old title", "excerpt": "a stale copy of the post"});
        let rita_id: i64 = rita.id.parse().unwrap();
        let rows = notifications::Entity::find().filter(notifications::Column::RecipientId.eq(rita_id)).filter(notifications::Column::SubjectType.eq("post")).all(app.db()).await.unwrap();
        assert_eq!(rows.len(), 2);
        for row in rows {
            let mut data = row.data.clone();
            data.as_object_mut().unwrap().extend(stale.as_object().unwrap().clone());
            notifications::Entity::update_many().col_expr(notifications::Column::Data, Expr::value(data.clone())).filter(notifications::Column::Id.eq(row.id)).exec(app.db()).await.unwrap();
            let event = events::Entity::find().filter(events::Column::Kind.eq("notification.created")).filter(events::Column::SubjectId.eq(row.id)).one(app.db()).await.unwrap().expect("its event");
            let mut payload = event.payload.clone();
            payload["data"] = data;
            events::Entity::update_many().col_expr(events::Column::Payload, Expr::value(payload)).filter(events::Column::Id.eq(event.id)).exec(app.db()).await.unwrap();
        }
        app.delete(&cal, &format!("/posts/{reply}")).await.expect(204);
        app.patch(&cal, &format!("/posts/{mention}"), json!({"body": format!("@{} see you on Thursday", rita.handle)})).await.expect(200);

        // The read paths never use the copies: the reply is gone, the mention shows its post now.
        let (page, text) = notifications_of(&app, &rita).await;
        for gone in [PHONE, "Old title", "a stale copy"] {
            assert!(!text.contains(gone), "{gone:?} in {text}");
        }
        assert!(about_post(&page, &reply).is_none());
        assert_eq!(about_post(&page, &mention).expect("the mention")["data"]["thread_title"], "Home visits");

        // The migration strips the copies from the stored records and events, so replays
        // (which send events as stored) show none of them.
        use staffroom_migrations::m20261207_000022_notifications_without_copied_text::Migration;
        use staffroom_migrations::{MigrationTrait, SchemaManager};
        Migration.up(&SchemaManager::new(app.db())).await.expect("migrated");
        let stored = notifications::Entity::find().filter(notifications::Column::RecipientId.eq(rita_id)).filter(notifications::Column::SubjectType.eq("post")).all(app.db()).await.unwrap();
        for row in &stored {
            assert!(row.data.get("excerpt").is_none() && row.data.get("thread_title").is_none(), "{:?}", row.data);
            assert_eq!(row.data["thread_id"], thread.as_str(), "the ids stay");
        }
        let later = id_of(&app.reply(&admin, &thread, &format!("@{} thanks", rita.handle)).await);
        let replayed = serde_json::to_string(&replayed_until(&app, &rita, &since, &later).await).unwrap();
        for gone in [PHONE, "Old title", "a stale copy"] {
            assert!(!replayed.contains(gone), "{gone:?} in {replayed}");
        }
    }
}

backend_test! {
    async fn digests_leave_out_deleted_mentions_and_show_current_titles(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let (mention, reply, thread) = mention_and_reply(&app, &cal, &rita, &network, "Visit to the Alvarez home").await;
        let posts = app.get(&rita, &format!("/threads/{thread}/posts")).await.expect(200);
        let number_of = |post: &str| posts.body["items"].as_array().unwrap().iter().find(|p| p["id"] == post).unwrap()["post_number"].clone();
        let (mention_number, reply_number) = (number_of(&mention), number_of(&reply));

        // One line for the thread, at the newest post addressed to her, with its words.
        let preview = app.get(&rita, "/me/digest/preview?frequency=weekly").await.expect(200);
        let text = preview.body["text"].as_str().unwrap().to_owned();
        assert!(text.contains(&format!("/threads/{thread}#post-{mention_number}")), "{text}");
        assert!(!text.contains(&format!("/threads/{thread}#post-{reply_number}")), "the thread once: {text}");
        assert!(text.contains("the family asked to be called"), "{text}");

        app.delete(&cal, &format!("/posts/{reply}")).await.expect(204);
        app.patch(&cal, &format!("/posts/{mention}"), json!({"body": format!("@{} see you on Thursday", rita.handle)})).await.expect(200);
        app.patch(&cal, &format!("/threads/{thread}"), json!({"title": "Home visits"})).await.expect(200);
        let preview = app.get(&rita, "/me/digest/preview?frequency=weekly").await.expect(200);
        let (text, html) = (preview.body["text"].as_str().unwrap(), preview.body["html"].as_str().unwrap());
        for shown in [text, html] {
            assert!(!shown.contains(PHONE) && !shown.contains("Alvarez"), "{shown}");
            assert!(!shown.contains(&format!("#post-{reply_number}")), "a deleted reply is not listed: {shown}");
        }
        assert!(text.contains(&format!("/threads/{thread}#post-{mention_number}")), "{text}");
        assert!(text.contains("Home visits") && text.contains("see you on Thursday"), "{text}");
    }
}

/// A server mailing through `smtp` whose notification emails are sent when the test says
/// (`send_notification_emails`), not by the worker: what happens before they are composed
/// then happens before, whatever the machine's speed, and nothing waits for a clock.
async fn spawn_with_manual_emails(backend: &Backend, smtp: &SmtpServer) -> TestApp {
    TestApp::spawn_with_smtp(backend, smtp, |c| {
        c.notification_emails.enabled = false;
        c.notification_emails.batch_window_secs = 1;
    })
    .await
}

/// One pass of the notification email worker, as if the window had passed.
pub(crate) async fn send_notification_emails(app: &TestApp) {
    let now = staffroom::clock::now() + chrono::Duration::seconds(2);
    staffroom::notifications::email::pass(&app.state, now)
        .await
        .expect("a pass");
}

fn notification_emails(smtp: &SmtpServer, to: &str) -> Vec<ReceivedMail> {
    smtp.received_on_list(to, "notifications")
}

/// The raw message and its decoded text and HTML parts: a string split by a soft line
/// break in the raw bytes is still found in the decoded parts.
fn every_form(mail: &ReceivedMail) -> Vec<String> {
    let parsed = MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("well-formed");
    vec![
        mail.data.clone(),
        parsed.body_text(0).expect("a text part").into_owned(),
        parsed.body_html(0).expect("an HTML part").into_owned(),
    ]
}

backend_test! {
    async fn no_email_goes_out_about_a_post_deleted_before_it_was_sent(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_with_manual_emails(&backend, &smtp).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let (mention, reply, thread) = mention_and_reply(&app, &cal, &rita, &network, "Home visits").await;
        app.delete(&cal, &format!("/posts/{mention}")).await.expect(204);
        app.delete(&cal, &format!("/posts/{reply}")).await.expect(204);
        send_notification_emails(&app).await;

        // A later mention is emailed; once it has arrived, an email about the deleted posts
        // would have arrived before it (the outbox sends in queue order), and none did.
        app.reply(&admin, &thread, &format!("@{} the visit is on Thursday", rita.handle)).await;
        send_notification_emails(&app).await;
        let later = eventually(Duration::from_secs(30), "the later email", || async { notification_emails(&smtp, &rita.email).pop() }).await;
        let received = notification_emails(&smtp, &rita.email);
        assert_eq!(received.len(), 1, "only the later email");
        let forms = every_form(&later);
        assert!(forms[1].contains("the visit is on Thursday"), "{}", forms[1]);
        assert!(forms[1].starts_with("Hello Rita Reader"), "{}", forms[1]);
        assert!(!forms[1].contains("(and"), "one notification in it");
        for mail in smtp.received() {
            for form in every_form_or_raw(&mail) {
                assert!(!form.contains(PHONE), "an email carried the deleted text: {form}");
            }
        }
    }
}

/// `every_form` for any message (sign-in and invitation emails may be single-part).
fn every_form_or_raw(mail: &ReceivedMail) -> Vec<String> {
    let parsed = MessageParser::default()
        .parse(mail.data.as_bytes())
        .expect("well-formed");
    let mut forms = vec![mail.data.clone()];
    forms.extend(parsed.body_text(0).map(|t| t.into_owned()));
    forms.extend(parsed.body_html(0).map(|t| t.into_owned()));
    forms
}

backend_test! {
    async fn an_email_about_an_edited_post_shows_its_current_words(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_with_manual_emails(&backend, &smtp).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let rita = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let cal = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let (mention, reply, thread) = mention_and_reply(&app, &cal, &rita, &network, "Visit to the Alvarez home").await;
        app.patch(&cal, &format!("/posts/{mention}"), json!({"body": format!("@{} please call the front office", rita.handle)})).await.expect(200);
        app.patch(&cal, &format!("/posts/{reply}"), json!({"body": "Use the number in the student system."})).await.expect(200);
        app.patch(&cal, &format!("/threads/{thread}"), json!({"title": "Home visits"})).await.expect(200);
        send_notification_emails(&app).await;

        let mail = eventually(Duration::from_secs(30), "Rita's email", || async { notification_emails(&smtp, &rita.email).pop() }).await;
        let forms = every_form(&mail);
        for form in &forms {
            assert!(!form.contains(PHONE) && !form.contains("Alvarez"), "the email carried edited-away text: {form}");
        }
        let parsed = MessageParser::default().parse(mail.data.as_bytes()).unwrap();
        assert_eq!(parsed.subject(), Some("Cal Colleague replied to you in “Home visits” (and 1 more)"));
        assert!(forms[1].contains("please call the front office"), "{}", forms[1]);
        assert!(forms[1].contains("Use the number in the student system."), "{}", forms[1]);
        assert!(forms[2].contains("please call the front office"), "{}", forms[2]);
    }
}

/// A server whose SMTP server at `port` refuses until the test starts one there; it retries
/// every second, and its notification emails go when the test says.
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

/// Ada's open network, which Rita and Cal joined: no invitation email needed.
async fn open_network_without_mail(app: &TestApp) -> (Account, String, Account, Account) {
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
    (admin, network, rita, cal)
}

backend_test! {
    async fn an_email_queued_while_smtp_was_down_is_withdrawn_when_its_post_goes(backend: Backend) {
        let smtp = SmtpServer::start_down();
        let port = smtp.port;
        let app = spawn_with_smtp_down(&backend, port).await;
        let (_, network, rita, cal) = open_network_without_mail(&app).await;
        let (mention, reply, _) = mention_and_reply(&app, &cal, &rita, &network, "Home visits").await;
        send_notification_emails(&app).await;
        // Queued, and tried while SMTP is down.
        let queued = || async {
            use staffroom::entities::mail_outbox;
            mail_outbox::Entity::find()
                .filter(mail_outbox::Column::Kind.eq("notification"))
                .all(app.db())
                .await
                .unwrap()
        };
        eventually(Duration::from_secs(30), "a failed attempt", || async {
            queued().await.iter().any(|row| row.attempts >= 1 && row.sent_at.is_none()).then_some(())
        })
        .await;

        // The mention goes, the reply loses the number; then SMTP comes back.
        app.delete(&cal, &format!("/posts/{mention}")).await.expect(204);
        app.patch(&cal, &format!("/posts/{reply}"), json!({"body": "Use the number in the student system."})).await.expect(200);
        no_mail_in_flight(&app, "notification").await;
        smtp.come_up();
        // The worker withdraws the queued email instead of sending it...
        eventually(Duration::from_secs(30), "the stale email to be withdrawn", || async {
            queued().await.is_empty().then_some(())
        })
        .await;
        // ...and the next pass emails what still stands, in its current words.
        send_notification_emails(&app).await;
        let mail = eventually(Duration::from_secs(30), "Rita's email", || async { notification_emails(&smtp, &rita.email).pop() }).await;
        assert_eq!(notification_emails(&smtp, &rita.email).len(), 1, "one email, the fresh one");
        let forms = every_form(&mail);
        assert!(forms[1].contains("Use the number in the student system."), "{}", forms[1]);
        assert!(!forms[1].contains("(and"), "the deleted mention is not in it: {}", forms[1]);
        for mail in smtp.received() {
            for form in every_form_or_raw(&mail) {
                assert!(!form.contains(PHONE), "an email carried the deleted text: {form}");
            }
        }
    }
}

backend_test! {
    async fn a_digest_held_up_while_smtp_was_down_is_composed_again_without_a_deleted_thread(backend: Backend) {
        use staffroom::entities::mail_outbox;
        let smtp = SmtpServer::start_down();
        let port = smtp.port;
        let smtp_url = format!("smtp://127.0.0.1:{port}");
        let app = spawn_with_smtp_down(&backend, port).await;
        let (admin, network, rita, cal) = open_network_without_mail(&app).await;
        for off in [&admin, &cal] {
            app.patch(off, "/me", json!({"digest": {"frequency": "off", "weekday": 1, "hour": 0}})).await.expect(200);
        }
        let gone = id_of(&app.create_thread(&cal, &network, "Bus route for the Alvarez family").await);
        app.create_thread(&cal, &network, "Morning arrival routines").await;
        let digests = || async {
            mail_outbox::Entity::find()
                .filter(mail_outbox::Column::Kind.eq("digest"))
                .all(app.db())
                .await
                .unwrap()
        };

        let send = ["digest", "send", "--now", "--frequency", "weekly"];
        // The command sends (and retries) like the server does.
        let settings = [
            ("STAFFROOM_SMTP_URL", smtp_url.as_str()),
            ("STAFFROOM_MAIL__RETRY_INITIAL_SECS", "1"),
            ("STAFFROOM_MAIL__RETRY_MAX_SECS", "1"),
        ];
        let run = crate::process::run_command_with(&app.database, &send, &settings).await;
        assert!(String::from_utf8_lossy(&run.stdout).contains("1 sent"), "{}", String::from_utf8_lossy(&run.stdout));
        eventually(Duration::from_secs(30), "a failed attempt", || async {
            digests().await.iter().any(|row| row.attempts >= 1 && row.sent_at.is_none()).then_some(())
        })
        .await;

        // The thread goes while the digest waits; then SMTP comes back.
        app.delete(&cal, &format!("/threads/{gone}")).await.expect(204);
        no_mail_in_flight(&app, "digest").await;
        smtp.come_up();
        eventually(Duration::from_secs(30), "the stale digest to be withdrawn", || async {
            digests().await.is_empty().then_some(())
        })
        .await;
        // Its period is not recorded any more: the next run composes it from what stands.
        let run = crate::process::run_command_with(&app.database, &send, &settings).await;
        assert!(String::from_utf8_lossy(&run.stdout).contains("1 sent"), "{}", String::from_utf8_lossy(&run.stdout));
        let digest = eventually(Duration::from_secs(30), "Rita's digest", || async {
            smtp.received_on_list(&rita.email, "digest").pop()
        })
        .await;
        assert_eq!(smtp.received_on_list(&rita.email, "digest").len(), 1);
        let forms = every_form(&digest);
        assert!(forms[1].contains("Morning arrival routines"), "{}", forms[1]);
        for mail in smtp.received() {
            for form in every_form_or_raw(&mail) {
                assert!(!form.contains("Alvarez"), "an email named the deleted thread: {form}");
            }
        }
    }
}
