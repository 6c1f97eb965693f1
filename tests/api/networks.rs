//! Networks, sub-networks, membership, invitations and joining.

use crate::backend_test;
use crate::helpers::*;
use serde_json::json;

backend_test! {
    async fn only_admins_create_top_level_networks_and_facilitators_create_sub_networks(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let facilitator = app.add_member(&admin, &network, "Fay Facilitator", "facilitator").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let outsider = app.register("Otto Outsider").await;

        app.post(&member, "/networks", json!({"name": "Mine", "visibility": "private"})).await.expect(403);
        let sub = app
            .post(&facilitator, "/networks", json!({"name": "Counselors", "visibility": "private", "parent_id": network}))
            .await
            .expect(201);
        assert_eq!(sub.body["parent_id"], network.as_str());
        assert_eq!(sub.body["role"], "facilitator");
        assert_eq!(sub.body["join_policy"], "invite");
        app.post(&member, "/networks", json!({"name": "Nope", "visibility": "private", "parent_id": network})).await.expect(403);
        app.post(&outsider, "/networks", json!({"name": "Nope", "visibility": "private", "parent_id": network})).await.expect(404);
        let invalid = app.post(&admin, "/networks", json!({"name": "", "visibility": "secret"})).await.expect(422);
        assert!(invalid.body["errors"]["visibility"].is_string(), "{}", invalid.text);
        app.post(&admin, "/networks", json!({"name": " ", "visibility": "private"})).await.expect(422);
    }
}

backend_test! {
    async fn parent_facilitators_manage_sub_networks_they_are_not_members_of(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let facilitator = app.add_member(&admin, &network, "Fay Facilitator", "facilitator").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let sub = app
            .post(&admin, "/networks", json!({"name": "Principals", "visibility": "private", "parent_id": network}))
            .await
            .expect(201)
            .id();
        let seen = app.get(&facilitator, &format!("/networks/{sub}")).await.expect(200);
        assert_eq!(seen.body["role"], "facilitator");
        assert_eq!(seen.body["is_member"], false);
        app.patch(&facilitator, &format!("/networks/{sub}"), json!({"description": "Campus leaders"})).await.expect(200);
        // A plain member of the parent does not see a private sub-network.
        app.get(&member, &format!("/networks/{sub}")).await.expect(404);
    }
}

backend_test! {
    async fn invitation_creates_the_account_joins_and_works_once(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let invited = app
            .post(&admin, &format!("/networks/{network}/invitations"), json!({"email": "Roxy.Heiser@Example.org", "role": "member"}))
            .await
            .expect(201);
        assert_eq!(invited.body["email"], "roxy.heiser@example.org");
        let token = app.wait_for_invitation_token("roxy.heiser@example.org").await;

        let preview = app.request(reqwest::Method::GET, &format!("/invitations/{token}"), None, None).await.expect(200);
        assert_eq!(preview.body["network_name"], "Attendance PLN");
        assert_eq!(preview.body["has_account"], false);
        assert_eq!(preview.body["invited_by"], "Ada Admin");

        app.anonymous_post(&format!("/invitations/{token}/accept"), json!({})).await.expect(401);
        app.anonymous_post(&format!("/invitations/{token}/accept"), json!({"display_name": "Roxy", "password": "short"}))
            .await
            .expect(422);
        let accepted = app
            .anonymous_post(&format!("/invitations/{token}/accept"), json!({"display_name": "Roxy Heiser", "password": "correct horse battery"}))
            .await
            .expect(201);
        assert_eq!(accepted.body["network_id"], network.as_str());
        let roxy = account_from(&accepted.body["session"]);
        let seen = app.get(&roxy, &format!("/networks/{network}")).await.expect(200);
        assert_eq!(seen.body["role"], "member");
        assert_eq!(seen.body["member_count"], 2);

        app.anonymous_post(&format!("/invitations/{token}/accept"), json!({"display_name": "Again", "password": "correct horse battery"}))
            .await
            .expect(409);
        app.get(&admin, "/invitations/not-a-token").await.expect(404);
    }
}

backend_test! {
    async fn expired_invitations_are_refused(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.auth.invitation_ttl_days = 0).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let late = app.register("Late Comer").await;
        app.post(&admin, &format!("/networks/{network}/invitations"), json!({"email": late.email}))
            .await
            .expect(201);
        let token = app.wait_for_invitation_token(&late.email).await;
        let refused = app.post(&late, &format!("/invitations/{token}/accept"), json!({})).await.expect(409);
        assert!(refused.body["detail"].as_str().unwrap().contains("expired"));
        app.get(&late, &format!("/networks/{network}")).await.expect(404);
    }
}

backend_test! {
    async fn network_list_shows_mine_and_listed_ones(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, private) = app.admin_with_network("Private PLN").await;
        let listed = app
            .post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "listed"}))
            .await
            .expect(201)
            .id();
        let member = app.add_member(&admin, &private, "Mo Member", "member").await;
        let outsider = app.register("Otto Outsider").await;

        let mine = app.get(&member, "/networks").await.expect(200);
        let names: Vec<&str> = mine.body["items"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Private PLN", "Math PLN"]);
        let theirs = app.get(&outsider, "/networks").await.expect(200);
        let items = theirs.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], listed.as_str());
        assert_eq!(items[0]["is_member"], false);

        let page = app.get(&admin, "/networks?limit=1").await.expect(200);
        assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
        let cursor = page.body["next_cursor"].as_str().unwrap();
        let next = app.get(&admin, &format!("/networks?limit=1&cursor={cursor}")).await.expect(200);
        assert_eq!(next.body["items"][0]["name"], "Math PLN");
        assert!(next.body["next_cursor"].is_null());
        app.get(&admin, "/networks?limit=0").await.expect(422);
        app.get(&admin, "/networks?limit=101").await.expect(422);
        app.get(&admin, "/networks?cursor=garbage").await.expect(422);
        app.get(&admin, "/networks?limit=abc").await.expect(422);
    }
}

backend_test! {
    async fn joining_is_for_listed_networks_with_open_joining(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, private) = app.admin_with_network("Private PLN").await;
        let open = app.post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "listed"})).await.expect(201).id();
        let closed = app
            .post(&admin, "/networks", json!({"name": "Steering", "visibility": "listed", "join_policy": "invite"}))
            .await
            .expect(201)
            .id();
        let teacher = app.register("Kevin Nguyen").await;
        app.get(&teacher, &format!("/networks/{open}/threads")).await.expect(404);
        let joined = app.post(&teacher, &format!("/networks/{open}/join"), json!({})).await.expect(200);
        assert_eq!(joined.body["is_member"], true);
        assert_eq!(joined.body["role"], "member");
        app.get(&teacher, &format!("/networks/{open}/threads")).await.expect(200);
        app.post(&teacher, &format!("/networks/{open}/join"), json!({})).await.expect(200);
        app.post(&teacher, &format!("/networks/{closed}/join"), json!({})).await.expect(403);
        app.post(&teacher, &format!("/networks/{private}/join"), json!({})).await.expect(404);
        app.get(&teacher, &format!("/networks/{closed}")).await.expect(200);
        app.get(&teacher, &format!("/networks/{private}")).await.expect(404);
    }
}

backend_test! {
    async fn member_directory_filters_by_expertise_and_shows_emails_to_facilitators_only(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let counselor = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let clerk = app.add_member(&admin, &network, "James Carter", "member").await;
        app.patch(&counselor, "/me", json!({"expertise": ["chronic absence", "ninth grade"]})).await.expect(200);
        app.patch(&clerk, "/me", json!({"expertise": ["attendance data"]})).await.expect(200);

        let experts = app.get(&clerk, &format!("/networks/{network}/members?expertise=Chronic%20Absence")).await.expect(200);
        let items = experts.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["member"]["display_name"], "Roxy Heiser");
        assert!(items[0].get("email").is_none(), "members do not see emails");
        let as_facilitator = app.get(&admin, &format!("/networks/{network}/members")).await.expect(200);
        assert_eq!(as_facilitator.body["items"].as_array().unwrap().len(), 3);
        assert!(as_facilitator.body["items"][0]["email"].is_string());

        app.get(&clerk, &format!("/members/{}", counselor.id)).await.expect(200);
        let stranger = app.register("Stranger").await;
        app.get(&stranger, &format!("/members/{}", counselor.id)).await.expect(404);
    }
}

backend_test! {
    async fn roles_change_and_removal_revokes_access(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let thread = app.create_thread(&member, &network, "Question")
            .await["id"].as_str().unwrap().to_owned();

        app.patch(&member, &format!("/networks/{network}/members/{}", admin.id), json!({"role": "member"})).await.expect(403);
        app.patch(&admin, &format!("/networks/{network}/members/{}", member.id), json!({"role": "facilitator"}))
            .await
            .expect(200);
        app.patch(&admin, &format!("/networks/{network}/members/{}", member.id), json!({"role": "owner"}))
            .await
            .expect(422);
        app.patch(&admin, &format!("/networks/{network}/members/{}", member.id), json!({"role": "member"}))
            .await
            .expect(200);

        app.delete(&admin, &format!("/networks/{network}/members/{}", member.id)).await.expect(204);
        app.get(&member, &format!("/networks/{network}")).await.expect(404);
        app.get(&member, &format!("/threads/{thread}")).await.expect(404);
        app.delete(&admin, &format!("/networks/{network}/members/{}", member.id)).await.expect(404);

        // Members can leave on their own.
        let leaver = app.add_member(&admin, &network, "Lee Leaver", "member").await;
        app.delete(&leaver, &format!("/networks/{network}/members/{}", leaver.id)).await.expect(204);
        app.get(&leaver, &format!("/networks/{network}")).await.expect(404);
    }
}

backend_test! {
    async fn invitations_are_personal_revocable_and_die_with_the_inviters_role(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let facilitator = app.add_member(&admin, &network, "Fay Facilitator", "facilitator").await;
        let invitee = app.register("Ivy Invitee").await;
        let forwarded_to = app.register("Fred Forwarded").await;

        app.post(&facilitator, &format!("/networks/{network}/invitations"), json!({"email": invitee.email, "role": "facilitator"}))
            .await
            .expect(201);
        let token = app.wait_for_invitation_token(&invitee.email).await;
        app.post(&forwarded_to, &format!("/invitations/{token}/accept"), json!({})).await.expect(403);
        app.get(&forwarded_to, &format!("/networks/{network}")).await.expect(404);

        // The inviter stops facilitating: their pending invitation stops working.
        app.patch(&admin, &format!("/networks/{network}/members/{}", facilitator.id), json!({"role": "member"}))
            .await
            .expect(200);
        app.post(&invitee, &format!("/invitations/{token}/accept"), json!({})).await.expect(409);

        let other = app.register("Olga Other").await;
        let invitation = app
            .post(&admin, &format!("/networks/{network}/invitations"), json!({"email": other.email}))
            .await
            .expect(201)
            .id();
        let pending = app.get(&admin, &format!("/networks/{network}/invitations")).await.expect(200);
        assert!(pending.body["items"].as_array().unwrap().iter().any(|i| i["id"] == invitation.as_str()));
        app.delete(&facilitator, &format!("/networks/{network}/invitations/{invitation}")).await.expect(403);
        app.delete(&admin, &format!("/networks/{network}/invitations/{invitation}")).await.expect(204);
        app.delete(&admin, &format!("/networks/{network}/invitations/{invitation}")).await.expect(404);
        let token = app.wait_for_invitation_token(&other.email).await;
        app.post(&other, &format!("/invitations/{token}/accept"), json!({})).await.expect(404);
    }
}

backend_test! {
    async fn a_listed_sub_network_does_not_reveal_its_private_parent(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, private) = app.admin_with_network("Private PLN").await;
        let listed_child = app
            .post(&admin, "/networks", json!({"name": "Open circle", "visibility": "listed", "parent_id": private}))
            .await
            .expect(201)
            .id();
        assert_eq!(app.get(&admin, &format!("/networks/{listed_child}")).await.body["parent_id"], private.as_str());
        let outsider = app.register("Otto Outsider").await;
        let seen = app.get(&outsider, &format!("/networks/{listed_child}")).await.expect(200);
        assert!(seen.body["parent_id"].is_null());
        let listed = app.get(&outsider, "/networks").await.expect(200);
        assert!(listed.body["items"][0]["parent_id"].is_null());
    }
}

backend_test! {
    /// A network's last facilitator cannot step down or leave (it would have no one to run
    /// it), and says why; an instance admin still can, for themselves or for them.
    async fn the_last_facilitator_stays_unless_an_instance_admin_decides(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let fay = app.add_member(&admin, &network, "Fay Facilitator", "facilitator").await;
        let mo = app.add_member(&admin, &network, "Mo Member", "member").await;
        // The admin leaves: Fay is the network's only facilitator now.
        app.delete(&admin, &format!("/networks/{network}/members/{}", admin.id)).await.expect(204);
        let fay_path = format!("/networks/{network}/members/{}", fay.id);

        for refused in [
            app.patch(&fay, &fay_path, json!({"role": "member"})).await,
            app.delete(&fay, &fay_path).await,
        ] {
            let refused = refused.expect(409);
            assert_eq!(refused.body["type"], "https://staffroom.dev/problems/conflict");
            let detail = refused.body["detail"].as_str().unwrap();
            assert!(detail.contains("You are the last facilitator of this network") && detail.contains("make someone else a facilitator first"), "{detail}");
        }
        assert_eq!(app.get(&fay, &format!("/networks/{network}")).await.expect(200).body["role"], "facilitator");

        // With a second facilitator, either may step down or leave.
        app.patch(&fay, &format!("/networks/{network}/members/{}", mo.id), json!({"role": "facilitator"})).await.expect(200);
        app.patch(&fay, &fay_path, json!({"role": "member"})).await.expect(200);
        let mo_path = format!("/networks/{network}/members/{}", mo.id);
        app.delete(&mo, &mo_path).await.expect(409);

        // An instance admin may demote or remove the last facilitator all the same.
        app.patch(&admin, &mo_path, json!({"role": "member"})).await.expect(200);
        let members = app.get(&fay, &format!("/networks/{network}/members")).await.expect(200);
        assert!(members.body["items"].as_array().unwrap().iter().all(|m| m["role"] == "member"), "{}", members.text);
        app.patch(&admin, &mo_path, json!({"role": "facilitator"})).await.expect(200);
        app.delete(&admin, &mo_path).await.expect(204);
        app.get(&mo, &format!("/networks/{network}")).await.expect(404);
    }
}

backend_test! {
    /// Two facilitators demoting each other at the same moment: one wins, the other is told
    /// they are the last, and the network never ends up with none (their transactions take
    /// turns on the network's row lock).
    async fn two_facilitators_demoting_each_other_at_once_leave_one(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let ann = app.add_member(&admin, &network, "Ann Able", "facilitator").await;
        let bo = app.add_member(&admin, &network, "Bo Baker", "facilitator").await;
        app.delete(&admin, &format!("/networks/{network}/members/{}", admin.id)).await.expect(204);
        let ann_path = format!("/networks/{network}/members/{}", ann.id);
        let bo_path = format!("/networks/{network}/members/{}", bo.id);
        for round in 0..8 {
            let (first, second) = tokio::join!(
                app.patch(&ann, &bo_path, json!({"role": "member"})),
                app.patch(&bo, &ann_path, json!({"role": "member"})),
            );
            let mut statuses = [first.status.as_u16(), second.status.as_u16()];
            statuses.sort_unstable();
            // The loser is either the last facilitator now (409) or no longer one (403).
            assert!(statuses == [200, 403] || statuses == [200, 409], "round {round}: {statuses:?} {} {}", first.text, second.text);
            let members = app.get(&admin, &format!("/networks/{network}/members")).await.expect(200);
            let facilitators = members.body["items"].as_array().unwrap().iter().filter(|m| m["role"] == "facilitator").count();
            assert_eq!(facilitators, 1, "round {round}: {}", members.text);
            // Both facilitators again for the next round.
            app.patch(&admin, &ann_path, json!({"role": "facilitator"})).await.expect(200);
            app.patch(&admin, &bo_path, json!({"role": "facilitator"})).await.expect(200);
        }
    }
}
