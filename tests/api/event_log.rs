//! The durable event log: every visible write appends an event in its own transaction, and
//! a consumer that reads "everything after the last id I saw" never misses one, even with
//! many concurrent writers on two server instances.

use crate::backend_test;
use crate::helpers::*;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use staffroom::entities::events;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

backend_test! {
    async fn every_visible_write_appends_one_event_in_order(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let member = app.add_member(&admin, &network, "Mo Member", "member").await;
        let thread = app.create_thread(&member, &network, "Question").await;
        let thread_id = thread["id"].as_str().unwrap();
        let reply = app.reply(&admin, thread_id, "Answer").await;
        app.put(&member, &format!("/posts/{}/reactions/thanks", reply["id"].as_str().unwrap()), None).await.expect(200);
        app.patch(&admin, &format!("/threads/{thread_id}"), json!({"pinned": true})).await.expect(200);
        app.delete(&admin, &format!("/posts/{}", reply["id"].as_str().unwrap())).await.expect(204);
        // Refused writes leave no trace.
        app.post(&member, &format!("/threads/{thread_id}/posts"), json!({"body": ""})).await.expect(422);

        let log = app.events().await;
        // Notifications (invitation, reply in a watched thread) are checked in notifications.rs.
        let log: Vec<_> = log.into_iter().filter(|(_, kind, _, _)| kind != "notification.created").collect();
        let kinds: Vec<&str> = log.iter().map(|(_, kind, _, _)| kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["network.created", "member.joined", "thread.created", "post.created", "reaction.changed", "thread.updated", "post.deleted"]
        );
        assert!(log.windows(2).all(|pair| pair[0].0 < pair[1].0), "ids increase");
        let (_, _, topic, payload) = &log[3];
        assert_eq!(topic, &format!("thread:{thread_id}"));
        // The reply was deleted since: its earlier event now carries the tombstone, as the
        // API shows it.
        assert_eq!(payload["body"], "");
        assert_eq!(payload["deleted"], true);
        assert_eq!(payload["network_id"], network.as_str());
        // A new thread's event belongs to the thread (subscribers of its network get it too).
        assert_eq!(log[2].2, format!("thread:{thread_id}"));
    }
}

backend_test! {
    async fn a_tailing_consumer_sees_every_event_exactly_once_under_concurrent_writers(backend: Backend) {
        let first = Arc::new(TestApp::spawn(&backend).await);
        // Several instances share one database in production, which means PostgreSQL.
        let second = match backend {
            Backend::Postgres(_) => Arc::new(TestApp::spawn_on(first.database.clone(), |_| {}).await),
            Backend::Sqlite => first.clone(),
        };
        let (admin, network) = first.admin_with_network("Attendance PLN").await;
        // One thread per writer: replies to one thread serialize on its row, which would hide
        // an ordering bug in the log itself.
        let mut threads = Vec::new();
        for writer in 0..8 {
            threads.push(first.create_thread(&admin, &network, &format!("Thread {writer}")).await["id"].as_str().unwrap().to_owned());
        }

        // The consumer reads with its own connection, the way a live-update hub would.
        let url = first.state.config.database_url();
        let consumer_db = Database::connect(url).await.unwrap();
        let writers_done = Arc::new(AtomicBool::new(false));
        let consumer = {
            let writers_done = writers_done.clone();
            tokio::spawn(async move {
                let mut seen: Vec<i64> = Vec::new();
                let mut last = 0;
                loop {
                    let done = writers_done.load(Ordering::SeqCst);
                    let batch = events::Entity::find()
                        .filter(events::Column::Id.gt(last))
                        .order_by_asc(events::Column::Id)
                        .all(&consumer_db)
                        .await
                        .unwrap();
                    for event in &batch {
                        seen.push(event.id);
                        last = event.id;
                    }
                    if done && batch.is_empty() {
                        return seen;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
            })
        };

        let mut writers = tokio::task::JoinSet::new();
        for (writer, thread) in threads.iter().cloned().enumerate() {
            let app = if writer % 2 == 0 { first.clone() } else { second.clone() };
            let admin = admin.clone();
            writers.spawn(async move {
                for n in 0..12 {
                    app.reply(&admin, &thread, &format!("writer {writer} post {n}")).await;
                }
            });
        }
        while let Some(result) = writers.join_next().await {
            result.expect("writer finished");
        }
        writers_done.store(true, Ordering::SeqCst);
        let seen = consumer.await.unwrap();

        let all: Vec<i64> = first.events().await.into_iter().map(|(id, _, _, _)| id).collect();
        assert_eq!(all.len(), 1 + 8 + 8 * 12, "network.created, thread.created ×8 and one event per reply");
        assert_eq!(seen, all, "the consumer saw every event once, in id order");
        let posts = first.get(&admin, &format!("/threads/{}/posts?limit=100", threads[0])).await.expect(200);
        let numbers: Vec<i64> = posts.body["items"].as_array().unwrap().iter().map(|p| p["post_number"].as_i64().unwrap()).collect();
        assert_eq!(numbers, (1..=13).collect::<Vec<_>>(), "post numbers are unique and dense");
    }
}

backend_test! {
    async fn editing_the_opening_post_while_others_reply_never_deadlocks(backend: Backend) {
        // An edit that adds a mention notifies (and so writes an event) and then updates the
        // thread row; a reply locks the thread row first and writes its events after. If
        // events were appended where they are produced, the edit would hold the event-log
        // lock while waiting for the thread row a reply holds while waiting for that lock:
        // PostgreSQL's deadlock detector would abort one of them (40P01) and the client
        // would get a 500.
        let app = Arc::new(TestApp::spawn(&backend).await);
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let mut mentionable = Vec::new();
        for n in 0..6 {
            mentionable.push(app.add_member(&admin, &network, &format!("Peer {n}"), "member").await);
        }
        let thread = app.create_thread(&admin, &network, "Chronic absence plan").await;
        let thread_id = thread["id"].as_str().unwrap().to_owned();

        let mut writers = tokio::task::JoinSet::new();
        for who in &mentionable[..4] {
            let (app, who, thread_id) = (app.clone(), who.clone(), thread_id.clone());
            writers.spawn(async move {
                let mut statuses = Vec::new();
                for n in 0..8 {
                    let reply = app.post(&who, &format!("/threads/{thread_id}/posts"), json!({"body": format!("reply {n}")})).await;
                    statuses.push(reply.status.as_u16());
                }
                statuses
            });
        }
        {
            let (app, admin, thread_id) = (app.clone(), admin.clone(), thread_id.clone());
            let handles: Vec<String> = mentionable.iter().map(|m| m.handle.clone()).collect();
            writers.spawn(async move {
                let mut statuses = Vec::new();
                for n in 0..handles.len() {
                    // Each edit mentions one more member than the last.
                    let mentions: Vec<String> = handles[..=n].iter().map(|h| format!("@{h}")).collect();
                    let body = format!("Updated plan, with {}", mentions.join(" "));
                    let edit = app.patch(&admin, &format!("/threads/{thread_id}"), json!({"body": body})).await;
                    statuses.push(edit.status.as_u16());
                }
                statuses
            });
        }
        let mut statuses = Vec::new();
        while let Some(result) = writers.join_next().await {
            statuses.extend(result.expect("writer finished"));
        }
        assert_eq!(statuses.len(), 4 * 8 + 6);
        assert!(statuses.iter().all(|s| *s == 200 || *s == 201), "every write succeeded: {statuses:?}");
        let posts = app.get(&admin, &format!("/threads/{thread_id}/posts?limit=100")).await.expect(200);
        assert_eq!(posts.body["items"].as_array().unwrap().len(), 1 + 4 * 8);
        let notifications = app.get(&mentionable[5], "/notifications").await.expect(200);
        assert!(
            notifications.body["items"].as_array().unwrap().iter().any(|n| n["kind"] == "mentioned"),
            "the last mention was delivered"
        );
    }
}
