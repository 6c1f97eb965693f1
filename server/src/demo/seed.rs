//! `staffroom demo seed`: an Attendance peer learning network as it looks a few months in,
//! built through the same services the API uses (so every row has its events).

use crate::auth::passwords::Password;
use crate::display_name::DisplayName;
use crate::email_address::Email;
use crate::entities::{members, networks};
use crate::error::ApiError;
use crate::ids::{ApiId, MemberId, NetworkId, PostId, ThreadId};
use crate::members::profile::{DigestFrequency, DigestPreferences};
use crate::members::service::{create_member, update_profile, NewMember, ProfileUpdate};
use crate::networks::model::{JoinPolicy, Visibility};
use crate::networks::service::{
    self as network_service, add_membership, announce_join, CreateNetwork,
};
use crate::role::Role;
use crate::threads::model::ReactionKind;
use crate::threads::posts::{self, CreatePost};
use crate::threads::reactions;
use crate::threads::service::{self as thread_service, CreateThread};
use crate::tx::Tx;
use crate::AppState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

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
    let hash = state
        .hashing
        .hash(Password::parse(password.to_owned()).map_err(err)?)
        .await
        .map_err(err)?;

    let mut people: Vec<members::Model> = Vec::new();
    for (index, person) in PEOPLE.iter().enumerate() {
        let txn = Tx::begin(db).await?;
        let member = create_member(
            &txn,
            NewMember {
                email: Email::parse(person.email).map_err(err)?,
                display_name: DisplayName::parse(person.name).map_err(err)?,
                password_hash: Some(hash.clone()),
                is_admin: index == 0,
                timezone: None,
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
                email_notifications: None,
            },
        )
        .await
        .map_err(err)?;
        people.push(member);
    }
    let facilitator = people[0].id;

    let network = network_service::create(
        db,
        MemberId(facilitator),
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
            MemberId(facilitator),
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
        MemberId(facilitator),
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

    let txn = Tx::begin(db).await?;
    for (person, member) in PEOPLE.iter().zip(&people).skip(1) {
        for (network_id, role) in [
            (network.id.0, Role::Member),
            (groups[person.group], Role::Member),
        ] {
            let role = add_membership(&txn, NetworkId(network_id), MemberId(member.id), role)
                .await
                .map_err(err)?;
            announce_join(&txn, NetworkId(network_id), MemberId(member.id), role)
                .await
                .map_err(err)?;
        }
    }
    let math_member = people[11].id;
    let role = add_membership(
        &txn,
        NetworkId(math.id.0),
        MemberId(math_member),
        Role::Member,
    )
    .await
    .map_err(err)?;
    announce_join(&txn, NetworkId(math.id.0), MemberId(math_member), role)
        .await
        .map_err(err)?;
    txn.commit().await?;

    let mut post_count = 0;
    for conversation in CONVERSATIONS {
        let thread = thread_service::create(
            db,
            &state.markdown,
            MemberId(people[conversation.author].id),
            NetworkId(network.id.0),
            CreateThread {
                title: conversation.title.to_owned(),
                body: conversation.body.to_owned(),
                tags: conversation.tags.iter().map(|t| t.to_string()).collect(),
            },
        )
        .await
        .map_err(err)?
        .thread;
        let mut previous: Option<ApiId> = thread.first_post_id;
        for (author, body) in conversation.replies {
            let post = posts::create(
                db,
                &state.markdown,
                MemberId(people[*author].id),
                ThreadId(thread.summary.id.0),
                CreatePost {
                    body: (*body).to_owned(),
                    reply_to_post_id: previous.filter(|_| body.starts_with('@')),
                },
            )
            .await
            .map_err(err)?
            .post;
            previous = Some(post.id);
            post_count += 1;
            // Someone other than the author finds each reply helpful.
            let reader = people[(*author + 3) % people.len()].id;
            if reader != people[*author].id {
                reactions::set(
                    db,
                    MemberId(reader),
                    PostId(post.id.0),
                    ReactionKind::Helpful,
                    true,
                )
                .await
                .map_err(err)?;
            }
        }
        post_count += 1;
    }

    let library = seed_library(state, &people, network.id.0).await?;
    let help = seed_help_requests(state, &people, network.id.0).await?;
    let convenings = seed_convenings(state, &people, network.id.0).await?;
    super::initiative::seed_initiative(state, &people, network.id.0).await?;
    let (talks, polls) = super::connections::seed_connections(state, &people, network.id.0).await?;

    Ok(format!(
        "{library} resources, {help} help requests (one asked anonymously), {convenings} convenings, an attendance initiative (three schools, twenty weeks of check-ins, one bright spot), {talks} conversations and {polls} polls added.\n\
         Seeded {NETWORK_NAME} with 3 sub-networks, a listed Math PLN, {} members and {} threads ({post_count} posts).\n\
         Sign in as {} (instance admin and facilitator) or any other demo member, password: {password}",
        people.len(),
        CONVERSATIONS.len(),
        PEOPLE[0].email,
    ))
}

pub(super) fn err(error: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{error}: {error:?}")
}

struct DemoFile {
    title: &'static str,
    author: usize,
    file_name: &'static str,
    description: &'static str,
    bytes: &'static [u8],
    tags: &'static [&'static str],
    subjects: &'static [&'static str],
}

/// Small real files (a CSV, a markdown lesson plan, a call script) and a link.
async fn seed_library(
    state: &AppState,
    people: &[members::Model],
    network_id: i64,
) -> anyhow::Result<usize> {
    use crate::resources::form::{ReceivedFile, ResourceFields};
    use crate::resources::service as resources;
    let files = [
        DemoFile {
            title: "Chronic absence by grade, fall semester",
            author: 7,
            file_name: "attendance-by-grade.csv",
            description: "Campus-level rates we compared at the fall convening.",
            bytes: b"campus,grade,enrolled,chronically_absent,rate\nLehman HS,9,612,129,0.211\nLehman HS,10,580,98,0.169\nDessau MS,6,402,41,0.102\nDessau MS,7,415,55,0.133\n",
            tags: &["attendance-data"],
            subjects: &["data"],
        },
        DemoFile {
            title: "Advisory lesson: belonging and attendance",
            author: 3,
            file_name: "advisory-belonging.md",
            description: "A 30-minute advisory lesson for 9th grade.",
            bytes: b"# Belonging and attendance\n\n## Goals\n- Students name one adult they trust\n- Students set a weekly attendance goal\n\n## Steps\n1. Warm-up: who noticed when you were out?\n2. Small groups: what makes school worth coming to?\n3. Goal cards\n",
            tags: &["ninth-grade", "school-climate"],
            subjects: &["advisory"],
        },
        DemoFile {
            title: "First-absence call script (English and Spanish)",
            author: 1,
            file_name: "first-absence-call-script.txt",
            description: "Starts with \"we missed your child today\", not with the attendance code.",
            bytes: b"Hello, this is ___ from Lehman High School. We missed ___ today and wanted to check in.\nIs everything okay? Is there anything we can help with?\n\nHola, le llama ___ de Lehman High School. Extranamos a ___ hoy y queriamos saber como esta.\n",
            tags: &["family-engagement", "chronic-absence"],
            subjects: &["counseling"],
        },
    ];
    let mut count = 0;
    for DemoFile {
        title,
        author,
        file_name,
        description,
        bytes,
        tags,
        subjects,
    } in files
    {
        let stream =
            futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(bytes))]);
        let upload = state
            .files
            .receive(stream, state.config.max_upload_bytes)
            .await?;
        let fields = ResourceFields {
            title: Some(title.to_owned()),
            description: Some(description.to_owned()),
            kind: Some(
                if file_name.ends_with(".md") {
                    "lesson_plan"
                } else {
                    "file"
                }
                .to_owned(),
            ),
            tags: Some(tags.iter().map(|t| t.to_string()).collect()),
            grade_levels: Some(vec!["9".to_owned()]),
            subjects: Some(subjects.iter().map(|t| t.to_string()).collect()),
            note: Some("Shared after the fall convening".to_owned()),
            ..Default::default()
        };
        let file = ReceivedFile {
            upload,
            file_name: file_name.to_owned(),
        };
        let resource = resources::create(
            state,
            MemberId(people[author].id),
            NetworkId(network_id),
            fields,
            Some(file),
        )
        .await
        .map_err(err)?;
        for voter in [2, 4, 8] {
            if people[voter].id != people[author].id {
                crate::resources::votes::set_helpful(
                    state.db.writer(),
                    MemberId(people[voter].id),
                    resource.id.0,
                    true,
                )
                .await
                .map_err(err)?;
            }
        }
        count += 1;
    }
    let link = ResourceFields {
        title: Some("Positive Outliers Toolkit".to_owned()),
        kind: Some("link".to_owned()),
        url: Some(
            "https://www.attendanceworks.org/tools/for-school-districts/positive-outliers-toolkit/"
                .to_owned(),
        ),
        description: Some("Sample questions for site visits to bright-spot schools.".to_owned()),
        tags: Some(vec!["bright-spots".to_owned()]),
        ..Default::default()
    };
    resources::create(
        state,
        MemberId(people[0].id),
        NetworkId(network_id),
        link,
        None,
    )
    .await
    .map_err(err)?;
    Ok(count + 1)
}

/// One help request in each state of its lifecycle.
async fn seed_help_requests(
    state: &AppState,
    people: &[members::Model],
    network_id: i64,
) -> anyhow::Result<usize> {
    let db = state.db.writer();
    use crate::help_requests::model::{HelpRequestStatus, Urgency};
    use crate::help_requests::responses::{self, AcceptResponse, CreateResponse};
    use crate::help_requests::service::{self as help, CreateHelpRequest, UpdateHelpRequest};
    let ask = |author: usize, title: &str, body: &str, tags: &[&str], urgency: Urgency| {
        (
            author,
            CreateHelpRequest {
                title: title.to_owned(),
                body: body.to_owned(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                urgency,
                anonymous: false,
            },
        )
    };
    let ask_anonymously = |author: usize, title: &str, body: &str, tags: &[&str]| {
        let (author, mut request) = ask(author, title, body, tags, Urgency::Normal);
        request.anonymous = true;
        (author, request)
    };
    let requests = [
        ask(6, "Incentives for 9th graders that are not raffles?", "Our raffles worked for two weeks. What has lasted longer for you?", &["incentives", "ninth-grade"], Urgency::Normal),
        ask(9, "Mentor turnover mid-year", "Two of our mentors are leaving in January. How do you hand students over without losing them?", &["mentoring"], Urgency::High),
        ask(2, "Coding partial-day absences", "How are you coding students who miss more than half a day but attend first period?", &["attendance-data", "policy"], Urgency::Normal),
        ask(5, "Spanish translation of the attendance letter", "Does anyone have a reviewed Spanish version of the state attendance letter?", &["family-engagement"], Urgency::Low),
        ask_anonymously(8, "Our chronic absence went up after my first year as principal", "I changed the morning schedule and our numbers got worse, not better. How did you talk about a setback like this with your staff without losing them?", &["mentoring", "attendance-data"]),
    ];
    let mut ids = Vec::new();
    for (author, request) in requests {
        ids.push((
            author,
            help::create(
                db,
                &state.markdown,
                MemberId(people[author].id),
                NetworkId(network_id),
                request,
            )
            .await
            .map_err(err)?
            .id
            .0,
        ));
    }
    // answered
    responses::respond(db, &state.markdown, MemberId(people[3].id), ids[1].1, CreateResponse { body: "We pair each student with a second adult from the start, so a change is never a cliff.".to_owned() })
        .await
        .map_err(err)?;
    // resolved
    let answer = responses::respond(
        db,
        &state.markdown,
        MemberId(people[7].id),
        ids[2].1,
        CreateResponse {
            body: "We count it as a half-day absence (code P2) and flag it after three in a month."
                .to_owned(),
        },
    )
    .await
    .map_err(err)?;
    responses::accept(
        db,
        MemberId(people[ids[2].0].id),
        ids[2].1,
        AcceptResponse {
            response_id: answer.id,
        },
    )
    .await
    .map_err(err)?;
    // closed
    help::update(
        db,
        &state.markdown,
        MemberId(people[ids[3].0].id),
        ids[3].1,
        UpdateHelpRequest {
            title: None,
            body: None,
            tags: None,
            urgency: None,
            status: Some(HelpRequestStatus::Closed),
        },
    )
    .await
    .map_err(err)?;
    Ok(ids.len())
}

/// A past convening with notes and action items, and an upcoming one with an agenda.
async fn seed_convenings(
    state: &AppState,
    people: &[members::Model],
    network_id: i64,
) -> anyhow::Result<usize> {
    let db = state.db.writer();
    use crate::convenings::action_items::{self, CreateActionItem, UpdateActionItem};
    use crate::convenings::model::ActionItemStatus;
    use crate::convenings::service::{self as convenings, CreateConvening, UpdateConvening};
    let facilitator = people[0].id;
    let day = |offset: i64, hour: u32| {
        let date = (crate::clock::now() + chrono::Duration::days(offset)).date_naive();
        date.and_hms_opt(hour, 0, 0).expect("valid hour").and_utc()
    };
    let past = convenings::create(
        db, &state.markdown,
        MemberId(facilitator),
        NetworkId(network_id),
        CreateConvening {
            title: "Fall convening: root causes".to_owned(),
            starts_at: day(-45, 15),
            ends_at: day(-45, 21),
            timezone: Some("America/Chicago".to_owned()),
            location: Some("E3 Alliance, Austin".to_owned()),
            virtual_url: None,
            agenda: "1. Data walk: chronic absence by grade\n2. Root-cause fishbone by campus\n3. Choose one change idea".to_owned(),
        },
    )
    .await
    .map_err(err)?;
    convenings::update(
        db, &state.markdown,
        MemberId(facilitator),
        past.id.0,
        UpdateConvening {
            title: None,
            starts_at: None,
            ends_at: None,
            timezone: None,
            location: None,
            virtual_url: None,
            agenda: None,
            notes: Some("Every campus picked one change idea. Most chose **first-absence calls**; Dessau will test adult check-ins.".to_owned()),
            cancelled: None,
        },
    )
    .await
    .map_err(err)?;
    let items = [
        ("Share the first-absence call script", 1, 14),
        ("Bring campus data by grade to the spring convening", 2, 60),
        ("Pilot adult check-ins with 20 students", 3, 30),
    ];
    for (index, (title, owner, due)) in items.into_iter().enumerate() {
        let item = action_items::create(
            db,
            MemberId(facilitator),
            past.id.0,
            CreateActionItem {
                title: title.to_owned(),
                owner_id: Some(crate::ids::ApiId(people[owner].id)),
                due_on: Some((crate::clock::now() + chrono::Duration::days(due - 45)).date_naive()),
            },
        )
        .await
        .map_err(err)?;
        if index == 0 {
            action_items::update(
                db,
                MemberId(people[owner].id),
                item.id.0,
                UpdateActionItem {
                    title: None,
                    status: Some(ActionItemStatus::Done),
                    owner_id: None,
                    due_on: None,
                },
            )
            .await
            .map_err(err)?;
        }
    }
    convenings::create(
        db,
        &state.markdown,
        MemberId(facilitator),
        NetworkId(network_id),
        CreateConvening {
            title: "Spring convening: bright spots".to_owned(),
            starts_at: day(30, 15),
            ends_at: day(30, 21),
            timezone: Some("America/Chicago".to_owned()),
            location: Some("Hays CISD Central Office".to_owned()),
            virtual_url: Some("https://meet.example.org/attendance-pln".to_owned()),
            agenda: "1. Bright spots protocol\n2. Stuck points, in trios\n3. Plan the next cycle"
                .to_owned(),
        },
    )
    .await
    .map_err(err)?;
    Ok(2)
}
