#![allow(dead_code)] // Each benchmark uses part of it.

//! Data the benchmarks start from: members, a private network, threads written through the
//! services, and posts inserted in bulk (tables of 100,000 rows and more).

use sea_orm::{ActiveValue::Set, EntityTrait};
use staffroom::entities::{members, posts, threads};
use staffroom::AppState;

fn fail(err: staffroom::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{err}")
}

/// `count` members named `<prefix><n>@example.org`; the first is an instance admin.
pub async fn members(
    state: &AppState,
    prefix: &str,
    count: usize,
) -> anyhow::Result<Vec<members::Model>> {
    use staffroom::members::profile::{DisplayName, Email};
    use staffroom::members::service::{create_member, NewMember};
    let txn = staffroom::tx::Tx::begin(state.db.writer()).await?;
    let mut people = Vec::with_capacity(count);
    for n in 0..count {
        people.push(
            create_member(
                &txn,
                NewMember {
                    email: Email::parse(&format!("{prefix}{n}@example.org")).map_err(fail)?,
                    display_name: DisplayName::parse(&format!("Bench Member {n}")).map_err(fail)?,
                    password_hash: None,
                    is_admin: n == 0,
                },
            )
            .await
            .map_err(fail)?,
        );
    }
    txn.commit().await?;
    Ok(people)
}

/// A private network created by `creator` (its facilitator): its id.
pub async fn private_network(state: &AppState, creator: i64, name: &str) -> anyhow::Result<i64> {
    let network = staffroom::networks::service::create(
        state.db.writer(),
        creator,
        staffroom::networks::service::CreateNetwork {
            name: name.to_owned(),
            description: String::new(),
            visibility: staffroom::networks::model::Visibility::Private,
            join_policy: None,
            parent_id: None,
        },
    )
    .await
    .map_err(fail)?;
    Ok(network.id.0)
}

/// A thread written through the service (opening post, events): its id.
pub async fn thread(
    state: &AppState,
    author: i64,
    network: i64,
    title: &str,
    body: &str,
) -> anyhow::Result<i64> {
    let thread = staffroom::threads::service::create(
        state.db.writer(),
        &state.markdown,
        author,
        network,
        staffroom::threads::service::CreateThread {
            title: title.to_owned(),
            body: body.to_owned(),
            tags: Vec::new(),
        },
    )
    .await
    .map_err(fail)?;
    Ok(thread.summary.id.0)
}

/// A thread and its posts inserted directly (no events, nothing rendered per post): for
/// filling tables. `bodies` gives each post's markdown and HTML; authors take turns.
pub async fn bulk_thread(
    state: &AppState,
    network: i64,
    title: String,
    authors: &[i64],
    bodies: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<i64> {
    let db = state.db.writer();
    let now = chrono::Utc::now();
    let batch: Vec<(String, String)> = bodies.into_iter().collect();
    let thread = threads::Entity::insert(threads::ActiveModel {
        network_id: Set(network),
        author_id: Set(authors[0]),
        title: Set(title),
        is_pinned: Set(false),
        is_locked: Set(false),
        reply_count: Set(batch.len().saturating_sub(1) as i32),
        last_post_id: Set(None),
        last_activity_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?
    .last_insert_id;
    let rows: Vec<posts::ActiveModel> = batch
        .into_iter()
        .enumerate()
        .map(|(n, (body, body_html))| posts::ActiveModel {
            thread_id: Set(thread),
            author_id: Set(authors[n % authors.len()]),
            reply_to_post_id: Set(None),
            post_number: Set(n as i32 + 1),
            body: Set(body),
            body_html: Set(body_html),
            created_at: Set(now),
            updated_at: Set(now),
            edited_at: Set(None),
            deleted_at: Set(None),
            helpful_count: Set(0),
            thanks_count: Set(0),
            agree_count: Set(0),
            ..Default::default()
        })
        .collect();
    if !rows.is_empty() {
        posts::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(thread)
}
