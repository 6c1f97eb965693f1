//! Registering, signing in and staying signed in.

use crate::backend_test;
use crate::helpers::*;
use crate::smtp::SmtpServer;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

backend_test! {
    async fn first_account_becomes_admin_and_later_ones_do_not(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let first = app.register("Lauren Thomas").await;
        let second = app.register("Roxy Heiser").await;
        let me = app.get(&first, "/me").await.expect(200);
        assert_eq!(me.body["is_admin"], true);
        assert_eq!(me.body["handle"], "lauren-thomas");
        assert_eq!(me.body["digest"]["frequency"], "weekly");
        let me = app.get(&second, "/me").await.expect(200);
        assert_eq!(me.body["is_admin"], false);
    }
}

backend_test! {
    async fn registration_reports_every_invalid_field_and_creates_nothing(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let reply = app
            .anonymous_post("/auth/register", json!({"email": "not-an-email", "password": "short", "display_name": "  "}))
            .await
            .expect(422);
        assert!(reply.content_type().starts_with("application/problem+json"));
        assert_eq!(reply.body["status"], 422);
        for field in ["email", "password", "display_name"] {
            assert!(reply.body["errors"][field].is_string(), "no error for {field}: {}", reply.text);
        }
        let missing = app.anonymous_post("/auth/register", json!({"email": "a@b.org"})).await.expect(422);
        assert_eq!(missing.body["errors"]["password"], "is required");
        app.anonymous_post("/auth/register", json!(["not", "an", "object"])).await.expect(422);
        let malformed = app
            .client
            .post(app.url("/auth/register"))
            .header("content-type", "application/json")
            .body("{\"email\":")
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), 400);
        let wrong_type = app.client.post(app.url("/auth/register")).body("email=a").send().await.unwrap();
        assert_eq!(wrong_type.status(), 415);
        // Nothing was created: the first real account still becomes the admin.
        let account = app.register("First Real").await;
        assert_eq!(app.get(&account, "/me").await.body["is_admin"], true);
    }
}

backend_test! {
    async fn an_email_registers_once(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let account = app.register("Roxy Heiser").await;
        let reply = app
            .anonymous_post(
                "/auth/register",
                json!({"email": account.email.to_uppercase(), "password": "another good password", "display_name": "Roxy"}),
            )
            .await
            .expect(409);
        assert_eq!(reply.body["title"], "Conflict");
    }
}

backend_test! {
    async fn invite_only_instances_refuse_open_registration(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.registration = staffroom::config::Registration::Invite).await;
        let missing = app.anonymous_post(
            "/auth/register",
            json!({"email": "someone@example.org", "password": "correct horse battery", "display_name": "Someone"}),
        )
        .await
        .expect(403);
        let made_up = app.anonymous_post(
            "/auth/register",
            json!({"email": "someone@example.org", "password": "correct horse battery", "display_name": "Someone", "invite_token": "made-up"}),
        )
        .await
        .expect(403);
        assert_eq!(missing.body, made_up.body);

        // The first admin of an invite-only instance comes from `staffroom admin create`;
        // their invitations let people in, at the invited address only.
        staffroom::demo::admin::create_admin(&app.state, "ada@example.org", "Ada Admin", Some("correct horse battery".into()))
            .await
            .expect("admin created");
        let admin = account_from(
            &app.anonymous_post("/auth/login", json!({"email": "ada@example.org", "password": "correct horse battery"}))
                .await
                .expect(200)
                .body,
        );
        let network = app.post(&admin, "/networks", json!({"name": "PLN", "visibility": "private"})).await.expect(201).id();
        app.post(&admin, &format!("/networks/{network}/invitations"), json!({"email": "invited@example.org"})).await.expect(201);
        let token = app.wait_for_invitation_token("invited@example.org").await;
        let wrong = app
            .anonymous_post(
                "/auth/register",
                json!({"email": "someone-else@example.org", "password": "correct horse battery", "display_name": "Else", "invite_token": token}),
            )
            .await
            .expect(422);
        assert!(wrong.body["errors"]["invite_token"].is_string());
        let joined = app
            .anonymous_post(
                "/auth/register",
                json!({"email": "invited@example.org", "password": "correct horse battery", "display_name": "Invited", "invite_token": token}),
            )
            .await
            .expect(201);
        app.get(&account_from(&joined.body), &format!("/networks/{network}/threads")).await.expect(200);

        // A used invitation is as good as none, whoever's address comes with it: the answer
        // never tells whether an account exists.
        let reused_existing = app
            .anonymous_post(
                "/auth/register",
                json!({"email": "ada@example.org", "password": "x", "display_name": "", "invite_token": token}),
            )
            .await
            .expect(403);
        let reused_new = app
            .anonymous_post(
                "/auth/register",
                json!({"email": "brand-new@example.org", "password": "correct horse battery", "display_name": "New", "invite_token": token}),
            )
            .await
            .expect(403);
        assert_eq!(reused_existing.body, missing.body);
        assert_eq!(reused_new.body, missing.body);
    }
}

backend_test! {
    async fn an_expired_invitation_gets_the_same_answer_as_none(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| {
            c.registration = staffroom::config::Registration::Invite;
            c.auth.invitation_ttl_days = 0;
        })
        .await;
        staffroom::demo::admin::create_admin(&app.state, "ada@example.org", "Ada Admin", Some("correct horse battery".into()))
            .await
            .expect("admin created");
        let admin = account_from(
            &app.anonymous_post("/auth/login", json!({"email": "ada@example.org", "password": "correct horse battery"}))
                .await
                .expect(200)
                .body,
        );
        let network = app.post(&admin, "/networks", json!({"name": "PLN", "visibility": "private"})).await.expect(201).id();
        app.post(&admin, &format!("/networks/{network}/invitations"), json!({"email": "late@example.org"})).await.expect(201);
        let token = app.wait_for_invitation_token("late@example.org").await;
        let none = app
            .anonymous_post("/auth/register", json!({"email": "late@example.org", "password": "correct horse battery", "display_name": "Late"}))
            .await
            .expect(403);
        for email in ["late@example.org", "ada@example.org"] {
            let expired = app
                .anonymous_post(
                    "/auth/register",
                    json!({"email": email, "password": "correct horse battery", "display_name": "Late", "invite_token": token}),
                )
                .await
                .expect(403);
            assert_eq!(expired.body, none.body);
        }
    }
}

backend_test! {
    async fn registration_is_rate_limited_per_client_address(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.rate_limit.register_per_ip = 2).await;
        app.register("First Person").await;
        app.register("Second Person").await;
        let limited = app
            .anonymous_post(
                "/auth/register",
                json!({"email": "third@example.org", "password": "correct horse battery", "display_name": "Third"}),
            )
            .await
            .expect(429);
        assert!(limited.headers.contains_key("retry-after"));
        app.anonymous_post("/auth/login", json!({"email": "third@example.org", "password": "correct horse battery"}))
            .await
            .expect(401);
    }
}

backend_test! {
    async fn login_accepts_the_right_password_only_and_does_not_tell_which_part_was_wrong(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let account = app.register("Marcus Bell").await;
        let ok = app
            .anonymous_post("/auth/login", json!({"email": account.email, "password": "correct horse battery"}))
            .await
            .expect(200);
        assert_eq!(ok.body["token_type"], "Bearer");
        assert_eq!(ok.body["expires_in"], 900);
        let wrong_password = app
            .anonymous_post("/auth/login", json!({"email": account.email, "password": "wrong horse battery"}))
            .await
            .expect(401);
        let unknown = app
            .anonymous_post("/auth/login", json!({"email": "nobody@example.org", "password": "wrong horse battery"}))
            .await
            .expect(401);
        assert_eq!(wrong_password.body["detail"], unknown.body["detail"]);
    }
}

backend_test! {
    async fn login_is_rate_limited_per_account_with_retry_after(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.rate_limit.login_per_account = 3).await;
        let account = app.register("Ana Lopez").await;
        for _ in 0..2 {
            app.anonymous_post("/auth/login", json!({"email": account.email, "password": "wrong horse battery"}))
                .await
                .expect(401);
        }
        let limited = app
            .anonymous_post("/auth/login", json!({"email": account.email, "password": "wrong horse battery"}))
            .await
            .expect(429);
        let retry_after: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry_after >= 1);
        // Failures only count against the account: its owner, who knows the password, is
        // never locked out by someone trying their address.
        for _ in 0..3 {
            app.anonymous_post("/auth/login", json!({"email": account.email, "password": "correct horse battery"}))
                .await
                .expect(200);
        }
        app.anonymous_post("/auth/login", json!({"email": account.email, "password": "wrong horse battery"}))
            .await
            .expect(429);
        // Another account from the same client is not affected by this account's limit.
        let other = app.register("Other Person").await;
        app.anonymous_post("/auth/login", json!({"email": other.email, "password": "correct horse battery"}))
            .await
            .expect(200);
    }
}

backend_test! {
    async fn login_is_rate_limited_per_client_ip(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.rate_limit.login_per_ip = 4).await;
        for n in 0..4 {
            app.anonymous_post("/auth/login", json!({"email": format!("guess{n}@example.org"), "password": "wrong horse battery"}))
                .await
                .expect(401);
        }
        app.anonymous_post("/auth/login", json!({"email": "guess9@example.org", "password": "wrong horse battery"}))
            .await
            .expect(429);
    }
}

/// A login with a forged or proxied `X-Forwarded-For`.
async fn login_from(app: &TestApp, forwarded_for: &str, n: usize) -> u16 {
    app.client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": format!("guess{n}@example.org"), "password": "wrong horse battery"}))
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

backend_test! {
    async fn a_forged_forwarded_for_header_does_not_escape_the_address_limit(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.rate_limit.login_per_ip = 2).await;
        let statuses = [
            login_from(&app, "198.51.100.1", 0).await,
            login_from(&app, "198.51.100.2", 1).await,
            login_from(&app, "198.51.100.3", 2).await,
        ];
        assert_eq!(statuses, [401, 401, 429], "the peer is the client when no proxy is trusted");
    }
}

backend_test! {
    async fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| {
            c.rate_limit.login_per_ip = 2;
            c.rate_limit.trusted_proxies = vec!["127.0.0.0/8".to_owned()];
        })
        .await;
        // The client wrote the left-hand entries; our proxy appended the real address.
        let statuses = [
            login_from(&app, "10.9.9.9, 198.51.100.7", 0).await,
            login_from(&app, "10.8.8.8, 198.51.100.7", 1).await,
            login_from(&app, "198.51.100.7", 2).await,
        ];
        assert_eq!(statuses, [401, 401, 429], "one client, whatever it forged on the left");
        assert_eq!(login_from(&app, "198.51.100.8", 3).await, 401, "another client has its own budget");
        // IPv6 clients are one client per /64.
        assert_eq!(login_from(&app, "2001:db8:1:2::10", 4).await, 401);
        assert_eq!(login_from(&app, "2001:db8:1:2::11", 5).await, 401);
        assert_eq!(login_from(&app, "2001:db8:1:2:ffff::1", 6).await, 429);
    }
}

backend_test! {
    async fn a_flood_of_sign_ins_is_turned_away_with_503_not_queued_without_limit(backend: Backend) {
        let app = std::sync::Arc::new(
            TestApp::spawn_with(&backend, |c| {
                c.auth.hashing_concurrency = Some(1);
                c.auth.hashing_queue = 1;
                c.rate_limit.login_per_ip = 1000;
                c.rate_limit.login_per_account = 1000;
            })
            .await,
        );
        let account = app.register("Busy Person").await;
        let mut attempts = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (app, email) = (app.clone(), account.email.clone());
            attempts.spawn(async move {
                app.anonymous_post("/auth/login", json!({"email": email, "password": "correct horse battery"})).await
            });
        }
        let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
        while let Some(reply) = attempts.join_next().await {
            let reply = reply.unwrap();
            if reply.status.as_u16() == 503 {
                assert!(reply.headers.contains_key("retry-after"));
                assert_eq!(reply.content_type(), "application/problem+json");
            }
            *by_status.entry(reply.status.as_u16()).or_default() += 1;
        }
        assert!(by_status.get(&503).copied().unwrap_or(0) > 0, "{by_status:?}");
        assert!(by_status.get(&200).copied().unwrap_or(0) >= 1, "{by_status:?}");
        assert_eq!(by_status.keys().filter(|s| ![200, 503].contains(s)).count(), 0, "{by_status:?}");
        // Once the flood has passed, signing in works as before.
        app.anonymous_post("/auth/login", json!({"email": account.email, "password": "correct horse battery"}))
            .await
            .expect(200);
    }
}

backend_test! {
    async fn refresh_rotates_and_reuse_revokes_the_whole_family(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.auth.refresh_reuse_grace_secs = 0).await;
        let account = app.register("Deborah King").await;
        let rotated = app
            .anonymous_post("/auth/refresh", json!({"refresh_token": account.refresh_token}))
            .await
            .expect(200);
        let second = account_from(&rotated.body);
        assert_ne!(second.refresh_token, account.refresh_token);
        app.get(&second, "/me").await.expect(200);
        // The first token was used: presenting it again is a reuse...
        app.anonymous_post("/auth/refresh", json!({"refresh_token": account.refresh_token}))
            .await
            .expect(401);
        // ...which revokes the family, including the token issued by the rotation.
        app.anonymous_post("/auth/refresh", json!({"refresh_token": second.refresh_token}))
            .await
            .expect(401);
        app.anonymous_post("/auth/refresh", json!({"refresh_token": "never-issued"})).await.expect(401);
    }
}

backend_test! {
    async fn a_refresh_whose_answer_was_lost_may_be_repeated_briefly_then_reuse_revokes(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.auth.refresh_reuse_grace_secs = 2).await;
        let account = app.register("Grace Period").await;
        let first = app.anonymous_post("/auth/refresh", json!({"refresh_token": account.refresh_token})).await.expect(200);
        // The answer never reached the tab that asked (it closed): it asks again at once.
        let again = app.anonymous_post("/auth/refresh", json!({"refresh_token": account.refresh_token})).await.expect(200);
        let kept = account_from(&again.body);
        assert_ne!(kept.refresh_token, account_from(&first.body).refresh_token);
        app.get(&kept, "/me").await.expect(200);
        // Once the grace period is over, presenting it again is a reuse: the family ends,
        // the pairs handed out meanwhile with it.
        let started = std::time::Instant::now();
        eventually(Duration::from_secs(10), "presenting the old token to be refused", || async {
            let status = app.anonymous_post("/auth/refresh", json!({"refresh_token": account.refresh_token})).await.status;
            (status == 401).then_some(())
        })
        .await;
        assert!(started.elapsed() >= Duration::from_millis(1500), "refused within the grace period");
        app.anonymous_post("/auth/refresh", json!({"refresh_token": kept.refresh_token})).await.expect(401);
    }
}

backend_test! {
    async fn logout_ends_the_session_but_not_other_devices(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let laptop = app.register("Samuel Ortiz").await;
        let phone = account_from(
            &app.anonymous_post("/auth/login", json!({"email": laptop.email, "password": "correct horse battery"}))
                .await
                .expect(200)
                .body,
        );
        app.anonymous_post("/auth/logout", json!({"refresh_token": laptop.refresh_token})).await.expect(204);
        app.anonymous_post("/auth/refresh", json!({"refresh_token": laptop.refresh_token})).await.expect(401);
        app.anonymous_post("/auth/refresh", json!({"refresh_token": phone.refresh_token})).await.expect(200);
    }
}

backend_test! {
    async fn access_tokens_expire_and_forged_ones_are_refused(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.auth.access_token_ttl_secs = 1).await;
        let account = app.register("Priya Raman").await;
        app.get(&account, "/me").await.expect(200);
        eventually(Duration::from_secs(10), "the access token to expire", || async {
            (app.get(&account, "/me").await.status == 401).then_some(())
        })
        .await;
        let refreshed = account_from(
            &app.anonymous_post("/auth/refresh", json!({"refresh_token": account.refresh_token}))
                .await
                .expect(200)
                .body,
        );
        app.get(&refreshed, "/me").await.expect(200);

        let mut forged = refreshed.clone();
        let mut parts: Vec<String> = refreshed.access_token.split('.').map(str::to_owned).collect();
        parts[2] = parts[2].chars().rev().collect();
        forged.access_token = parts.join(".");
        let reply = app.get(&forged, "/me").await.expect(401);
        assert!(reply.content_type().starts_with("application/problem+json"));
        app.request(Method::GET, "/me", None, None).await.expect(401);
    }
}

backend_test! {
    async fn profile_updates_are_validated_and_applied_whole(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let account = app.register("Mei Chen").await;
        let updated = app
            .patch(
                &account,
                "/me",
                json!({
                    "title": "Family Engagement Coordinator",
                    "organization": "Austin ISD",
                    "expertise": ["Family Engagement", "home visits", "family-engagement"],
                    "timezone": "America/Chicago",
                    "digest": {"frequency": "daily", "weekday": 3, "hour": 6}
                }),
            )
            .await
            .expect(200);
        assert_eq!(updated.body["expertise"], json!(["family-engagement", "home-visits"]));
        assert_eq!(updated.body["timezone"], "America/Chicago");
        assert_eq!(updated.body["digest"], json!({"frequency": "daily", "weekday": 3, "hour": 6}));

        let refused = app
            .patch(&account, "/me", json!({"title": "Changed", "timezone": "Mars/Olympus"}))
            .await
            .expect(422);
        assert!(refused.body["errors"]["timezone"].is_string());
        app.patch(&account, "/me", json!({"digest": {"frequency": "hourly", "weekday": 1, "hour": 1}})).await.expect(422);
        app.patch(&account, "/me", json!({"digest": {"frequency": "weekly", "weekday": 9, "hour": 1}})).await.expect(422);
        app.patch(&account, "/me", json!({"expertise": ["<script>"]})).await.expect(422);
        app.patch(&account, "/me", json!({"is_admin": true})).await.expect(422);
        let me = app.get(&account, "/me").await.expect(200);
        assert_eq!(me.body["title"], "Family Engagement Coordinator", "a refused update changed nothing");
        assert_eq!(me.body["is_admin"], true, "first account");
    }
}

backend_test! {
    async fn export_contains_what_the_member_wrote(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let thread = app.create_thread(&admin, &network, "Home visits").await;
        app.reply(&admin, thread["id"].as_str().unwrap(), "Follow-up on home visits").await;
        let export = app.get(&admin, "/me/export").await.expect(200);
        assert!(export.headers["content-disposition"].to_str().unwrap().contains("attachment"));
        assert_eq!(export.body["profile"]["email"], admin.email.as_str());
        assert_eq!(export.body["threads"][0]["title"], "Home visits");
        assert_eq!(export.body["posts"].as_array().unwrap().len(), 2);
        assert_eq!(export.body["memberships"][0]["role"], "facilitator");

        // Everything else they wrote or chose: help asked (anonymously too) and given,
        // resources, direct messages, polls and votes.
        let peer = app.add_member(&admin, &network, "Grace Okafor", "member").await;
        let asked = app.post(&admin, &format!("/networks/{network}/help-requests"), json!({"title": "Asked quietly", "body": "x", "anonymous": true})).await.expect(201).id();
        let theirs = app.post(&peer, &format!("/networks/{network}/help-requests"), json!({"title": "Theirs", "body": "x"})).await.expect(201).id();
        app.post(&admin, &format!("/help-requests/{theirs}/responses"), json!({"body": "My answer"})).await.expect(201);
        app.post(&admin, "/conversations", json!({"member_ids": [peer.id], "body": "A private note"})).await.expect(201);
        let poll = app.post(&admin, &format!("/networks/{network}/polls"), json!({"question": "Which?", "kind": "single", "options": ["a", "b"]})).await.expect(201);
        app.put(&admin, &format!("/polls/{}/vote", poll.id()), Some(json!({"option_ids": [poll.body["options"][1]["id"]]}))).await.expect(200);
        let export = app.get(&admin, "/me/export").await.expect(200);
        assert_eq!(export.body["help_requests"][0]["id"], asked.as_str());
        assert_eq!(export.body["help_requests"][0]["anonymous"], true, "their own, so marked, not hidden");
        assert_eq!(export.body["help_responses"][0]["body"], "My answer");
        assert_eq!(export.body["direct_messages"][0]["body"], "A private note");
        assert_eq!(export.body["polls"][0]["question"], "Which?");
        assert_eq!(export.body["poll_votes"][0]["option_ids"], json!([poll.body["options"][1]["id"]]));
        let others = app.get(&peer, "/me/export").await.expect(200);
        assert!(!others.text.contains("A private note") && !others.text.contains("Asked quietly"));
    }
}

backend_test! {
    async fn magic_link_arrives_by_smtp_and_signs_in_once(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = TestApp::spawn_with(&backend, |c| c.smtp_url = Some(smtp.url())).await;
        let account = app.register("Grace Okafor").await;

        app.anonymous_post("/auth/magic-link", json!({"email": "nobody-here@example.org"})).await.expect(202);
        app.anonymous_post("/auth/magic-link", json!({"email": account.email})).await.expect(202);
        let mail = eventually(Duration::from_secs(10), "the magic-link email", || async {
            smtp.received().into_iter().find(|m| m.recipients.iter().any(|r| r.contains(&account.email)))
        })
        .await;
        assert_eq!(smtp.received().len(), 1, "no email for an address without an account");
        assert!(mail.data.contains("Subject: Your Staffroom sign-in link"));
        let text = unfold_quoted_printable(&mail.data);
        let token = token_after(&text, "/sign-in/link?token=").expect("a sign-in link");

        let session = app
            .anonymous_post("/auth/magic-link/consume", json!({"token": token}))
            .await
            .expect(200);
        assert_eq!(session.body["member"]["email"], account.email.as_str());
        app.get(&account_from(&session.body), "/me").await.expect(200);
        app.anonymous_post("/auth/magic-link/consume", json!({"token": token})).await.expect(401);
    }
}

backend_test! {
    async fn magic_links_expire_and_requests_are_rate_limited(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| {
            c.auth.magic_link_ttl_minutes = 0;
            c.rate_limit.magic_link_per_account = 2;
        })
        .await;
        let account = app.register("Tomas Rivera").await;
        app.anonymous_post("/auth/magic-link", json!({"email": account.email})).await.expect(202);
        let outbox = app.database.data_dir.join("outbox");
        let message = wait_for_email(&outbox, &account.email, "sign-in link").await;
        let token = token_after(&unfold_quoted_printable(&message), "Sign-in code: ").unwrap();
        app.anonymous_post("/auth/magic-link/consume", json!({"token": token})).await.expect(401);
        app.anonymous_post("/auth/magic-link", json!({"email": account.email})).await.expect(202);
        let limited = app.anonymous_post("/auth/magic-link", json!({"email": account.email})).await.expect(429);
        assert!(limited.headers.contains_key("retry-after"));
        app.anonymous_post("/auth/magic-link", json!({"email": "not an email"})).await.expect(422);
    }
}
