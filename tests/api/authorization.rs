//! Who may do what: every endpoint of networks, threads and posts, tried by an outsider, a
//! member, a facilitator and an instance admin who is not a member. Outsiders get 404 on
//! every path (a private network does not exist for them).

use crate::backend_test;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

struct Fixture {
    network: String,
    thread: String,
    /// A post by the member.
    member_post: String,
    /// A post by the facilitator.
    facilitator_post: String,
    /// A help request asked by the member, and a response to it by the facilitator.
    help_request: String,
    help_response: String,
    /// A convening and an action item owned by the member.
    convening: String,
    action_item: String,
    /// A resource shared by the member, one shared by the facilitator.
    member_resource: String,
    facilitator_resource: String,
    member: Account,
    facilitator: Account,
}

const ROLES: [&str; 4] = ["outsider", "member", "facilitator", "admin"];

/// What a row needs created afresh before each role's attempt (for destructive requests).
#[derive(Clone, Copy)]
enum Fresh {
    Nothing,
    /// A thread started by the member: `{fresh}`.
    MemberThread,
    /// A reply by the facilitator: `{fresh}`.
    FacilitatorPost,
    /// Another member of the network: `{fresh}`.
    Member,
    /// A resource shared by the member: `{fresh}`.
    MemberResource,
}

struct Row {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    fresh: Fresh,
    /// Expected status for outsider, member, facilitator, admin.
    expected: [u16; 4],
}

fn row(method: Method, path: &'static str, body: Option<Value>, expected: [u16; 4]) -> Row {
    Row {
        method,
        path,
        body,
        fresh: Fresh::Nothing,
        expected,
    }
}

fn rows() -> Vec<Row> {
    use Method as M;
    vec![
        row(M::GET, "/networks/{network}", None, [404, 200, 200, 200]),
        row(
            M::PATCH,
            "/networks/{network}",
            Some(json!({"description": "Updated"})),
            [404, 403, 200, 200],
        ),
        row(
            M::GET,
            "/networks/{network}/members",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::GET,
            "/networks/{network}/members?expertise=attendance",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::PATCH,
            "/networks/{network}/members/{member}",
            Some(json!({"role": "member"})),
            [404, 403, 200, 200],
        ),
        Row {
            method: M::DELETE,
            path: "/networks/{network}/members/{fresh}",
            body: None,
            fresh: Fresh::Member,
            expected: [404, 403, 204, 204],
        },
        row(
            M::POST,
            "/networks/{network}/invitations",
            Some(json!({"email": "{unique}@example.org"})),
            [404, 403, 201, 201],
        ),
        row(
            M::GET,
            "/networks/{network}/invitations",
            None,
            [404, 403, 200, 200],
        ),
        row(
            M::POST,
            "/networks/{network}/join",
            Some(json!({})),
            [404, 200, 200, 403],
        ),
        row(
            M::PUT,
            "/networks/{network}/notification-level",
            Some(json!({"level": "tracking"})),
            [404, 200, 200, 403],
        ),
        row(
            M::POST,
            "/networks",
            Some(json!({"name": "Sub", "visibility": "private", "parent_id": "{network}"})),
            [404, 403, 201, 201],
        ),
        row(
            M::GET,
            "/networks/{network}/threads",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::POST,
            "/networks/{network}/threads",
            Some(json!({"title": "T", "body": "B"})),
            [404, 201, 201, 201],
        ),
        row(M::GET, "/threads/{thread}", None, [404, 200, 200, 200]),
        row(
            M::PATCH,
            "/threads/{thread}",
            Some(json!({"title": "Renamed"})),
            [404, 200, 200, 200],
        ),
        row(
            M::PATCH,
            "/threads/{thread}",
            Some(json!({"pinned": true})),
            [404, 403, 200, 200],
        ),
        row(
            M::PATCH,
            "/threads/{thread}",
            Some(json!({"locked": false})),
            [404, 403, 200, 200],
        ),
        Row {
            method: M::DELETE,
            path: "/threads/{fresh}",
            body: None,
            fresh: Fresh::MemberThread,
            expected: [404, 204, 204, 204],
        },
        row(
            M::GET,
            "/threads/{thread}/posts",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::POST,
            "/threads/{thread}/posts",
            Some(json!({"body": "Reply"})),
            [404, 201, 201, 201],
        ),
        row(
            M::PATCH,
            "/posts/{member_post}",
            Some(json!({"body": "Edited"})),
            [404, 200, 200, 200],
        ),
        row(
            M::PATCH,
            "/posts/{facilitator_post}",
            Some(json!({"body": "Edited"})),
            [404, 403, 200, 200],
        ),
        Row {
            method: M::DELETE,
            path: "/posts/{fresh}",
            body: None,
            fresh: Fresh::FacilitatorPost,
            expected: [404, 403, 204, 204],
        },
        row(
            M::PUT,
            "/posts/{facilitator_post}/reactions/helpful",
            None,
            [404, 200, 403, 200],
        ),
        row(
            M::DELETE,
            "/posts/{facilitator_post}/reactions/helpful",
            None,
            [404, 200, 403, 200],
        ),
        row(
            M::PUT,
            "/threads/{thread}/follow",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::DELETE,
            "/threads/{thread}/follow",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::PUT,
            "/threads/{thread}/notification-level",
            Some(json!({"level": "tracking"})),
            [404, 200, 200, 200],
        ),
        row(
            M::POST,
            "/threads/{thread}/read",
            Some(json!({"last_read_post_id": "{member_post}"})),
            [404, 200, 200, 200],
        ),
        row(M::GET, "/members/{member}", None, [404, 200, 200, 200]),
        row(
            M::GET,
            "/networks/{network}/help-requests",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::GET,
            "/networks/{network}/help-requests?unanswered_for_days=0",
            None,
            [404, 403, 200, 200],
        ),
        row(
            M::POST,
            "/networks/{network}/help-requests",
            Some(json!({"title": "Help?", "body": "Please"})),
            [404, 201, 201, 201],
        ),
        row(
            M::GET,
            "/help-requests/{help_request}",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::PATCH,
            "/help-requests/{help_request}",
            Some(json!({"urgency": "high"})),
            [404, 200, 200, 200],
        ),
        row(
            M::GET,
            "/help-requests/{help_request}/responses",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::POST,
            "/help-requests/{help_request}/responses",
            Some(json!({"body": "Try this"})),
            [404, 403, 201, 201],
        ),
        row(
            M::PUT,
            "/help-requests/{help_request}/offer",
            None,
            [404, 403, 200, 200],
        ),
        row(
            M::DELETE,
            "/help-requests/{help_request}/offer",
            None,
            [404, 403, 200, 200],
        ),
        row(
            M::POST,
            "/help-requests/{help_request}/accept",
            Some(json!({"response_id": "{help_response}"})),
            // The facilitator wrote that response: nobody accepts their own answer.
            [404, 200, 403, 200],
        ),
        row(
            M::GET,
            "/networks/{network}/resources",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::GET,
            "/networks/{network}/resources?sort=helpful&subject=math",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::POST,
            "/networks/{network}/resources",
            Some(json!({"kind": "link", "title": "L", "url": "https://example.org"})),
            [404, 201, 201, 201],
        ),
        row(
            M::GET,
            "/resources/{member_resource}",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::PATCH,
            "/resources/{member_resource}",
            Some(json!({"title": "Renamed"})),
            [404, 200, 200, 200],
        ),
        row(
            M::PATCH,
            "/resources/{facilitator_resource}",
            Some(json!({"title": "Renamed"})),
            [404, 403, 200, 200],
        ),
        row(
            M::GET,
            "/resources/{facilitator_resource}/download",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::GET,
            "/resources/{facilitator_resource}/download?version=1",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::POST,
            "/resources/{facilitator_resource}/versions",
            Some(json!({})),
            [404, 403, 415, 415],
        ),
        row(
            M::PUT,
            "/resources/{facilitator_resource}/helpful",
            None,
            [404, 200, 403, 200],
        ),
        row(
            M::DELETE,
            "/resources/{facilitator_resource}/helpful",
            None,
            [404, 200, 403, 200],
        ),
        Row {
            method: M::DELETE,
            path: "/resources/{fresh}",
            body: None,
            fresh: Fresh::MemberResource,
            expected: [404, 204, 204, 204],
        },
        row(
            M::GET,
            "/networks/{network}/convenings",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::GET,
            "/networks/{network}/convenings?upcoming=true",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::POST,
            "/networks/{network}/convenings",
            Some(
                json!({"title": "C", "starts_at": "2027-01-01T10:00:00Z", "ends_at": "2027-01-01T11:00:00Z"}),
            ),
            [404, 403, 201, 201],
        ),
        row(
            M::GET,
            "/convenings/{convening}",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::PATCH,
            "/convenings/{convening}",
            Some(json!({"notes": "Notes"})),
            [404, 403, 200, 200],
        ),
        row(
            M::GET,
            "/convenings/{convening}/calendar.ics",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::GET,
            "/convenings/{convening}/action-items",
            None,
            [404, 200, 200, 200],
        ),
        row(
            M::POST,
            "/convenings/{convening}/action-items",
            Some(json!({"title": "Do it"})),
            [404, 201, 201, 201],
        ),
        row(
            M::PATCH,
            "/action-items/{action_item}",
            Some(json!({"status": "done"})),
            [404, 200, 200, 200],
        ),
    ]
}

fn fill(template: &str, fixture: &Fixture, fresh: &str) -> String {
    template
        .replace("{network}", &fixture.network)
        .replace("{thread}", &fixture.thread)
        .replace("{member_post}", &fixture.member_post)
        .replace("{facilitator_post}", &fixture.facilitator_post)
        .replace("{member}", &fixture.member.id)
        .replace("{help_request}", &fixture.help_request)
        .replace("{help_response}", &fixture.help_response)
        .replace("{convening}", &fixture.convening)
        .replace("{member_resource}", &fixture.member_resource)
        .replace("{facilitator_resource}", &fixture.facilitator_resource)
        .replace("{action_item}", &fixture.action_item)
        .replace("{fresh}", fresh)
        .replace("{unique}", &unique("invitee"))
}

async fn make_fresh(app: &TestApp, fixture: &Fixture, fresh: Fresh) -> String {
    match fresh {
        Fresh::Nothing => String::new(),
        Fresh::MemberThread => app
            .create_thread(&fixture.member, &fixture.network, "Disposable")
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        Fresh::FacilitatorPost => app
            .reply(&fixture.facilitator, &fixture.thread, "Disposable reply")
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        Fresh::MemberResource => app
            .post(
                &fixture.member,
                &format!("/networks/{}/resources", fixture.network),
                json!({"kind": "tool", "title": "Disposable"}),
            )
            .await
            .expect(201)
            .id(),
        Fresh::Member => {
            app.add_member(
                &fixture.facilitator,
                &fixture.network,
                "Disposable Member",
                "member",
            )
            .await
            .id
        }
    }
}

backend_test! {
    async fn every_endpoint_enforces_roles_and_hides_private_networks(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let (admin, network) = app.admin_with_network("Private PLN").await;
        let facilitator = app.add_member(&admin, &network, "Fay Facilitator", "facilitator").await;
        let member = app.add_member(&facilitator, &network, "Mo Member", "member").await;
        let outsider = app.register("Otto Outsider").await;
        // The admin leaves: from now on they act through instance-admin rights alone.
        app.delete(&admin, &format!("/networks/{network}/members/{}", admin.id)).await.expect(204);

        let thread = app.create_thread(&member, &network, "Problem of practice").await;
        let help_request = app
            .post(&member, &format!("/networks/{network}/help-requests"), json!({"title": "Need a script", "body": "Anyone?"}))
            .await
            .expect(201)
            .id();
        let help_response = app
            .post(&facilitator, &format!("/help-requests/{help_request}/responses"), json!({"body": "Here is ours"}))
            .await
            .expect(201)
            .id();
        let convening = app
            .post(&facilitator, &format!("/networks/{network}/convenings"), json!({"title": "Fall", "starts_at": "2026-10-01T14:00:00Z", "ends_at": "2026-10-01T17:00:00Z"}))
            .await
            .expect(201)
            .id();
        let action_item = app
            .post(&facilitator, &format!("/convenings/{convening}/action-items"), json!({"title": "Share the script", "owner_id": member.id}))
            .await
            .expect(201)
            .id();
        let member_resource = app
            .post(&member, &format!("/networks/{network}/resources"), json!({"kind": "link", "title": "Toolkit", "url": "https://example.org/toolkit"}))
            .await
            .expect(201)
            .id();
        let facilitator_resource = {
            let form = reqwest::multipart::Form::new()
                .text("kind", "file")
                .text("title", "Call script")
                .part("file", reqwest::multipart::Part::bytes(b"We missed your child today.".to_vec()).file_name("script.txt"));
            let response = app.client.post(app.url(&format!("/networks/{network}/resources"))).bearer_auth(&facilitator.access_token).multipart(form).send().await.unwrap();
            assert_eq!(response.status(), 201);
            response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
        };
        let fixture = Fixture {
            member_resource,
            facilitator_resource,
            convening,
            action_item,
            help_request,
            help_response,
            network: network.clone(),
            thread: thread["id"].as_str().unwrap().to_owned(),
            member_post: thread["first_post_id"].as_str().unwrap().to_owned(),
            facilitator_post: app.reply(&facilitator, thread["id"].as_str().unwrap(), "Facilitator reply").await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            member,
            facilitator,
        };
        let accounts = [&outsider, &fixture.member, &fixture.facilitator, &admin];

        let mut failures = Vec::new();
        for row in rows() {
            for (index, account) in accounts.iter().enumerate() {
                let fresh = make_fresh(&app, &fixture, row.fresh).await;
                let path = fill(row.path, &fixture, &fresh);
                let body = row.body.as_ref().map(|b| serde_json::from_str(&fill(&b.to_string(), &fixture, &fresh)).unwrap());
                let reply = app.request(row.method.clone(), &path, Some(&account.access_token), body).await;
                if reply.status.as_u16() != row.expected[index] {
                    failures.push(format!(
                        "{} {} as {}: expected {}, got {} ({})",
                        row.method, row.path, ROLES[index], row.expected[index], reply.status, reply.text
                    ));
                }
                if reply.status == 404 {
                    assert!(reply.content_type().starts_with("application/problem+json"));
                }
            }
        }
        assert!(failures.is_empty(), "authorization mismatches:\n{}", failures.join("\n"));
    }
}

backend_test! {
    async fn every_endpoint_requires_a_token(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        for (method, path) in [
            (Method::GET, "/me"),
            (Method::PATCH, "/me"),
            (Method::GET, "/me/export"),
            (Method::GET, "/members/1"),
            (Method::GET, "/networks"),
            (Method::POST, "/networks"),
            (Method::GET, "/networks/1"),
            (Method::GET, "/networks/1/members"),
            (Method::POST, "/networks/1/invitations"),
            (Method::POST, "/networks/1/join"),
            (Method::GET, "/networks/1/threads"),
            (Method::GET, "/threads/1"),
            (Method::GET, "/threads/1/posts"),
            (Method::PATCH, "/posts/1"),
            (Method::PUT, "/posts/1/reactions/helpful"),
            (Method::PUT, "/threads/1/follow"),
            (Method::POST, "/threads/1/read"),
            (Method::GET, "/networks/1/help-requests"),
            (Method::GET, "/help-requests/1"),
            (Method::POST, "/help-requests/1/responses"),
            (Method::POST, "/help-requests/1/accept"),
            (Method::PUT, "/help-requests/1/offer"),
            (Method::GET, "/networks/1/resources"),
            (Method::GET, "/resources/1"),
            (Method::GET, "/resources/1/download"),
            (Method::PUT, "/resources/1/helpful"),
            (Method::GET, "/networks/1/convenings"),
            (Method::GET, "/convenings/1"),
            (Method::GET, "/convenings/1/calendar.ics"),
            (Method::POST, "/convenings/1/action-items"),
            (Method::PATCH, "/action-items/1"),
        ] {
            let reply = app.request(method.clone(), path, None, Some(json!({}))).await;
            assert_eq!(reply.status, 401, "{method} {path} without a token: {}", reply.text);
        }
    }
}

backend_test! {
    async fn ids_that_name_nothing_are_not_found(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let admin = app.register("Ada Admin").await;
        for path in ["/networks/999", "/networks/abc", "/threads/0", "/threads/-1/posts", "/members/99999999999999999999", "/no/such/route"] {
            let reply = app.get(&admin, path).await.expect(404);
            assert_eq!(reply.body["status"], 404, "{path}");
        }
    }
}

backend_test! {
    async fn unsupported_methods_get_a_problem_document(backend: Backend) {
        let app = TestApp::spawn(&backend).await;
        let admin = app.register("Ada Admin").await;
        let reply = app.request(Method::DELETE, "/networks", Some(&admin.access_token), None).await.expect(405);
        assert!(reply.content_type().starts_with("application/problem+json"));
        assert_eq!(reply.body["status"], 405);
    }
}
