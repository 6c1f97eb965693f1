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
    use staffroom::display_name::DisplayName;
    use staffroom::email_address::Email;
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
                    timezone: None,
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
        staffroom::ids::MemberId(creator),
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
        staffroom::ids::MemberId(author),
        staffroom::ids::NetworkId(network),
        staffroom::threads::service::CreateThread {
            title: title.to_owned(),
            body: body.to_owned(),
            tags: Vec::new(),
        },
    )
    .await
    .map_err(fail)?;
    Ok(thread.thread.summary.id.0)
}

/// A thread and its posts inserted directly (no events, nothing rendered per post): for
/// filling tables. `bodies` gives each post's markdown and HTML; authors take turns; all
/// written now.
pub async fn bulk_thread(
    state: &AppState,
    network: i64,
    title: String,
    authors: &[i64],
    bodies: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<i64> {
    let now = chrono::Utc::now();
    let posts = bodies
        .into_iter()
        .enumerate()
        .map(|(n, (body, body_html))| BulkPost {
            author: authors[n % authors.len()],
            at: now,
            body,
            body_html,
        })
        .collect();
    bulk_thread_of(state.db.writer(), network, title, posts).await
}

/// One post of `bulk_thread_of`.
pub struct BulkPost {
    pub author: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub body: String,
    pub body_html: String,
}

/// A thread whose posts (the first is the opening post) were written when and by whom
/// they say, inserted directly: its id.
pub async fn bulk_thread_of(
    db: &impl sea_orm::ConnectionTrait,
    network: i64,
    title: String,
    posts: Vec<BulkPost>,
) -> anyhow::Result<i64> {
    let first = posts
        .first()
        .ok_or_else(|| anyhow::anyhow!("a thread needs a post"))?;
    let (created, author) = (first.at, first.author);
    let last = posts.iter().map(|p| p.at).max().unwrap_or(created);
    let thread = threads::Entity::insert(threads::ActiveModel {
        network_id: Set(network),
        author_id: Set(author),
        title: Set(title),
        is_pinned: Set(false),
        is_locked: Set(false),
        reply_count: Set(posts.len().saturating_sub(1) as i32),
        last_post_id: Set(None),
        last_activity_at: Set(last),
        created_at: Set(created),
        updated_at: Set(last),
        deleted_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?
    .last_insert_id;
    let rows: Vec<posts::ActiveModel> = posts
        .into_iter()
        .enumerate()
        .map(|(n, post)| posts::ActiveModel {
            thread_id: Set(thread),
            author_id: Set(post.author),
            reply_to_post_id: Set(None),
            post_number: Set(n as i32 + 1),
            body: Set(post.body),
            body_html: Set(post.body_html),
            created_at: Set(post.at),
            updated_at: Set(post.at),
            edited_at: Set(None),
            deleted_at: Set(None),
            helpful_count: Set(0),
            thanks_count: Set(0),
            agree_count: Set(0),
            ..Default::default()
        })
        .collect();
    posts::Entity::insert_many(rows).exec(db).await?;
    Ok(thread)
}

/// A weekly chronic-absence initiative in `network`, started by `facilitator`: its id.
pub async fn attendance_initiative(
    state: &AppState,
    facilitator: i64,
    network: i64,
) -> anyhow::Result<i64> {
    use staffroom::initiatives::service::{create, CreateInitiative, MeasureInput};
    let initiative = create(
        state.db.writer(),
        &state.markdown,
        staffroom::ids::MemberId(facilitator),
        network,
        CreateInitiative {
            title: "Chronic absence".to_owned(),
            problem: String::new(),
            aim: "Reduce chronic absence from 18% to 12%".to_owned(),
            measure: MeasureInput {
                name: "Chronic absence".to_owned(),
                unit: "%".to_owned(),
                direction: "decrease".to_owned(),
                cadence: "weekly".to_owned(),
                target: Some(12.0),
            },
            stage: None,
        },
    )
    .await
    .map_err(fail)?;
    Ok(initiative.id.0)
}

/// A team named `name` on `initiative`: its id.
pub async fn team(
    state: &AppState,
    facilitator: i64,
    initiative: i64,
    name: String,
) -> anyhow::Result<i64> {
    let team = staffroom::initiatives::teams::create(
        state.db.writer(),
        staffroom::ids::MemberId(facilitator),
        initiative,
        staffroom::initiatives::teams::CreateTeam {
            name,
            organization: None,
            member_ids: Vec::new(),
        },
    )
    .await
    .map_err(fail)?;
    Ok(team.id.0)
}
