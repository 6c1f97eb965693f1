//! Download and calendar links the API hands out work in a browser or calendar app without
//! a Bearer header, for their member only, for one thing only, and only while that member
//! may still see it.

use crate::backend_test;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

/// Follows a link as a browser does: no Authorization header.
async fn follow(app: &TestApp, link: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(format!("{}{link}", app.address))
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap_or_default())
}

backend_test! {
    async fn a_download_link_works_without_a_header_for_its_member_only_while_they_may_see_it(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Links").await;
        let member = app.add_member(&admin, &network, "Rita Reader", "member").await;
        let csv = b"week,absences\n1,12\n".to_vec();
        let resource = &app.share_file(&admin, &network, "Absence tracker", "absences.csv", csv.clone()).await;
        let other_id = &app.share_file(&admin, &network, "Other tracker", "other.csv", csv).await;

        let view = app.get(&member, &format!("/resources/{resource}")).await.expect(200);
        let link = view.body["versions"][0]["download_url"].as_str().unwrap().to_owned();
        assert!(link.starts_with(&format!("/api/v1/resources/{resource}/download?version=1&token=")), "{link}");
        let (status, body) = follow(&app, &link).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "week,absences\n1,12\n");
        // The listing hands out working links too.
        let listed = app.get(&member, &format!("/networks/{network}/resources")).await.expect(200);
        let listed_link = listed.body["items"].as_array().unwrap().iter()
            .find(|r| r["id"] == resource.as_str()).unwrap()["versions"][0]["download_url"].as_str().unwrap().to_owned();
        assert_eq!(follow(&app, &listed_link).await.0, StatusCode::OK);

        // One resource only; no token, a tampered one or an access token: refused.
        let token = link.split("token=").nth(1).unwrap();
        let (status, _) = follow(&app, &format!("/api/v1/resources/{other_id}/download?token={token}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(follow(&app, &format!("/api/v1/resources/{resource}/download")).await.0, StatusCode::UNAUTHORIZED);
        let tampered = format!("{link}x");
        assert_eq!(follow(&app, &tampered).await.0, StatusCode::UNAUTHORIZED);
        let with_access_token = format!("/api/v1/resources/{resource}/download?token={}", member.access_token);
        assert_eq!(follow(&app, &with_access_token).await.0, StatusCode::UNAUTHORIZED);

        // Removed a moment ago: the link they kept opens nothing.
        app.delete(&admin, &format!("/networks/{network}/members/{}", member.id)).await.expect(204);
        assert_eq!(follow(&app, &link).await.0, StatusCode::NOT_FOUND);
        // The counter counted the member's two downloads, nothing refused.
        let counted = app.get(&admin, &format!("/resources/{resource}")).await.expect(200);
        assert_eq!(counted.body["download_count"], 2);
    }
}

backend_test! {
    async fn a_calendar_link_works_without_a_header_for_its_member_only_while_they_may_see_it(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Calendars").await;
        let member = app.add_member(&admin, &network, "Cal Colleague", "member").await;
        let outsider = app.register("Olive Outsider").await;
        let convening = app
            .post(&admin, &format!("/networks/{network}/convenings"), json!({
                "title": "Spring convening", "starts_at": "2027-03-04T09:00:00-06:00", "ends_at": "2027-03-04T15:30:00-06:00"
            }))
            .await
            .expect(201);
        let id = convening.body["id"].as_str().unwrap();
        let view = app.get(&member, &format!("/convenings/{id}")).await.expect(200);
        let link = view.body["calendar_url"].as_str().unwrap().to_owned();
        assert!(link.starts_with(&format!("/api/v1/convenings/{id}/calendar.ics?token=")), "{link}");
        let (status, body) = follow(&app, &link).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("BEGIN:VCALENDAR") && body.contains("SUMMARY:Spring convening"), "{body}");

        // A member's token opens nothing for someone else's id, nor without a token.
        assert_eq!(follow(&app, &format!("/api/v1/convenings/{id}/calendar.ics")).await.0, StatusCode::UNAUTHORIZED);
        let outsider_view = app.get(&outsider, &format!("/convenings/{id}")).await;
        assert_eq!(outsider_view.status.as_u16(), 404);

        app.delete(&admin, &format!("/networks/{network}/members/{}", member.id)).await.expect(204);
        assert_eq!(follow(&app, &link).await.0, StatusCode::NOT_FOUND);
    }
}
