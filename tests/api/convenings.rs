//! Convenings: scheduling across timezones, notes, action items and calendar files.

use crate::backend_test;
use crate::helpers::*;
use chrono::{DateTime, Duration, Utc};
use icalendar::{Calendar, CalendarComponent, Component, EventLike};
use serde_json::json;

backend_test! {
    async fn convening_times_round_trip_across_timezones(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        app.patch(&admin, "/me", json!({"timezone": "America/Chicago"})).await.expect(200);

        let created = app
            .post(&admin, &format!("/networks/{network}/convenings"), json!({
                "title": "Spring convening: bright spots",
                "starts_at": "2027-03-04T09:00:00-06:00",
                "ends_at": "2027-03-04T15:30:00-06:00",
                "location": "E3 Alliance, Austin",
                "virtual_url": "https://meet.example.org/pln",
                "agenda": "1. Bright spots\n2. Stuck points"
            }))
            .await
            .expect(201);
        assert_eq!(created.body["starts_at"], "2027-03-04T15:00:00Z");
        assert_eq!(created.body["ends_at"], "2027-03-04T21:30:00Z");
        assert_eq!(created.body["timezone"], "America/Chicago", "the organizer's timezone by default");
        assert_eq!(created.body["starts_at_local"], "2027-03-04T09:00:00-06:00");
        assert!(created.body["agenda_html"].as_str().unwrap().contains("<li>Bright spots</li>"));
        let id = created.id();

        // Rescheduled from Berlin into summer time in Chicago: the same instant, shown locally.
        let moved = app
            .patch(&admin, &format!("/convenings/{id}"), json!({
                "starts_at": "2027-06-10T16:00:00+02:00",
                "ends_at": "2027-06-10T22:00:00+02:00"
            }))
            .await
            .expect(200);
        assert_eq!(moved.body["starts_at"], "2027-06-10T14:00:00Z");
        assert_eq!(moved.body["starts_at_local"], "2027-06-10T09:00:00-05:00");
        let read: DateTime<Utc> = app.get(&member, &format!("/convenings/{id}")).await.expect(200).body["starts_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(read, "2027-06-10T16:00:00+02:00".parse::<DateTime<Utc>>().unwrap());

        app.post(&member, &format!("/networks/{network}/convenings"), json!({
            "title": "Not mine to schedule", "starts_at": "2027-03-04T09:00:00Z", "ends_at": "2027-03-04T10:00:00Z"
        }))
        .await
        .expect(403);
        let invalid = app
            .post(&admin, &format!("/networks/{network}/convenings"), json!({
                "title": "Backwards", "starts_at": "2027-03-04T10:00:00Z", "ends_at": "2027-03-04T09:00:00Z",
                "timezone": "Mars/Olympus"
            }))
            .await
            .expect(422);
        assert!(invalid.body["errors"]["ends_at"].is_string() && invalid.body["errors"]["timezone"].is_string());
        app.post(&admin, &format!("/networks/{network}/convenings"), json!({
            "title": "No zone", "starts_at": "2027-03-04 09:00", "ends_at": "2027-03-04T10:00:00Z"
        }))
        .await
        .expect(422);
        app.patch(&admin, &format!("/convenings/{id}"), json!({"virtual_url": "javascript:alert(1)"})).await.expect(422);
        app.patch(&member, &format!("/convenings/{id}"), json!({"notes": "mine"})).await.expect(403);
    }
}

backend_test! {
    async fn upcoming_and_past_lists_and_notes_after_the_meeting(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let now = Utc::now();
        let schedule = |title: &str, starts: DateTime<Utc>| {
            json!({"title": title, "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(3)).to_rfc3339()})
        };
        let list = format!("/networks/{network}/convenings");
        let past = app.post(&admin, &list, schedule("Fall convening", now - Duration::days(60))).await.expect(201).id();
        let older = app.post(&admin, &list, schedule("Kickoff", now - Duration::days(120))).await.expect(201).id();
        let soon = app.post(&admin, &list, schedule("Spring convening", now + Duration::days(30))).await.expect(201).id();
        let later = app.post(&admin, &list, schedule("Summer institute", now + Duration::days(90))).await.expect(201).id();
        let ids = |reply: &Reply| -> Vec<String> {
            reply.body["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(ids(&app.get(&admin, &format!("{list}?upcoming=true")).await.expect(200)), vec![soon.clone(), later.clone()]);
        assert_eq!(ids(&app.get(&admin, &format!("{list}?upcoming=false")).await.expect(200)), vec![past.clone(), older.clone()]);
        assert_eq!(ids(&app.get(&admin, &list).await.expect(200)), vec![later, soon.clone(), past.clone(), older]);
        let first = app.get(&admin, &format!("{list}?upcoming=true&limit=1")).await.expect(200);
        let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        assert_eq!(ids(&app.get(&admin, &format!("{list}?upcoming=true&limit=1&cursor={cursor}")).await.expect(200)).len(), 1);
        app.get(&admin, &format!("{list}?upcoming=maybe")).await.expect(422);

        let noted = app
            .patch(&admin, &format!("/convenings/{past}"), json!({"notes": "We agreed to pilot **first-absence calls**."}))
            .await
            .expect(200);
        assert!(noted.body["notes_html"].as_str().unwrap().contains("<strong>first-absence calls</strong>"));
        assert_eq!(noted.body["is_past"], true);
        assert_eq!(app.get(&admin, &format!("/convenings/{soon}")).await.body["is_past"], false);
    }
}

backend_test! {
    async fn action_items_carry_the_work_forward_and_notify_their_owner(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let owner = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let peer = app.add_member(&admin, &network, "Sam Ortiz", "member").await;
        let outsider = app.register("Otto Outsider").await;
        let convening = app
            .post(&admin, &format!("/networks/{network}/convenings"), json!({
                "title": "Fall convening", "starts_at": "2026-10-01T14:00:00Z", "ends_at": "2026-10-01T17:00:00Z"
            }))
            .await
            .expect(201)
            .id();
        let items = format!("/convenings/{convening}/action-items");
        let item = app
            .post(&admin, &items, json!({"title": "Share the first-absence call script", "owner_id": owner.id, "due_on": "2026-11-15"}))
            .await
            .expect(201);
        assert_eq!(item.body["status"], "open");
        assert_eq!(item.body["due_on"], "2026-11-15");
        assert_eq!(item.body["owner"]["id"], owner.id.as_str());
        app.post(&admin, &items, json!({"title": "x", "owner_id": outsider.id})).await.expect(422);
        app.post(&admin, &items, json!({"title": "x", "due_on": "15/11/2026"})).await.expect(422);
        app.post(&peer, &items, json!({"title": "Bring attendance data by grade"})).await.expect(201);

        let assigned: Vec<String> = app
            .events()
            .await
            .into_iter()
            .filter(|(_, kind, _, payload)| kind == "notification.created" && payload["kind"] == "action_item_assigned")
            .map(|(_, _, topic, _)| topic)
            .collect();
        assert_eq!(assigned, vec![format!("member:{}", owner.id)]);

        let path = format!("/action-items/{}", item.id());
        app.patch(&peer, &path, json!({"status": "done"})).await.expect(403);
        let done = app.patch(&owner, &path, json!({"status": "done"})).await.expect(200);
        assert_eq!(done.body["status"], "done");
        assert!(done.body["completed_at"].is_string());
        let cleared = app.patch(&admin, &path, json!({"due_on": null, "status": "open"})).await.expect(200);
        assert!(cleared.body["due_on"].is_null());
        assert!(cleared.body["completed_at"].is_null());
        app.patch(&admin, &path, json!({"status": "blocked"})).await.expect(422);

        let listed = app.get(&peer, &items).await.expect(200);
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
        let convening_view = app.get(&peer, &format!("/convenings/{convening}")).await.expect(200);
        assert_eq!(convening_view.body["action_item_count"], 2);
        assert_eq!(convening_view.body["open_action_items"], 2);
    }
}

backend_test! {
    async fn the_calendar_file_parses_and_follows_changes(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let id = app
            .post(&admin, &format!("/networks/{network}/convenings"), json!({
                "title": "Spring convening; bright spots, stuck points",
                "starts_at": "2027-03-04T09:00:00-06:00",
                "ends_at": "2027-03-04T15:30:00-06:00",
                "location": "E3 Alliance, 5801 Manor Rd, Austin",
                "virtual_url": "https://meet.example.org/pln",
                "agenda": format!("A long agenda line that needs folding: {}", "données ".repeat(20))
            }))
            .await
            .expect(201)
            .id();
        let ics = app.get(&admin, &format!("/convenings/{id}/calendar.ics")).await.expect(200);
        assert!(ics.content_type().starts_with("text/calendar"));
        assert!(ics.text.lines().all(|line| line.len() <= 76), "lines are folded");
        let calendar: Calendar = ics.text.parse().expect("a valid iCalendar document");
        let event = calendar
            .components
            .iter()
            .find_map(|c| match c {
                CalendarComponent::Event(event) => Some(event.clone()),
                _ => None,
            })
            .expect("one VEVENT");
        assert_eq!(event.get_summary(), Some("Spring convening; bright spots, stuck points"));
        assert_eq!(event.get_location(), Some("E3 Alliance, 5801 Manor Rd, Austin"));
        assert!(event.get_description().unwrap().contains(&"données ".repeat(20).trim_end().to_owned()));
        assert_eq!(event.property_value("DTSTART"), Some("20270304T150000Z"));
        assert_eq!(event.property_value("DTEND"), Some("20270304T213000Z"));
        assert_eq!(event.property_value("SEQUENCE"), Some("0"));
        assert!(event.get_uid().unwrap().starts_with(&format!("convening-{id}@")));

        app.patch(&admin, &format!("/convenings/{id}"), json!({"starts_at": "2027-03-05T09:00:00-06:00", "ends_at": "2027-03-05T15:30:00-06:00"}))
            .await
            .expect(200);
        app.patch(&admin, &format!("/convenings/{id}"), json!({"cancelled": true})).await.expect(200);
        let updated: Calendar = app.get(&admin, &format!("/convenings/{id}/calendar.ics")).await.expect(200).text.parse().unwrap();
        let event = updated.components.iter().find_map(|c| match c {
            CalendarComponent::Event(event) => Some(event.clone()),
            _ => None,
        }).unwrap();
        assert_eq!(event.property_value("SEQUENCE"), Some("2"));
        assert_eq!(event.property_value("STATUS"), Some("CANCELLED"));
        assert_eq!(event.property_value("DTSTART"), Some("20270305T150000Z"));

        let outsider = app.register("Otto Outsider").await;
        app.get(&outsider, &format!("/convenings/{id}/calendar.ics")).await.expect(404);
    }
}
