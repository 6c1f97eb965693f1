//! The demo's improvement initiative: chronic absence at three schools, twenty weeks of
//! check-ins up to last week, one bright spot (Lehman HS, whose mentor calls moved its rate
//! below its baseline), and tests of change in every status, one of them tried by a peer.

use super::seed::err;
use crate::entities::{members, tests_of_change};
use crate::ids::MemberId;
use crate::initiatives::check_ins::{self, SubmitCheckIn};
use crate::initiatives::service::{self as initiatives, CreateInitiative, MeasureInput};
use crate::initiatives::teams::{self, CreateTeam};
use crate::initiatives::tests_of_change::{
    self as tests, CreateTest, PlanInput, TryTest, UpdateTest,
};
use crate::AppState;
use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

/// Weekly chronic-absence rates (%), oldest first. Lehman's fall from week 11 on is a shift
/// below its baseline; the others vary around theirs without a signal.
const LEHMAN: [f64; 20] = [
    18.4, 17.6, 19.1, 18.0, 17.3, 18.8, 18.2, 17.9, 18.6, 17.7, 16.9, 15.8, 15.1, 14.6, 14.0, 13.7,
    13.9, 13.2, 13.5, 12.9,
];
const DESSAU: [f64; 20] = [
    15.2, 14.6, 15.8, 14.9, 15.5, 14.4, 15.1, 15.9, 14.7, 15.3, 15.0, 14.5, 15.6, 14.8, 15.4, 14.6,
    15.7, 14.9, 15.2, 14.8,
];
const SEGUIN: [f64; 20] = [
    21.4, 20.8, 22.1, 21.0, 21.7, 20.5, 21.9, 20.9, 21.3, 21.6, 21.1, 20.7, 21.8, 21.0, 21.5, 20.6,
    22.0, 20.9, 21.4, 21.2,
];

struct Step {
    status: &'static str,
    act: Option<&'static str>,
    do_notes: Option<&'static str>,
    study: Option<&'static str>,
}

const fn step(status: &'static str) -> Step {
    Step {
        status,
        act: None,
        do_notes: None,
        study: None,
    }
}

/// Seeds the initiative in `network_id`; `people` are the demo members in `PEOPLE` order.
pub async fn seed_initiative(
    state: &AppState,
    people: &[members::Model],
    network_id: i64,
) -> anyhow::Result<()> {
    let db = state.db.writer();
    let facilitator = people[0].id;
    let (roxy, ana, samuel) = (people[1].id, people[3].id, people[5].id);
    let initiative = initiatives::create(
        db,
        &state.markdown,
        MemberId(facilitator),
        network_id,
        CreateInitiative {
            title: "Chronic absence among 9th graders".to_owned(),
            problem: "One in five of our 9th graders misses **10% or more** of school days, and \
                most of them never missed that much in 8th grade. Students from low-income \
                households are twice as likely to be chronically absent."
                .to_owned(),
            aim: "Reduce chronic absence among 9th graders from 18% to 12% by May".to_owned(),
            measure: MeasureInput {
                name: "Chronic absence".to_owned(),
                unit: "%".to_owned(),
                direction: "decrease".to_owned(),
                cadence: "weekly".to_owned(),
                target: Some(12.0),
            },
            stage: Some("learn_refine".to_owned()),
        },
    )
    .await
    .map_err(err)?;
    let mut team_ids = Vec::new();
    for (name, organization, member) in [
        ("Lehman HS", "Hays CISD", roxy),
        ("Dessau MS", "Pflugerville ISD", ana),
        ("Seguin HS", "Seguin ISD", samuel),
    ] {
        let team = teams::create(
            db,
            MemberId(facilitator),
            initiative.id.0,
            CreateTeam {
                name: name.to_owned(),
                organization: Some(organization.to_owned()),
                member_ids: vec![crate::ids::ApiId(member)],
            },
        )
        .await
        .map_err(err)?;
        team_ids.push((team.id.0, member));
    }

    // Twenty weeks, the last of them last week.
    let today = crate::clock::now().date_naive();
    let this_week = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let week = |index: usize| this_week - Duration::weeks(20 - index as i64);
    for ((team, member), series) in team_ids.iter().zip([LEHMAN, DESSAU, SEGUIN]) {
        for (index, value) in series.into_iter().enumerate() {
            check_ins::submit(
                db,
                MemberId(*member),
                *team,
                SubmitCheckIn {
                    period: week(index).to_string(),
                    value,
                    note: match (index, *team == team_ids[0].0) {
                        (10, true) => "Mentor calls started this week.".to_owned(),
                        (15, false) => "Testing week.".to_owned(),
                        _ => String::new(),
                    },
                },
            )
            .await
            .map_err(err)?;
        }
    }

    let plan = |what: &str, who: &str, when: &str, prediction: &str| PlanInput {
        what: what.to_owned(),
        who: who.to_owned(),
        when: when.to_owned(),
        prediction: prediction.to_owned(),
    };
    let [(lehman, _), (dessau, _), (seguin, _)] = [team_ids[0], team_ids[1], team_ids[2]];
    let cases = [
        (
            lehman,
            roxy,
            "Advisory mentors call home after the second absence",
            plan(
                "A mentor from the student's advisory calls the family the day of the second absence, using the call script from the library.",
                "Six advisory teachers, 9th grade",
                "Ten weeks from week 11",
                "Chronic absence in 9th grade falls below 15% within six weeks.",
            ),
            vec![
                step("doing"),
                Step {
                    study: Some("Absence fell to 13% and stayed there; families said a familiar adult calling made the difference."),
                    ..step("studying")
                },
                Step {
                    act: Some("adopt"),
                    ..step("acted")
                },
            ],
            Some(10),
        ),
        (
            dessau,
            ana,
            "Attendance buddies for 6th graders",
            plan(
                "Pair each chronically absent 6th grader with an 8th-grade buddy who checks in every morning.",
                "20 students, counselor Ana Lopez",
                "Six weeks",
                "Half of the buddies' partners attend 95% of days.",
            ),
            vec![
                Step {
                    do_notes: Some("Buddies met daily; two pairs stopped after testing week."),
                    ..step("doing")
                },
                step("studying"),
            ],
            Some(14),
        ),
        (
            seguin,
            samuel,
            "Text reminders to families on Sunday evenings",
            plan(
                "A short text in the family's language each Sunday evening: the week ahead, and who to call.",
                "Front office, all 9th-grade families",
                "Eight weeks",
                "Monday absences drop by a third.",
            ),
            vec![step("doing")],
            Some(17),
        ),
        (
            dessau,
            ana,
            "Perfect-attendance awards assembly",
            plan(
                "Monthly assembly recognising perfect attendance.",
                "Campus leadership",
                "One month",
                "More students reach perfect attendance.",
            ),
            vec![
                step("doing"),
                Step {
                    study: Some("Students already attending came; chronically absent students were not reached and some felt singled out."),
                    ..step("studying")
                },
                Step {
                    act: Some("abandon"),
                    ..step("acted")
                },
            ],
            Some(6),
        ),
    ];
    let mut mentor_calls = None;
    for (team, member, idea, plan, steps, started_week) in cases {
        let test = tests::create(
            db,
            &state.markdown,
            MemberId(member),
            initiative.id.0,
            CreateTest {
                team_id: crate::ids::ApiId(team),
                change_idea: idea.to_owned(),
                plan,
            },
        )
        .await
        .map_err(err)?;
        mentor_calls.get_or_insert(test.id.0);
        for step in steps {
            tests::update(
                db,
                MemberId(member),
                test.id.0,
                UpdateTest {
                    change_idea: None,
                    plan: None,
                    status: Some(step.status.to_owned()),
                    do_notes: step.do_notes.map(str::to_owned),
                    study: step.study.map(str::to_owned),
                    act: step.act.map(str::to_owned),
                },
            )
            .await
            .map_err(err)?;
        }
        // The demo's history: the test started in the week it is shown at on the chart.
        if let Some(started) = started_week {
            start_in_week(state, test.id.0, week(started)).await?;
        }
    }
    // Seguin takes up Lehman's mentor calls: a plan, linked to the original.
    if let Some(original) = mentor_calls {
        tests::try_test(
            db,
            &state.markdown,
            MemberId(samuel),
            original,
            TryTest {
                team_id: crate::ids::ApiId(seguin),
            },
        )
        .await
        .map_err(err)?;
    }
    Ok(())
}

async fn start_in_week(state: &AppState, test_id: i64, week: NaiveDate) -> anyhow::Result<()> {
    let db = state.db.writer();
    if let Some(test) = tests_of_change::Entity::find_by_id(test_id).one(db).await? {
        let mut active: tests_of_change::ActiveModel = test.into();
        active.started_on = Set(Some(week));
        active.update(db).await?;
    }
    Ok(())
}
