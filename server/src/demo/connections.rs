//! The demo's connections between convenings: direct messages (a two-person conversation
//! and a group one), and polls: one open with answers coming in, one closed number poll with
//! its results, one shown to facilitators only. The anonymous help request is among the
//! help requests.

use super::seed::err;
use crate::conversations::service::{self as conversations, SendMessage, StartConversation};
use crate::entities::members;
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::polls::model::{PollKind, ResultsVisibility};
use crate::polls::service::{self as polls, CreatePoll, UpdatePoll, Vote};
use crate::AppState;

/// Seeds them; how many conversations and polls.
pub async fn seed_connections(
    state: &AppState,
    people: &[members::Model],
    network_id: i64,
) -> anyhow::Result<(usize, usize)> {
    let db = state.db.writer();
    let id = |n: usize| people[n].id;
    // Lauren (a facilitator) and Mei follow up on the mentoring conversation.
    let pair = conversations::start(
        db,
        &state.markdown,
        MemberId(id(0)),
        StartConversation {
            member_ids: vec![ApiId(id(8))],
            body: "Mei, could you share how your mentors hand students over mid-year? I'd like to bring it to the spring convening.".to_owned(),
        },
    )
    .await
    .map_err(err)?;
    for (author, body) in [
        (8, "Happy to. We pair every student with a second adult from the start. I'll send our roster template."),
        (0, "Perfect, thank you. Thursday after the data check-in?"),
    ] {
        conversations::send(db, &state.markdown, MemberId(id(author)), pair.conversation.id.0, SendMessage { body: body.to_owned() })
            .await
            .map_err(err)?;
    }
    // Three counselors compare call scripts.
    let group = conversations::start(
        db,
        &state.markdown,
        MemberId(id(5)),
        StartConversation {
            member_ids: vec![ApiId(id(6)), ApiId(id(10))],
            body: "Shall we try each other's first-absence call scripts for two weeks and compare notes?".to_owned(),
        },
    )
    .await
    .map_err(err)?;
    conversations::send(
        db,
        &state.markdown,
        MemberId(id(10)),
        group.conversation.id.0,
        SendMessage {
            body: "Yes! I'll start Monday.".to_owned(),
        },
    )
    .await
    .map_err(err)?;

    let ask = |question: &str,
               kind: PollKind,
               options: &[&str],
               results: ResultsVisibility,
               anonymous: bool| CreatePoll {
        question: question.to_owned(),
        description: String::new(),
        kind,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        min: (kind == PollKind::Number).then_some(0.0),
        max: (kind == PollKind::Number).then_some(500.0),
        closes_at: None,
        results,
        anonymous,
        thread_id: None,
    };
    let topic = polls::create(
        db,
        &state.markdown,
        MemberId(id(0)),
        NetworkId(network_id),
        ask(
            "What should the spring convening focus on?",
            PollKind::Single,
            &[
                "Bright spots from the initiative",
                "Family engagement",
                "Data systems",
            ],
            ResultsVisibility::Always,
            false,
        ),
    )
    .await
    .map_err(err)?;
    for (voter, option) in [(1, 0), (2, 0), (3, 1), (4, 0), (6, 2)] {
        polls::vote(
            db,
            MemberId(id(voter)),
            topic.id.0,
            Some(Vote {
                option_ids: Some(vec![topic.options[option].id]),
                value: None,
            }),
        )
        .await
        .map_err(err)?;
    }
    let caseload = polls::create(
        db,
        &state.markdown,
        MemberId(id(1)),
        NetworkId(network_id),
        ask(
            "How many students are on your attendance team's caseload?",
            PollKind::Number,
            &[],
            ResultsVisibility::OnClose,
            true,
        ),
    )
    .await
    .map_err(err)?;
    for (voter, value) in [(0, 42.0), (2, 65.0), (5, 38.0), (7, 120.0), (9, 55.0)] {
        polls::vote(
            db,
            MemberId(id(voter)),
            caseload.id.0,
            Some(Vote {
                option_ids: None,
                value: Some(value),
            }),
        )
        .await
        .map_err(err)?;
    }
    polls::update(
        db,
        &state.markdown,
        MemberId(id(1)),
        caseload.id.0,
        UpdatePoll {
            question: None,
            description: None,
            closes_at: None,
            closed: Some(true),
        },
    )
    .await
    .map_err(err)?;
    let pulse = polls::create(
        db,
        &state.markdown,
        MemberId(id(0)),
        NetworkId(network_id),
        ask(
            "How supported do you feel by this network between convenings?",
            PollKind::Single,
            &["Very", "Somewhat", "Not yet"],
            ResultsVisibility::Facilitators,
            true,
        ),
    )
    .await
    .map_err(err)?;
    for (voter, option) in [(3, 0), (8, 1), (11, 2)] {
        polls::vote(
            db,
            MemberId(id(voter)),
            pulse.id.0,
            Some(Vote {
                option_ids: Some(vec![pulse.options[option].id]),
                value: None,
            }),
        )
        .await
        .map_err(err)?;
    }
    Ok((2, 3))
}
