//! Getting a network started: the browser's timezone kept at registration, inviting many
//! people at once, and invitation links shared in a meeting.

use crate::backend_test;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

/// A signed-in account from a session body, and its profile as `/me` shows it.
async fn me(app: &TestApp, who: &Account) -> Value {
    app.get(who, "/me").await.expect(200).body
}

async fn send_csv(
    app: &TestApp,
    who: &Account,
    network: &str,
    media_type: &str,
    csv: &str,
) -> Reply {
    app.send(
        app.client
            .post(app.url(&format!("/networks/{network}/invitations")))
            .bearer_auth(&who.access_token)
            .header(reqwest::header::CONTENT_TYPE, media_type)
            .body(csv.to_owned()),
    )
    .await
}

async fn pending_emails(app: &TestApp, who: &Account, network: &str) -> Vec<String> {
    let pending = app
        .get(who, &format!("/networks/{network}/invitations?limit=100"))
        .await
        .expect(200);
    let mut emails: Vec<String> = pending.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap().to_owned())
        .collect();
    emails.sort();
    emails
}

/// A network with its admin, a facilitator and a member, and a facilitator of another
/// network.
struct People {
    admin: Account,
    network: String,
    fay: Account,
    mo: Account,
    otto: Account,
}

async fn people(app: &TestApp) -> People {
    let (admin, network) = app.admin_with_network("Attendance PLN").await;
    let fay = app
        .add_member(&admin, &network, "Fay Facilitator", "facilitator")
        .await;
    let mo = app
        .add_member(&admin, &network, "Mo Member", "member")
        .await;
    let elsewhere = app
        .post(
            &admin,
            "/networks",
            json!({"name": "Math PLN", "visibility": "private"}),
        )
        .await
        .expect(201)
        .id();
    let otto = app
        .add_member(&admin, &elsewhere, "Otto Outsider", "facilitator")
        .await;
    People {
        admin,
        network,
        fay,
        mo,
        otto,
    }
}

backend_test! {
    async fn a_new_account_keeps_the_timezone_its_browser_sent(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Central Texas PLN").await;

        // Every bad field is named at once, and nothing is created.
        let email = format!("{}@example.org", unique("lucia"));
        let refused = app
            .anonymous_post("/auth/register", json!({"email": email, "password": "short", "display_name": "Lucía", "timezone": "Central/Texas"}))
            .await
            .expect(422);
        assert!(refused.body["errors"]["timezone"].as_str().unwrap().contains("IANA"), "{}", refused.text);
        assert!(refused.body["errors"]["password"].is_string(), "{}", refused.text);
        let registered = app
            .anonymous_post("/auth/register", json!({"email": email, "password": "correct horse battery", "display_name": "Lucía", "timezone": "America/Chicago"}))
            .await
            .expect(201);
        let lucia = account_from(&registered.body);
        assert_eq!(me(&app, &lucia).await["timezone"], "America/Chicago");
        // Without one, UTC until the member says otherwise.
        assert_eq!(me(&app, &admin).await["timezone"], "UTC");

        // Accepting an invitation without an account takes the browser's zone too.
        app.post(&admin, &format!("/networks/{network}/invitations"), json!({"email": "ramon@example.org"})).await.expect(201);
        let token = app.wait_for_invitation_token("ramon@example.org").await;
        app.anonymous_post(&format!("/invitations/{token}/accept"), json!({"display_name": "Ramón", "password": "correct horse battery", "timezone": "Mars/Olympus"}))
            .await
            .expect(422);
        let accepted = app
            .anonymous_post(&format!("/invitations/{token}/accept"), json!({"display_name": "Ramón", "password": "correct horse battery", "timezone": "America/Denver"}))
            .await
            .expect(201);
        let ramon = account_from(&accepted.body["session"]);
        assert_eq!(me(&app, &ramon).await["timezone"], "America/Denver");
    }
}

backend_test! {
    async fn a_bulk_invitation_invites_every_valid_row_and_names_the_rest(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let People { admin, network, fay, mo, otto } = people(&app).await;
        let known = app.register("Kim Known").await;
        let before = pending_emails(&app, &fay, &network).await;

        let rows = json!({"invitations": [
            {"email": "Ana.Lopez@Example.org", "name": "Ana López"},
            {"email": "not an address", "name": "Nobody"},
            {"email": "ben@example.org", "role": "facilitator"},
            {"email": mo.email},
            {"email": "ana.lopez@example.org"},
            {"email": "cy@example.org", "role": "admin"},
            {"email": known.email},
        ]});
        // Only its facilitators invite; others learn nothing and nothing is sent.
        app.post(&mo, &format!("/networks/{network}/invitations"), rows.clone()).await.expect(403);
        app.post(&otto, &format!("/networks/{network}/invitations"), rows.clone()).await.expect(404);
        assert_eq!(pending_emails(&app, &fay, &network).await, before);

        let answer = app.post(&fay, &format!("/networks/{network}/invitations"), rows).await.expect(200).body;
        let statuses: Vec<(&str, &str)> = answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["email"].as_str().unwrap(), r["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            statuses,
            [
                ("ana.lopez@example.org", "invited"),
                ("not an address", "invalid"),
                ("ben@example.org", "invited"),
                (mo.email.as_str(), "already_member"),
                ("ana.lopez@example.org", "invalid"),
                ("cy@example.org", "invalid"),
                (known.email.as_str(), "invited"),
            ]
        );
        assert_eq!((answer["invited"].as_u64(), answer["already_member"].as_u64(), answer["invalid"].as_u64()), (Some(3), Some(1), Some(3)));
        assert!(answer["results"][1]["message"].as_str().unwrap().contains("not an email address"), "{answer}");
        assert!(answer["results"][4]["message"].as_str().unwrap().contains("more than once"), "{answer}");
        assert!(answer["results"][5]["message"].as_str().unwrap().contains("admin"), "{answer}");
        assert_eq!(answer["results"][0]["row"], 1);

        // Each invitee gets their own link; the name given is offered when they accept, and
        // the role given is what they join as.
        let token = app.wait_for_invitation_token("ana.lopez@example.org").await;
        let preview = app.request(Method::GET, &format!("/invitations/{token}"), None, None).await.expect(200);
        assert_eq!(preview.body["name"], "Ana López");
        let ben_token = app.wait_for_invitation_token("ben@example.org").await;
        let ben = app
            .anonymous_post(&format!("/invitations/{ben_token}/accept"), json!({"display_name": "Ben", "password": "correct horse battery"}))
            .await
            .expect(201);
        assert_eq!(ben.body["role"], "facilitator");
        app.wait_for_invitation_token(&known.email).await;
        let listed = app.get(&known, "/notifications").await.expect(200);
        assert!(listed.text.contains("Attendance PLN"), "an existing account is told in the app too: {}", listed.text);

        // A CSV file, in any column order under a header; a file that is not CSV is refused.
        let csv = "Name,Email,Role\n\"Dee, Counselor\",dee@example.org,member\n,,\nEve,eve@example.org,\n";
        let answer = send_csv(&app, &fay, &network, "text/csv; charset=utf-8", csv).await.expect(200).body;
        assert_eq!(answer["invited"], 2, "{answer}");
        let token = app.wait_for_invitation_token("dee@example.org").await;
        let preview = app.request(Method::GET, &format!("/invitations/{token}"), None, None).await.expect(200);
        assert_eq!(preview.body["name"], "Dee, Counselor");
        let refused = send_csv(&app, &fay, &network, "text/html", "<p>hi</p>").await.expect(415);
        // A script's string sent as text/plain is neither CSV nor JSON.
        send_csv(&app, &fay, &network, "text/plain", r#"{"email": "x@example.org"}"#).await.expect(415);
        assert_eq!(refused.headers["content-type"], "application/problem+json");

        // Too many at once, or nobody: refused whole, nothing invited.
        let before = pending_emails(&app, &fay, &network).await;
        let many: Vec<Value> = (0..501).map(|n| json!({"email": format!("p{n}@example.org")})).collect();
        let refused = app.post(&fay, &format!("/networks/{network}/invitations"), json!({"invitations": many})).await.expect(422);
        assert!(refused.body["errors"]["invitations"].as_str().unwrap().contains("500"), "{}", refused.text);
        app.post(&fay, &format!("/networks/{network}/invitations"), json!({"invitations": []})).await.expect(422);
        app.post(&fay, &format!("/networks/{network}/invitations"), json!({"invitations": [{"address": "x@example.org"}]})).await.expect(422);
        assert_eq!(pending_emails(&app, &fay, &network).await, before);

        // A facilitator removed a moment ago invites nobody.
        app.delete(&admin, &format!("/networks/{network}/members/{}", fay.id)).await.expect(204);
        app.post(&fay, &format!("/networks/{network}/invitations"), json!({"invitations": [{"email": "late@example.org"}]})).await.expect(404);
        assert_eq!(pending_emails(&app, &admin, &network).await, before);
    }
}

backend_test! {
    async fn an_invitation_link_lets_people_join_until_it_expires_is_used_up_or_revoked(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let People { admin, network, fay, mo, otto } = people(&app).await;
        let links = format!("/networks/{network}/invite-links");

        // Facilitators make links; a member is refused, an outsider learns nothing.
        app.post(&mo, &links, json!({})).await.expect(403);
        app.post(&otto, &links, json!({})).await.expect(404);
        app.get(&mo, &links).await.expect(403);
        app.get(&otto, &links).await.expect(404);
        let bad = app
            .post(&fay, &links, json!({"max_uses": 0, "expires_at": "2020-01-01T00:00:00Z", "role": "facilitator"}))
            .await
            .expect(422);
        for field in ["max_uses", "expires_at", "role"] {
            assert!(bad.body["errors"][field].is_string(), "{field}: {}", bad.text);
        }
        let made = app.post(&fay, &links, json!({"max_uses": 2})).await.expect(201).body;
        let token = made["token"].as_str().unwrap().to_owned();
        assert!(made["url"].as_str().unwrap().ends_with(&format!("/join/{token}")), "{made}");
        assert_eq!((made["uses"].as_i64(), made["max_uses"].as_i64(), made["active"].as_bool()), (Some(0), Some(2), Some(true)));

        // Whoever holds it sees where it leads before joining, signed in or not.
        let preview = app.request(Method::GET, &format!("/invite-links/{token}/preview"), None, None).await.expect(200);
        assert_eq!(preview.body["network_name"], "Attendance PLN");
        assert_eq!(preview.body["invited_by"], "Fay Facilitator");
        app.request(Method::GET, "/invite-links/not-a-token/preview", None, None).await.expect(404);
        app.anonymous_post(&format!("/invite-links/{token}/join"), json!({})).await.expect(401);

        // Two people join as members; joining twice changes nothing and counts once.
        let ana = app.register("Ana Principal").await;
        let joined = app.post(&ana, &format!("/invite-links/{token}/join"), json!({})).await.expect(201);
        assert_eq!(joined.body["role"], "member");
        assert_eq!(joined.body["is_member"], true);
        app.post(&ana, &format!("/invite-links/{token}/join"), json!({})).await.expect(200);
        app.post(&mo, &format!("/invite-links/{token}/join"), json!({})).await.expect(200);
        let ben = app.register("Ben Counselor").await;
        app.post(&ben, &format!("/invite-links/{token}/join"), json!({})).await.expect(201);
        let members = app.get(&fay, &format!("/networks/{network}/members?limit=100")).await.expect(200);
        for name in ["Ana Principal", "Ben Counselor"] {
            assert!(members.text.contains(name), "{name}: {}", members.text);
        }
        // Used up: the third person is told it no longer works.
        let cy = app.register("Cy Teacher").await;
        let gone = app.post(&cy, &format!("/invite-links/{token}/join"), json!({})).await.expect(410);
        assert!(gone.body["detail"].as_str().unwrap().contains("used"), "{}", gone.text);
        app.get(&cy, &format!("/networks/{network}")).await.expect(404);
        let listed = app.get(&fay, &links).await.expect(200).body;
        let first = &listed["items"][0];
        assert_eq!((first["uses"].as_i64(), first["active"].as_bool()), (Some(2), Some(false)), "{listed}");
        assert!(first.get("token").is_none(), "a link's token is shown once: {listed}");

        // Revoked: nobody joins; only its network's facilitators revoke it.
        let open = app.post(&fay, &links, json!({})).await.expect(201).body;
        let (open_id, open_token) = (open["id"].as_str().unwrap().to_owned(), open["token"].as_str().unwrap().to_owned());
        app.delete(&otto, &format!("/invite-links/{open_id}")).await.expect(404);
        app.delete(&mo, &format!("/invite-links/{open_id}")).await.expect(404);
        app.delete(&fay, &format!("/invite-links/{open_id}")).await.expect(204);
        app.delete(&fay, &format!("/invite-links/{open_id}")).await.expect(204);
        let gone = app.post(&cy, &format!("/invite-links/{open_token}/join"), json!({})).await.expect(410);
        assert!(gone.body["detail"].as_str().unwrap().contains("revoked"), "{}", gone.text);
        // A member who opens a dead link is simply told they belong.
        app.post(&ana, &format!("/invite-links/{open_token}/join"), json!({})).await.expect(200);
        app.request(Method::GET, &format!("/invite-links/{open_token}/preview"), None, None).await.expect(410);

        // Expired: works until its time, then not.
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
        let expiring = app.post(&fay, &links, json!({"expires_at": soon})).await.expect(201).body["token"].as_str().unwrap().to_owned();
        eventually(std::time::Duration::from_secs(20), "the link expired", || async {
            let preview = app.request(Method::GET, &format!("/invite-links/{expiring}/preview"), None, None).await;
            (preview.status == 410).then_some(())
        })
        .await;
        let gone = app.post(&cy, &format!("/invite-links/{expiring}/join"), json!({})).await.expect(410);
        assert!(gone.body["detail"].as_str().unwrap().contains("expired"), "{}", gone.text);

        // A link speaks for its maker only while they facilitate the network; a facilitator
        // removed a moment ago manages no links.
        let kept = app.post(&fay, &links, json!({})).await.expect(201).body;
        let kept_id = kept["id"].as_str().unwrap().to_owned();
        app.delete(&admin, &format!("/networks/{network}/members/{}", fay.id)).await.expect(204);
        app.post(&cy, &format!("/invite-links/{}/join", kept["token"].as_str().unwrap()), json!({})).await.expect(410);
        app.get(&fay, &links).await.expect(404);
        app.post(&fay, &links, json!({})).await.expect(404);
        app.delete(&fay, &format!("/invite-links/{kept_id}")).await.expect(404);
        app.get(&cy, &format!("/networks/{network}")).await.expect(404);
    }
}

backend_test! {
    async fn an_invitation_link_lets_its_holder_make_an_account_and_join_at_once(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Counselors PLN").await;
        let link = app.post(&admin, &format!("/networks/{network}/invite-links"), json!({"max_uses": 1})).await.expect(201).body;
        let token = link["token"].as_str().unwrap().to_owned();
        let register = |email: &str| {
            json!({"email": email, "password": "correct horse battery", "display_name": "New Teacher", "timezone": "America/Chicago", "invite_link": token})
        };
        let made = app.anonymous_post("/auth/register", register("t1@example.org")).await.expect(201);
        let teacher = account_from(&made.body);
        let seen = app.get(&teacher, &format!("/networks/{network}")).await.expect(200);
        assert_eq!((seen.body["is_member"].as_bool(), seen.body["role"].as_str()), (Some(true), Some("member")));
        // Used up now: the next person is told why, and no account is made.
        let refused = app.anonymous_post("/auth/register", register("t2@example.org")).await.expect(422);
        assert!(refused.body["errors"]["invite_link"].as_str().unwrap().contains("used"), "{}", refused.text);
        app.anonymous_post("/auth/login", json!({"email": "t2@example.org", "password": "correct horse battery"})).await.expect(401);
        let listed = app.get(&admin, &format!("/networks/{network}/invite-links")).await.expect(200);
        assert_eq!(listed.body["items"][0]["uses"], 1);
    }
}

backend_test! {
    async fn on_an_invite_only_instance_a_link_lets_people_join_but_not_register(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.registration = staffroom::config::Registration::Invite).await;
        staffroom::demo::admin::create_admin(&app.state, "ada@example.org", "Ada Admin", Some("correct horse battery".into()))
            .await
            .expect("admin created");
        let admin = account_from(
            &app.anonymous_post("/auth/login", json!({"email": "ada@example.org", "password": "correct horse battery"})).await.expect(200).body,
        );
        let network = app.post(&admin, "/networks", json!({"name": "Counselors PLN", "visibility": "private"})).await.expect(201).id();
        let link = app.post(&admin, &format!("/networks/{network}/invite-links"), json!({})).await.expect(201).body;
        let token = link["token"].as_str().unwrap().to_owned();
        // A link names nobody: it does not let a stranger take a colleague's address before
        // they are invited. A real link, a made-up one and none get the same answer.
        let register = |invite_link: Option<&str>| {
            json!({"email": "principal@example.org", "password": "correct horse battery", "display_name": "Not the principal", "invite_link": invite_link})
        };
        let none = app.anonymous_post("/auth/register", register(None)).await.expect(403);
        let made_up = app.anonymous_post("/auth/register", register(Some("made-up"))).await.expect(403);
        let real = app.anonymous_post("/auth/register", register(Some(&token))).await.expect(403);
        assert_eq!(none.body, made_up.body);
        assert_eq!(none.body, real.body);
        let listed = app.get(&admin, &format!("/networks/{network}/invite-links")).await.expect(200);
        assert_eq!(listed.body["items"][0]["uses"], 0);
        // Someone with an account joins with it.
        let other = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"})).await.expect(201).id();
        app.post(&admin, &format!("/networks/{other}/invitations"), json!({"email": "kim@example.org"})).await.expect(201);
        let invitation = app.wait_for_invitation_token("kim@example.org").await;
        let kim = account_from(
            &app.anonymous_post(&format!("/invitations/{invitation}/accept"), json!({"display_name": "Kim", "password": "correct horse battery"})).await.expect(201).body["session"],
        );
        app.post(&kim, &format!("/invite-links/{token}/join"), json!({})).await.expect(201);
    }
}

backend_test! {
    async fn on_an_open_instance_a_link_that_no_longer_works_is_named(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Math PLN").await;
        let link = app.post(&admin, &format!("/networks/{network}/invite-links"), json!({})).await.expect(201).body;
        app.delete(&admin, &format!("/invite-links/{}", link["id"].as_str().unwrap())).await.expect(204);
        let refused = app
            .anonymous_post("/auth/register", json!({"email": "late@example.org", "password": "correct horse battery", "display_name": "Late", "invite_link": link["token"]}))
            .await
            .expect(422);
        assert!(refused.body["errors"]["invite_link"].as_str().unwrap().contains("revoked"), "{}", refused.text);
        // Nothing was made: the same address registers without the link.
        app.anonymous_post("/auth/register", json!({"email": "late@example.org", "password": "correct horse battery", "display_name": "Late"}))
            .await
            .expect(201);
    }
}

backend_test! {
    async fn a_new_instances_admin_is_walked_through_its_first_steps_until_they_are_done(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let admin = app.register("Ada Admin").await;
        let done = |checklist: &Value| -> Vec<(String, bool)> {
            checklist["steps"].as_array().unwrap().iter().map(|s| (s["key"].as_str().unwrap().to_owned(), s["done"].as_bool().unwrap())).collect()
        };
        let first = app.get(&admin, "/me/getting-started").await.expect(200).body;
        assert_eq!(
            done(&first),
            [("create_network".to_owned(), false), ("invite_people".to_owned(), false), ("start_discussion".to_owned(), false), ("choose_digest".to_owned(), false)]
        );
        assert_eq!(first["done"], false);

        let network = app.post(&admin, "/networks", json!({"name": "Attendance PLN", "visibility": "private"})).await.expect(201).id();
        let now = app.get(&admin, "/me/getting-started").await.expect(200).body;
        assert_eq!(now["network_id"], network.as_str());
        assert_eq!(now["steps"][1]["url"], format!("/networks/{network}/members"));
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        app.create_thread(&member, &network, "Tardy policy").await;
        let now = app.get(&admin, "/me/getting-started").await.expect(200).body;
        assert_eq!(done(&now).iter().filter(|(_, d)| *d).count(), 3, "{now}");
        // Saving the digest as it was still counts as choosing it.
        let me = app.get(&admin, "/me").await.expect(200).body;
        app.patch(&admin, "/me", json!({"digest": me["digest"]})).await.expect(200);
        let now = app.get(&admin, "/me/getting-started").await.expect(200).body;
        assert_eq!(now["done"], true, "{now}");

        // Nothing is asked of anyone else.
        let theirs = app.get(&member, "/me/getting-started").await.expect(200).body;
        assert_eq!((theirs["steps"].as_array().unwrap().len(), theirs["done"].as_bool()), (0, Some(true)));
        app.request(Method::GET, "/me/getting-started", None, None).await.expect(401);
    }
}
