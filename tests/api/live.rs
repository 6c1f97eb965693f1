//! Live updates over the WebSocket endpoint, driven by a real client (tokio-tungstenite).

use crate::backend_test;
use crate::helpers::*;
use crate::live_client::LiveClient;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

backend_test! {
    async fn connections_need_a_valid_token(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let admin = app.register("Ada Admin").await;
        match LiveClient::connect(&app, Some("not-a-token")).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
            other => panic!("expected a 401 handshake, got {:?}", other.map(|_| ())),
        }
        // Without a query token, the first message must authenticate.
        let mut client = LiveClient::connect(&app, None).await.unwrap();
        client.send(json!({"type": "subscribe", "topics": ["me"]})).await;
        assert_eq!(client.expect("error").await["code"], "unauthorized");
        let ended = client.ended(Duration::from_secs(5)).await;
        assert_eq!(ended.code, Some(CloseCode::from(4401)));

        let mut client = LiveClient::connect(&app, None).await.unwrap();
        client.send(json!({"type": "auth", "access_token": admin.access_token})).await;
        assert_eq!(client.expect("authenticated").await["member_id"], admin.id.as_str());
        client.send(json!({"type": "ping"})).await;
        client.expect("pong").await;
        client.send(json!({"type": "shout"})).await;
        assert_eq!(client.expect("error").await["code"], "bad_message");
    }
}

/// How the server refused a WebSocket handshake: status, content type and problem document.
async fn refused_handshake(url: &str) -> (u16, String, Value) {
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = response.body().clone().unwrap_or_default();
            (
                response.status().as_u16(),
                content_type,
                serde_json::from_slice(&body).unwrap_or(Value::Null),
            )
        }
        other => panic!(
            "expected a refused handshake at {url}, got {:?}",
            other.map(|_| ())
        ),
    }
}

backend_test! {
    async fn refused_handshakes_get_the_same_problem_documents_as_any_request(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let base = app.address.replace("http://", "ws://");

        let (status, content_type, problem) = refused_handshake(&format!("{base}/api/v1/live?access_token=not-a-token")).await;
        assert_eq!((status, content_type.as_str()), (401, "application/problem+json"));
        assert_eq!(problem["type"], "https://staffroom.dev/problems/unauthorized");
        assert_eq!(problem["detail"], "The access token is invalid or expired.");

        let (status, content_type, problem) = refused_handshake(&format!("{base}/api/v1/elsewhere")).await;
        assert_eq!((status, content_type.as_str()), (404, "application/problem+json"));
        assert_eq!(problem["type"], "https://staffroom.dev/problems/not_found");

        // Without an upgrade, the endpoint still checks the token first, and says what is missing.
        let plain = reqwest::get(format!("{}/api/v1/live?access_token=not-a-token", app.address)).await.unwrap();
        assert_eq!(plain.status().as_u16(), 401);
        let plain = reqwest::get(format!("{}/api/v1/live", app.address)).await.unwrap();
        assert_eq!(plain.status().as_u16(), 400);
    }
}

backend_test! {
    async fn sessions_end_when_their_token_expires(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.auth.access_token_ttl_secs = 2).await;
        let member = app.register("Mo Member").await;
        let mut client = LiveClient::signed_in(&app, &member).await;
        let ended = client.ended(Duration::from_secs(10)).await;
        assert_eq!(ended.code, Some(CloseCode::from(4401)));
        assert!(ended.reason.contains("expired"), "{ended:?}");
    }
}

backend_test! {
    async fn subscribers_see_new_threads_and_replies_at_once(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let reader = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let mut client = LiveClient::signed_in(&app, &reader).await;
        let subscribed = client.subscribe(&[&format!("network:{network}")], None).await;
        assert_eq!(subscribed["topics"], json!([format!("network:{network}")]));

        let thread = app.create_thread(&admin, &network, "Bright spots").await["id"].as_str().unwrap().to_owned();
        let created = client.event().await;
        assert_eq!(created["kind"], "thread.created");
        assert_eq!(created["topic"], format!("network:{network}"));
        assert_eq!(created["data"]["id"], thread.as_str());

        client.subscribe(&[&format!("thread:{thread}")], None).await;
        let reply = app.reply(&admin, &thread, "Dessau cut chronic absence by a third.").await;
        let event = client.event().await;
        assert_eq!(event["kind"], "post.created");
        assert_eq!(event["topic"], format!("thread:{thread}"), "shown under the most specific topic, once");
        assert_eq!(event["data"]["id"], reply["id"]);
        assert_eq!(event["data"]["body"], "Dessau cut chronic absence by a third.");

        client.send(json!({"type": "unsubscribe", "topics": [format!("thread:{thread}"), format!("network:{network}")]})).await;
        client.expect("unsubscribed").await;
        app.reply(&admin, &thread, "Nobody is listening").await;
        client.send(json!({"type": "ping"})).await;
        client.expect("pong").await;
    }
}

backend_test! {
    async fn outsiders_get_errors_not_events_and_removed_members_stop_receiving(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, private) = app.admin_with_network("Private PLN").await;
        let own = app.post(&admin, "/networks", json!({"name": "Open PLN", "visibility": "listed"})).await.expect(201).id();
        let member = app.add_member(&admin, &private, "Mo Member", "member").await;
        app.post(&member, &format!("/networks/{own}/join"), json!({})).await.expect(200);
        let outsider = app.register("Otto Outsider").await;
        app.post(&outsider, &format!("/networks/{own}/join"), json!({})).await.expect(200);
        let private_thread = app.create_thread(&admin, &private, "Private matters").await["id"].as_str().unwrap().to_owned();

        let mut snoop = LiveClient::signed_in(&app, &outsider).await;
        snoop.send(json!({"type": "subscribe", "topics": [format!("network:{private}"), format!("thread:{private_thread}"), "network:99999", "bogus"]})).await;
        for _ in 0..4 {
            assert_eq!(snoop.expect("error").await["code"], "forbidden_topic");
        }
        snoop.subscribe(&[&format!("network:{own}")], None).await;

        let mut insider = LiveClient::signed_in(&app, &member).await;
        insider.subscribe(&[&format!("network:{private}"), &format!("network:{own}")], None).await;

        app.reply(&admin, &private_thread, "Only for members").await;
        app.create_thread(&admin, &own, "Open to all").await;
        // The hub handles events in order: the open one arriving first proves the private
        // one was never sent.
        let first = snoop.event().await;
        assert_eq!(first["data"]["title"], "Open to all", "got {first}");
        assert_eq!(insider.event().await["kind"], "post.created");
        assert_eq!(insider.event().await["kind"], "thread.created");

        app.delete(&admin, &format!("/networks/{private}/members/{}", member.id)).await.expect(204);
        let notice = insider.expect("error").await;
        assert_eq!(notice["code"], "access_revoked");
        app.reply(&admin, &private_thread, "After the removal").await;
        app.create_thread(&admin, &own, "Still open").await;
        let next = insider.event().await;
        assert_eq!(next["data"]["title"], "Still open", "no events from a network you left: {next}");
    }
}

backend_test! {
    async fn reconnecting_replays_missed_events_without_gap_or_duplicate_while_writes_race(backend: Backend) {
        let app = std::sync::Arc::new(TestApp::spawn(&backend).await);
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let reader = app.add_member(&admin, &network, "Roxy Heiser", "member").await;
        let thread = app.create_thread(&admin, &network, "Busy").await["id"].as_str().unwrap().to_owned();
        let topic = format!("thread:{thread}");

        let mut client = LiveClient::signed_in(&app, &reader).await;
        client.subscribe(&[&topic], None).await;
        app.reply(&admin, &thread, "before the disconnect").await;
        let last_seen = client.event().await["id"].as_str().unwrap().to_owned();
        drop(client);

        // Writes go on while the client is away and while it reconnects.
        let writer = {
            let app = app.clone();
            let admin = admin.clone();
            let thread = thread.clone();
            tokio::spawn(async move {
                for n in 0..40 {
                    app.reply(&admin, &thread, &format!("reply {n}")).await;
                }
            })
        };
        eventually(Duration::from_secs(20), "some writes while away", || async {
            (app.events().await.len() > 15).then_some(())
        })
        .await;
        let mut client = LiveClient::signed_in(&app, &reader).await;
        client.subscribe(&[&topic], Some(&last_seen)).await;
        let mut received: Vec<i64> = Vec::new();
        while received.len() < 40 {
            let event = client.event().await;
            assert_eq!(event["kind"], "post.created");
            received.push(event["id"].as_str().unwrap().parse().unwrap());
        }
        writer.await.unwrap();
        let expected: Vec<i64> = app
            .events()
            .await
            .into_iter()
            .filter(|(id, kind, topic_of, _)| kind == "post.created" && *topic_of == topic && *id > last_seen.parse::<i64>().unwrap())
            .map(|(id, _, _, _)| id)
            .collect();
        assert_eq!(received, expected, "every missed and new event once, in order");
        assert_eq!(received.iter().collect::<BTreeSet<_>>().len(), received.len());
    }
}

backend_test! {
    async fn too_long_an_absence_gets_a_reset(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.live.replay_window = 3).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let thread = app.create_thread(&admin, &network, "Busy").await["id"].as_str().unwrap().to_owned();
        let since = app.events().await.last().unwrap().0.to_string();
        for n in 0..5 {
            app.reply(&admin, &thread, &format!("reply {n}")).await;
        }
        let mut client = LiveClient::signed_in(&app, &admin).await;
        client.subscribe(&[&format!("network:{network}")], Some(&since)).await;
        client.expect("reset").await;
        // Live events keep coming after a reset.
        app.reply(&admin, &thread, "after the reset").await;
        assert_eq!(client.event().await["kind"], "post.created");
    }
}

backend_test! {
    async fn notifications_are_pushed_on_the_me_topic(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let expert = app.add_member(&admin, &network, "Grace Okafor", "member").await;
        app.patch(&expert, "/me", json!({"expertise": ["home-visits"]})).await.expect(200);
        let mut client = LiveClient::signed_in(&app, &expert).await;
        client.subscribe(&["me"], None).await;
        app.post(&admin, &format!("/networks/{network}/help-requests"), json!({"title": "Home visit safety?", "body": "Tips?", "tags": ["home-visits"]}))
            .await
            .expect(201);
        let pushed = client.event().await;
        assert_eq!(pushed["topic"], "me");
        assert_eq!(pushed["kind"], "notification.created");
        assert_eq!(pushed["data"]["kind"], "expertise_requested");
    }
}

backend_test! {
    async fn stopping_the_server_closes_connections_properly(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let member = app.register("Mo Member").await;
        let mut client = LiveClient::signed_in(&app, &member).await;
        client.subscribe(&["me"], None).await;
        app.state.shutdown.trigger();
        let ended = client.ended(Duration::from_secs(10)).await;
        assert_eq!(ended.code, Some(CloseCode::Away));
    }
}

/// Two server instances on one PostgreSQL database: a write on one reaches a client of the
/// other through LISTEN/NOTIFY (polling is set too slow to be what delivers it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_clients_of_another_instance_on_postgres() {
    let Some(backend) = Backend::postgres_or_skip() else {
        return;
    };
    within_limit(two_instances(backend)).await;
}

async fn two_instances(backend: Backend) {
    let slow_polling = |c: &mut staffroom::config::Config| c.live.poll_interval_ms = 600_000;
    let writer_instance = TestApp::spawn_with(&backend, slow_polling).await;
    let reader_instance = TestApp::spawn_on(writer_instance.database.clone(), slow_polling).await;
    let (admin, network) = writer_instance.admin_with_network("Attendance PLN").await;
    let mut client = LiveClient::signed_in(&reader_instance, &admin).await;
    client
        .subscribe(&[&format!("network:{network}")], None)
        .await;

    let started = Instant::now();
    let thread = writer_instance
        .create_thread(&admin, &network, "Written elsewhere")
        .await;
    let event = client.event().await;
    assert_eq!(event["kind"], "thread.created");
    assert_eq!(event["data"]["id"], thread["id"]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "delivered by notification, not by the 10-minute poll"
    );
}

backend_test! {
    async fn a_client_that_stops_reading_is_disconnected(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| c.live.buffer = 2).await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let reader = app.add_member(&admin, &network, "Sid Slow", "member").await;
        let thread = app.create_thread(&admin, &network, "Long posts").await["id"].as_str().unwrap().to_owned();

        // A client with a tiny receive window that subscribes, then stops reading.
        let address: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(address).await.unwrap();
        let url = format!("ws://{address}/api/v1/live?access_token={}", reader.access_token);
        let (socket, _) = tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
        let mut client = LiveClient { socket };
        client.expect("authenticated").await;
        client.subscribe(&[&format!("thread:{thread}")], None).await;

        let body = "Long reflection on attendance data. ".repeat(1200);
        // Far more than socket buffers and the per-connection queues can hold.
        for _ in 0..160 {
            app.reply(&admin, &thread, &body).await;
        }
        eventually(Duration::from_secs(30), "the slow connection to be dropped", || async {
            (app.state.hub.connection_count() == 0).then_some(())
        })
        .await;
        let mut events = 0;
        let ended = loop {
            match client.next(Duration::from_secs(10)).await {
                Ok(message) if message["type"] == "event" => events += 1,
                Ok(_) => {}
                Err(ended) => break ended,
            }
        };
        assert!(events < 160, "the server stopped sending instead of buffering everything ({events} events)");
        if let Some(code) = ended.code {
            assert_eq!(code, CloseCode::Policy, "{ended:?}");
            assert!(ended.reason.contains("slow consumer"), "{ended:?}");
        }
    }
}

backend_test! {
    async fn the_watch_command_prints_events_and_resumes_from_its_last_one(backend: Backend) {
        let app = std::sync::Arc::new(TestApp::spawn(&backend).await);
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let thread = app.create_thread(&admin, &network, "Watched").await["id"].as_str().unwrap().to_owned();
        let since = app.events().await.last().unwrap().0.to_string();
        app.reply(&admin, &thread, "missed while not watching").await;
        let writer = {
            let app = app.clone();
            let admin = admin.clone();
            let thread = thread.clone();
            tokio::spawn(async move {
                app.reply(&admin, &thread, "written while watching").await;
            })
        };
        let mut output: Vec<u8> = Vec::new();
        let options = staffroom::live::watch::WatchOptions {
            server: app.address.clone(),
            access_token: admin.access_token.clone(),
            topics: vec![format!("thread:{thread}")],
            last_event_id: Some(since),
            max_events: Some(2),
        };
        tokio::time::timeout(Duration::from_secs(20), staffroom::live::watch::watch(options, &mut output))
            .await
            .expect("two events within 20 s")
            .expect("watch ran");
        writer.await.unwrap();
        let lines: Vec<Value> = String::from_utf8(output).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let bodies: Vec<&str> = lines.iter().filter(|m| m["type"] == "event").map(|m| m["data"]["body"].as_str().unwrap()).collect();
        assert_eq!(bodies, ["missed while not watching", "written while watching"]);
        assert_eq!(lines[0]["type"], "authenticated");
    }
}

backend_test! {
    async fn a_client_that_stops_reading_during_a_replay_is_dropped_within_the_send_timeout(backend: Backend) {
        let app = TestApp::spawn_with(&backend, |c| {
            c.live.send_timeout_secs = 1;
            c.live.replay_window = 5000;
        })
        .await;
        let (admin, network) = app.admin_with_network("Attendance PLN").await;
        let thread = app.create_thread(&admin, &network, "Long posts").await["id"].as_str().unwrap().to_owned();
        let since = app.events().await.last().unwrap().0.to_string();
        let body = "Long reflection on attendance data. ".repeat(1200);
        for _ in 0..120 {
            app.reply(&admin, &thread, &body).await;
        }

        // A client with a tiny receive window asks for everything it missed, then stops
        // reading: the replay, not the live queue, is what blocks.
        let address: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(address).await.unwrap();
        let url = format!("ws://{address}/api/v1/live?access_token={}", admin.access_token);
        let (socket, _) = tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
        let mut client = LiveClient { socket };
        client.expect("authenticated").await;
        client.send(json!({"type": "subscribe", "topics": [format!("thread:{thread}")], "last_event_id": since})).await;
        let started = Instant::now();
        eventually(Duration::from_secs(20), "the stalled connection to be dropped", || async {
            (app.state.hub.connection_count() == 0).then_some(())
        })
        .await;
        assert!(started.elapsed() < Duration::from_secs(15), "dropped within the timeout, not after the whole replay");
    }
}
