//! Help requests: the lifecycle, offers, expertise routing and the facilitator's view.

use crate::backend_test;
use crate::helpers::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use staffroom::entities::notifications;

backend_test! {
    async fn a_help_request_goes_from_open_to_answered_to_resolved_and_refuses_every_illegal_step(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let asker = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let helper = app.add_member(&admin, &network, "Grace Okafor", "member").await;
        let bystander = app.add_member(&admin, &network, "Sam Ortiz", "member").await;

        let request = app
            .post(&asker, &format!("/networks/{network}/help-requests"), json!({
                "title": "Script for first-absence calls in Spanish?",
                "body": "Does anyone have a **short** script?",
                "tags": ["family engagement"],
                "urgency": "high"
            }))
            .await
            .expect(201);
        assert_eq!(request.body["status"], "open");
        assert_eq!(request.body["urgency"], "high");
        assert_eq!(request.body["tags"], json!(["family-engagement"]));
        let id = request.id();
        let path = format!("/help-requests/{id}");

        let no_response = app.post(&asker, &format!("{path}/accept"), json!({"response_id": "1"})).await.expect(422);
        assert!(no_response.body["errors"]["response_id"].is_string());
        app.post(&asker, &format!("{path}/responses"), json!({"body": "Answering myself"})).await.expect(403);

        app.put(&bystander, &format!("{path}/offer"), None).await.expect(200);
        let offered = app.put(&helper, &format!("{path}/offer"), None).await.expect(200);
        assert_eq!(offered.body["offered_by_me"], true);
        assert_eq!(offered.body["offers"].as_array().unwrap().len(), 2);
        app.put(&asker, &format!("{path}/offer"), None).await.expect(403);
        let withdrawn = app.delete(&bystander, &format!("{path}/offer")).await.expect(200);
        assert_eq!(withdrawn.body["offers"].as_array().unwrap().len(), 1);

        let response = app
            .post(&helper, &format!("{path}/responses"), json!({"body": "Ours starts with *we missed your child today*."}))
            .await
            .expect(201);
        assert!(response.body["body_html"].as_str().unwrap().contains("<em>we missed your child today</em>"));
        let answered = app.get(&asker, &path).await.expect(200);
        assert_eq!(answered.body["status"], "answered");
        assert_eq!(answered.body["response_count"], 1);
        assert!(answered.body["answered_at"].is_string());
        app.post(&bystander, &format!("{path}/responses"), json!({"body": "Following"})).await.expect(201);

        app.post(&bystander, &format!("{path}/accept"), json!({"response_id": response.id()})).await.expect(403);
        app.patch(&bystander, &path, json!({"status": "closed"})).await.expect(403);
        app.patch(&asker, &path, json!({"status": "resolved"})).await.expect(422);
        app.patch(&asker, &path, json!({"status": "answered"})).await.expect(422);
        let other = app
            .post(&bystander, &format!("/networks/{network}/help-requests"), json!({"title": "Other", "body": "x"}))
            .await
            .expect(201)
            .id();
        let foreign = app.post(&helper, &format!("/help-requests/{other}/responses"), json!({"body": "there"})).await.expect(201);
        app.post(&asker, &format!("{path}/accept"), json!({"response_id": foreign.id()})).await.expect(422);

        let resolved = app.post(&asker, &format!("{path}/accept"), json!({"response_id": response.id()})).await.expect(200);
        assert_eq!(resolved.body["status"], "resolved");
        assert_eq!(resolved.body["accepted_response_id"], response.id().as_str());
        let responses = app.get(&bystander, &format!("{path}/responses")).await.expect(200);
        assert_eq!(responses.body["items"][0]["accepted"], true);
        assert_eq!(responses.body["items"][1]["accepted"], false);
        let credited = app.get(&asker, &format!("/members/{}", helper.id)).await.expect(200);
        assert_eq!(credited.body["accepted_answers"], 1);
        app.put(&bystander, &format!("{path}/offer"), None).await.expect(409);

        let refused = app.patch(&asker, &path, json!({"status": "closed"})).await.expect(409);
        assert!(refused.body["detail"].as_str().unwrap().contains("resolved"));
        let reopened = app.patch(&asker, &path, json!({"status": "open"})).await.expect(200);
        assert_eq!(reopened.body["status"], "answered", "it has responses");
        assert!(reopened.body["accepted_response_id"].is_null());
        app.patch(&asker, &path, json!({"status": "open"})).await.expect(409);
        let closed = app.patch(&admin, &path, json!({"status": "closed"})).await.expect(200);
        assert_eq!(closed.body["status"], "closed");
        app.patch(&asker, &path, json!({"status": "closed"})).await.expect(409);
        app.post(&helper, &format!("{path}/responses"), json!({"body": "Late"})).await.expect(409);
        app.post(&asker, &format!("{path}/accept"), json!({"response_id": response.id()})).await.expect(409);
        app.patch(&asker, &path, json!({"status": "open"})).await.expect(200);

                // The asker heard about the offer and the response; the helper about the acceptance.
        let kinds_for = |member: &Account, events: &[(i64, String, String, serde_json::Value)]| -> Vec<String> {
            events
                .iter()
                .filter(|(_, kind, topic, _)| kind == "notification.created" && *topic == format!("member:{}", member.id))
                .map(|(_, _, _, payload)| payload["kind"].as_str().unwrap().to_owned())
                .collect()
        };
        let log = app.events().await;
        let asker_heard = kinds_for(&asker, &log);
        assert!(asker_heard.contains(&"help_offered".to_owned()) && asker_heard.contains(&"help_responded".to_owned()), "{asker_heard:?}");
        assert!(kinds_for(&helper, &log).contains(&"answer_accepted".to_owned()));
        app.post(&admin, &format!("{path}/responses"), json!({"body": "Facilitator's own idea"})).await.expect(201);
        let own = app.get(&admin, &format!("{path}/responses")).await.expect(200);
        let own_id = own.body["items"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_owned();
        app.post(&admin, &format!("{path}/accept"), json!({"response_id": own_id})).await.expect(403);
        app.post(&helper, &format!("{path}/responses"), json!({"body": "nul \u{0} byte"})).await.expect(422);

        app.post(&asker, &format!("/networks/{network}/help-requests"), json!({"title": "", "body": "", "urgency": "urgent"}))
            .await
            .expect(422);
        app.patch(&asker, &path, json!({"urgency": "whenever"})).await.expect(422);
    }
}

backend_test! {
    async fn a_new_request_notifies_exactly_the_members_whose_expertise_matches(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let other_network = app
            .post(&admin, "/networks", json!({"name": "Math PLN", "visibility": "private"}))
            .await
            .expect(201)
            .id();
        let absence = app.add_member(&admin, &network, "Ana Lopez", "member").await;
        let math = app.add_member(&admin, &network, "Kevin Nguyen", "member").await;
        let both = app.add_member(&admin, &network, "Grace Okafor", "facilitator").await;
        let elsewhere = app.add_member(&admin, &other_network, "Tomas Rivera", "member").await;
        let asker = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        app.patch(&absence, "/me", json!({"expertise": ["chronic absence"]})).await.expect(200);
        app.patch(&math, "/me", json!({"expertise": ["math"]})).await.expect(200);
        app.patch(&both, "/me", json!({"expertise": ["ninth grade", "chronic-absence"]})).await.expect(200);
        app.patch(&elsewhere, "/me", json!({"expertise": ["chronic-absence"]})).await.expect(200);
        app.patch(&asker, "/me", json!({"expertise": ["chronic-absence"]})).await.expect(200);

        let request = app
            .post(&asker, &format!("/networks/{network}/help-requests"), json!({
                "title": "Chronic absence among 9th graders",
                "body": "Where do we start?",
                "tags": ["Chronic Absence", "ninth-grade"]
            }))
            .await
            .expect(201)
            .id();

        let rows = notifications::Entity::find()
            .filter(notifications::Column::Kind.eq("expertise_requested"))
            .order_by_asc(notifications::Column::RecipientId)
            .all(app.db())
            .await
            .unwrap();
        let recipients: Vec<String> = rows.iter().map(|n| n.recipient_id.to_string()).collect();
        let mut expected = vec![absence.id.clone(), both.id.clone()];
        expected.sort_by_key(|id| id.parse::<i64>().unwrap());
        assert_eq!(recipients, expected, "each matching member once; not the asker, not outsiders, not non-experts");
        assert!(rows.iter().all(|n| n.subject_type == "help_request" && n.subject_id.to_string() == request));

        let announced: Vec<String> = app
            .events()
            .await
            .into_iter()
                        .filter(|(_, kind, _, payload)| kind == "notification.created" && payload["kind"] == "expertise_requested")
            .map(|(_, _, topic, _)| topic)
            .collect();
        assert_eq!(announced, expected.iter().map(|id| format!("member:{id}")).collect::<Vec<_>>());
    }
}

backend_test! {
    async fn help_request_lists_filter_and_facilitators_see_what_is_still_unanswered(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let list = format!("/networks/{network}/help-requests");
        let quiet = app.post(&member, &list, json!({"title": "Quiet one", "body": "x", "tags": ["policy"], "urgency": "low"})).await.expect(201).id();
        let busy = app.post(&member, &list, json!({"title": "Busy one", "body": "x", "tags": ["incentives"]})).await.expect(201).id();
        app.post(&admin, &format!("/help-requests/{busy}/responses"), json!({"body": "Try this"})).await.expect(201);

        let ids = |reply: &Reply| -> Vec<String> {
            reply.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(ids(&app.get(&member, &list).await.expect(200)), vec![busy.clone(), quiet.clone()]);
        assert_eq!(ids(&app.get(&member, &format!("{list}?status=open")).await.expect(200)), vec![quiet.clone()]);
        assert_eq!(ids(&app.get(&member, &format!("{list}?status=answered")).await.expect(200)), vec![busy.clone()]);
        assert_eq!(ids(&app.get(&member, &format!("{list}?tag=Incentives")).await.expect(200)), vec![busy.clone()]);
        assert_eq!(ids(&app.get(&member, &format!("{list}?urgency=low")).await.expect(200)), vec![quiet.clone()]);
        let first_page = app.get(&member, &format!("{list}?limit=1")).await.expect(200);
        let cursor = first_page.body["next_cursor"].as_str().unwrap().to_owned();
        assert_eq!(ids(&app.get(&member, &format!("{list}?limit=1&cursor={cursor}")).await.expect(200)), vec![quiet.clone()]);
        app.get(&member, &format!("{list}?status=pending")).await.expect(422);
        app.get(&member, &format!("{list}?urgency=asap")).await.expect(422);

        app.get(&member, &format!("{list}?unanswered_for_days=0")).await.expect(403);
        assert_eq!(ids(&app.get(&admin, &format!("{list}?unanswered_for_days=0")).await.expect(200)), vec![quiet]);
        assert!(ids(&app.get(&admin, &format!("{list}?unanswered_for_days=1")).await.expect(200)).is_empty());
    }
}
