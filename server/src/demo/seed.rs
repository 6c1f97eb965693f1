//! `staffroom demo seed`: an Attendance peer learning network as it looks a few months in,
//! built through the same services the API uses (so every row has its events).

use crate::auth::passwords::{self, Password};
use crate::entities::{members, networks};
use crate::error::ApiError;
use crate::ids::ApiId;
use crate::members::profile::{DigestFrequency, DigestPreferences, DisplayName, Email};
use crate::members::service::{create_member, update_profile, NewMember, ProfileUpdate};
use crate::networks::model::{JoinPolicy, Role, Visibility};
use crate::networks::service::{
    self as network_service, add_membership, announce_join, CreateNetwork,
};
use crate::threads::model::ReactionKind;
use crate::threads::posts::{self, CreatePost};
use crate::threads::reactions;
use crate::threads::service::{self as thread_service, CreateThread};
use crate::AppState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

const NETWORK_NAME: &str = "Central Texas Attendance PLN";

struct Person {
    name: &'static str,
    email: &'static str,
    title: &'static str,
    organization: &'static str,
    expertise: &'static [&'static str],
    /// Sub-network by role: 0 attendance leads, 1 counselors, 2 principals.
    group: usize,
}

const PEOPLE: &[Person] = &[
    Person {
        name: "Lauren Thomas",
        email: "lauren.thomas@example.org",
        title: "PLN Facilitator",
        organization: "E3 Alliance",
        expertise: &["continuous-improvement", "facilitation", "data-analysis"],
        group: 0,
    },
    Person {
        name: "Roxy Heiser",
        email: "roxy.heiser@example.org",
        title: "9th Grade Counselor",
        organization: "Lehman HS, Hays CISD",
        expertise: &["chronic-absence", "family-engagement", "ninth-grade"],
        group: 1,
    },
    Person {
        name: "Marcus Bell",
        email: "marcus.bell@example.org",
        title: "Attendance Specialist",
        organization: "Manor ISD",
        expertise: &["attendance-data", "truancy-prevention"],
        group: 0,
    },
    Person {
        name: "Ana Lopez",
        email: "ana.lopez@example.org",
        title: "Principal",
        organization: "Dessau MS, Pflugerville ISD",
        expertise: &["school-climate", "chronic-absence", "bright-spots"],
        group: 2,
    },
    Person {
        name: "Deborah King",
        email: "deborah.king@example.org",
        title: "Director of Student Services",
        organization: "Austin ISD",
        expertise: &["attendance-data", "policy", "emergent-bilinguals"],
        group: 0,
    },
    Person {
        name: "Samuel Ortiz",
        email: "samuel.ortiz@example.org",
        title: "School Counselor",
        organization: "Seguin HS, Seguin ISD",
        expertise: &["mentoring", "family-engagement"],
        group: 1,
    },
    Person {
        name: "Priya Raman",
        email: "priya.raman@example.org",
        title: "Assistant Principal",
        organization: "Hays HS, Hays CISD",
        expertise: &["incentives", "school-climate"],
        group: 2,
    },
    Person {
        name: "James Carter",
        email: "james.carter@example.org",
        title: "Attendance Clerk Lead",
        organization: "Pflugerville ISD",
        expertise: &["attendance-data", "student-information-systems"],
        group: 0,
    },
    Person {
        name: "Mei Chen",
        email: "mei.chen@example.org",
        title: "Family Engagement Coordinator",
        organization: "Austin ISD",
        expertise: &["family-engagement", "home-visits", "emergent-bilinguals"],
        group: 1,
    },
    Person {
        name: "Tomás Rivera",
        email: "tomas.rivera@example.org",
        title: "Principal",
        organization: "Manor Early College HS, Manor ISD",
        expertise: &["ninth-grade", "mentoring"],
        group: 2,
    },
    Person {
        name: "Grace Okafor",
        email: "grace.okafor@example.org",
        title: "Social Worker",
        organization: "Seguin ISD",
        expertise: &["home-visits", "health-barriers", "chronic-absence"],
        group: 1,
    },
    Person {
        name: "Kevin Nguyen",
        email: "kevin.nguyen@example.org",
        title: "Math Lead",
        organization: "Pflugerville ISD",
        expertise: &["math", "data-analysis"],
        group: 0,
    },
];

struct Conversation {
    author: usize,
    title: &'static str,
    body: &'static str,
    tags: &'static [&'static str],
    replies: &'static [(usize, &'static str)],
}

const CONVERSATIONS: &[Conversation] = &[
    Conversation {
        author: 1,
        title: "What moved the needle for your chronically absent 9th graders?",
        body: "After one semester in the PLN, more than half of our previously chronically absent 9th graders at Lehman are no longer chronically absent. What worked for us:\n\n- a **daily 2-minute check-in** with one adult\n- calling home on the *first* absence, not the third\n- celebrating small gains in advisory\n\nWhat are others seeing? I'd love to compare notes before the next convening.",
        tags: &["chronic-absence", "ninth-grade", "bright-spots"],
        replies: &[
            (3, "We saw the same with adult check-ins at Dessau. The key for us was choosing the adult *with* the student, not assigning one."),
            (8, "@roxy-heiser did you script the first-absence calls? Our families respond very differently to a call from the front office versus a counselor."),
            (1, "@mei-chen yes: we wrote a short script in English and Spanish that starts with \"we missed your child today\" rather than the attendance code. Happy to share it in the library."),
            (10, "Health barriers were a big piece for us (asthma, dental). Pairing check-ins with the school nurse doubled the effect."),
        ],
    },
    Conversation {
        author: 0,
        title: "Before the March convening: bring one bright spot and one stuck point",
        body: "At our next convening we'll run a **bright spots** protocol. Please come with:\n\n1. One campus or student group where attendance improved, with the data\n2. One place you're stuck\n\nThe Positive Outliers Toolkit has sample questions for site visits if you want to prepare.",
        tags: &["convening", "bright-spots", "continuous-improvement"],
        replies: &[
            (4, "Austin ISD will bring our emergent bilingual attendance data by grade band."),
            (9, "Manor Early College will bring our mentoring pilot. Stuck point: sustaining it when mentors change mid-year."),
        ],
    },
    Conversation {
        author: 2,
        title: "Reconciling attendance codes across districts",
        body: "When we compare chronic absence rates across districts, codes don't line up (e.g. school-related activities, partial days). How is everyone handling this for the shared dashboard?",
        tags: &["attendance-data", "policy"],
        replies: &[
            (7, "We map every local code to the TEA categories first, then compute rates. I can share our crosswalk spreadsheet."),
            (4, "Same here. Partial days are the hardest: we count a student absent if they miss more than half of instructional minutes."),
        ],
    },
    Conversation {
        author: 6,
        title: "Attendance incentives that don't feel like bribes",
        body: "We're rethinking our incentives. Raffles got a bump for two weeks and then nothing. Has anyone tried incentives tied to **belonging** rather than prizes?",
        tags: &["incentives", "school-climate"],
        replies: &[
            (3, "Student-led announcements recognising improvement (not perfect attendance) worked better for us than prizes."),
            (5, "Our mentoring group earns a team lunch together. The lunch matters less than the relationships."),
        ],
    },
];

/// Seeds the demo; does nothing if it was seeded before.
pub async fn seed(state: &AppState, password: &str) -> anyhow::Result<String> {
    let db = state.db.writer();
    let already = networks::Entity::find()
        .filter(networks::Column::Name.eq(NETWORK_NAME))
        .one(db)
        .await?;
    if already.is_some() {
        return Ok(format!(
            "The demo is already seeded ({NETWORK_NAME} exists)."
        ));
    }
    let hash = passwords::hash(Password::parse(password.to_owned()).map_err(err)?)
        .await
        .map_err(err)?;

    let mut people: Vec<members::Model> = Vec::new();
    for (index, person) in PEOPLE.iter().enumerate() {
        let txn = db.begin().await?;
        let member = create_member(
            &txn,
            NewMember {
                email: Email::parse(person.email).map_err(err)?,
                display_name: DisplayName::parse(person.name).map_err(err)?,
                password_hash: Some(hash.clone()),
                is_admin: index == 0,
            },
        )
        .await
        .map_err(err)?;
        txn.commit().await?;
        update_profile(
            db,
            member.id,
            ProfileUpdate {
                display_name: None,
                title: Some(person.title.to_owned()),
                organization: Some(person.organization.to_owned()),
                bio: Some(format!("{} at {}.", person.title, person.organization)),
                expertise: Some(person.expertise.iter().map(|t| t.to_string()).collect()),
                timezone: Some("America/Chicago".to_owned()),
                digest: Some(DigestPreferences {
                    frequency: DigestFrequency::Weekly,
                    weekday: 1,
                    hour: 7,
                }),
            },
        )
        .await
        .map_err(err)?;
        people.push(member);
    }
    let facilitator = people[0].id;

    let network = network_service::create(
        db,
        facilitator,
        CreateNetwork {
            name: NETWORK_NAME.to_owned(),
            description: "Attendance staff and school leaders from Austin, Hays, Manor, Pflugerville and Seguin ISDs testing practices that reduce chronic absence, especially for students from low-income households.".to_owned(),
            visibility: Visibility::Private,
            join_policy: Some(JoinPolicy::Invite),
            parent_id: None,
        },
    )
    .await
    .map_err(err)?;
    let mut groups = Vec::new();
    for (name, description) in [
        (
            "Attendance Leads",
            "District attendance specialists: data, codes, systems.",
        ),
        (
            "Counselors & Family Engagement",
            "Counselors, social workers and family engagement staff.",
        ),
        (
            "Campus Principals",
            "Principals and assistant principals leading campus attendance teams.",
        ),
    ] {
        let group = network_service::create(
            db,
            facilitator,
            CreateNetwork {
                name: name.to_owned(),
                description: description.to_owned(),
                visibility: Visibility::Private,
                join_policy: Some(JoinPolicy::Invite),
                parent_id: Some(network.id),
            },
        )
        .await
        .map_err(err)?;
        groups.push(group.id.0);
    }
    let math = network_service::create(
        db,
        facilitator,
        CreateNetwork {
            name: "Central Texas Math PLN".to_owned(),
            description:
                "Math leads comparing regional data and sharing lesson plans. Open to all."
                    .to_owned(),
            visibility: Visibility::Listed,
            join_policy: Some(JoinPolicy::Open),
            parent_id: None,
        },
    )
    .await
    .map_err(err)?;

    let txn = db.begin().await?;
    for (person, member) in PEOPLE.iter().zip(&people).skip(1) {
        for (network_id, role) in [
            (network.id.0, Role::Member),
            (groups[person.group], Role::Member),
        ] {
            let role = add_membership(&txn, network_id, member.id, role)
                .await
                .map_err(err)?;
            announce_join(&txn, network_id, member.id, role)
                .await
                .map_err(err)?;
        }
    }
    let math_member = people[11].id;
    let role = add_membership(&txn, math.id.0, math_member, Role::Member)
        .await
        .map_err(err)?;
    announce_join(&txn, math.id.0, math_member, role)
        .await
        .map_err(err)?;
    txn.commit().await?;

    let mut post_count = 0;
    for conversation in CONVERSATIONS {
        let thread = thread_service::create(
            db,
            people[conversation.author].id,
            network.id.0,
            CreateThread {
                title: conversation.title.to_owned(),
                body: conversation.body.to_owned(),
                tags: conversation.tags.iter().map(|t| t.to_string()).collect(),
            },
        )
        .await
        .map_err(err)?;
        let mut previous: Option<ApiId> = thread.first_post_id;
        for (author, body) in conversation.replies {
            let post = posts::create(
                db,
                people[*author].id,
                thread.summary.id.0,
                CreatePost {
                    body: (*body).to_owned(),
                    reply_to_post_id: previous.filter(|_| body.starts_with('@')),
                },
            )
            .await
            .map_err(err)?;
            previous = Some(post.id);
            post_count += 1;
            // Someone other than the author finds each reply helpful.
            let reader = people[(*author + 3) % people.len()].id;
            if reader != people[*author].id {
                reactions::set(db, reader, post.id.0, ReactionKind::Helpful, true)
                    .await
                    .map_err(err)?;
            }
        }
        post_count += 1;
    }

    Ok(format!(
        "Seeded {NETWORK_NAME} with 3 sub-networks, a listed Math PLN, {} members and {} threads ({post_count} posts).\n\
         Sign in as {} (instance admin and facilitator) or any other demo member, password: {password}",
        people.len(),
        CONVERSATIONS.len(),
        PEOPLE[0].email,
    ))
}

fn err(error: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{error}: {error:?}")
}
