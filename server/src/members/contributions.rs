//! The rest of a member's export (`GET /me/export`): their help requests (anonymous ones
//! marked, as they are theirs), responses and offers, resources, direct messages they sent,
//! polls they asked and their votes, check-ins and tests of change. Only what they wrote
//! or chose: nothing here names another member.

use crate::entities::{
    check_ins, direct_messages, help_offers, help_requests, help_responses, poll_ballots,
    poll_choices, polls, resources, tests_of_change,
};
use crate::grouping::group_by_key;
use crate::ids::ApiId;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

#[derive(Serialize)]
pub struct Contributions {
    pub help_requests: Vec<ExportedHelpRequest>,
    pub help_responses: Vec<ExportedResponse>,
    pub help_offers: Vec<ExportedOffer>,
    pub resources: Vec<ExportedResource>,
    pub direct_messages: Vec<ExportedMessage>,
    pub polls: Vec<ExportedPoll>,
    pub poll_votes: Vec<ExportedVote>,
    pub check_ins: Vec<ExportedCheckIn>,
    pub tests_of_change: Vec<ExportedTest>,
}

#[derive(Serialize)]
pub struct ExportedHelpRequest {
    pub id: ApiId,
    pub network_id: ApiId,
    pub title: String,
    pub body: String,
    pub anonymous: bool,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
pub struct ExportedResponse {
    pub id: ApiId,
    pub help_request_id: ApiId,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct ExportedOffer {
    pub help_request_id: ApiId,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct ExportedResource {
    pub id: ApiId,
    pub network_id: ApiId,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
pub struct ExportedMessage {
    pub id: ApiId,
    pub conversation_id: ApiId,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct ExportedPoll {
    pub id: ApiId,
    pub network_id: ApiId,
    pub question: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct ExportedVote {
    pub poll_id: ApiId,
    pub option_ids: Vec<ApiId>,
    pub value: Option<f64>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct ExportedCheckIn {
    pub team_id: ApiId,
    pub period: NaiveDate,
    pub value: f64,
    pub note: String,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct ExportedTest {
    pub id: ApiId,
    pub team_id: ApiId,
    pub change_idea: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

pub async fn of(db: &impl ConnectionTrait, member_id: i64) -> Result<Contributions, DbErr> {
    let requests = help_requests::Entity::find()
        .filter(help_requests::Column::AuthorId.eq(member_id))
        .order_by_asc(help_requests::Column::Id)
        .all(db)
        .await?;
    let responses = help_responses::Entity::find()
        .filter(help_responses::Column::AuthorId.eq(member_id))
        .order_by_asc(help_responses::Column::Id)
        .all(db)
        .await?;
    let offers = help_offers::Entity::find()
        .filter(help_offers::Column::MemberId.eq(member_id))
        .order_by_asc(help_offers::Column::CreatedAt)
        .all(db)
        .await?;
    let shared = resources::Entity::find()
        .filter(resources::Column::AuthorId.eq(member_id))
        .order_by_asc(resources::Column::Id)
        .all(db)
        .await?;
    let messages = direct_messages::Entity::find()
        .filter(direct_messages::Column::AuthorId.eq(member_id))
        .order_by_asc(direct_messages::Column::Id)
        .all(db)
        .await?;
    let asked = polls::Entity::find()
        .filter(polls::Column::AuthorId.eq(member_id))
        .order_by_asc(polls::Column::Id)
        .all(db)
        .await?;
    let ballots = poll_ballots::Entity::find()
        .filter(poll_ballots::Column::MemberId.eq(member_id))
        .order_by_asc(poll_ballots::Column::PollId)
        .all(db)
        .await?;
    let mut choices = group_by_key(
        poll_choices::Entity::find()
            .filter(poll_choices::Column::MemberId.eq(member_id))
            .order_by_asc(poll_choices::Column::OptionId)
            .all(db)
            .await?,
        |c| (c.poll_id, ApiId(c.option_id)),
    );
    let submitted = check_ins::Entity::find()
        .filter(check_ins::Column::SubmittedBy.eq(member_id))
        .order_by_asc(check_ins::Column::Id)
        .all(db)
        .await?;
    let tests = tests_of_change::Entity::find()
        .filter(tests_of_change::Column::CreatedBy.eq(member_id))
        .order_by_asc(tests_of_change::Column::Id)
        .all(db)
        .await?;
    Ok(Contributions {
        help_requests: requests
            .into_iter()
            .map(|r| ExportedHelpRequest {
                id: ApiId(r.id),
                network_id: ApiId(r.network_id),
                title: r.title,
                body: r.body,
                anonymous: r.is_anonymous,
                status: r.status,
                created_at: r.created_at,
                deleted_at: r.deleted_at,
            })
            .collect(),
        help_responses: responses
            .into_iter()
            .map(|r| ExportedResponse {
                id: ApiId(r.id),
                help_request_id: ApiId(r.help_request_id),
                body: r.body,
                created_at: r.created_at,
            })
            .collect(),
        help_offers: offers
            .into_iter()
            .map(|o| ExportedOffer {
                help_request_id: ApiId(o.help_request_id),
                created_at: o.created_at,
            })
            .collect(),
        resources: shared
            .into_iter()
            .map(|r| ExportedResource {
                id: ApiId(r.id),
                network_id: ApiId(r.network_id),
                kind: r.kind,
                title: r.title,
                description: r.description,
                url: r.url,
                created_at: r.created_at,
                deleted_at: r.deleted_at,
            })
            .collect(),
        direct_messages: messages
            .into_iter()
            .map(|m| ExportedMessage {
                id: ApiId(m.id),
                conversation_id: ApiId(m.conversation_id),
                body: m.body,
                created_at: m.created_at,
            })
            .collect(),
        polls: asked
            .into_iter()
            .map(|p| ExportedPoll {
                id: ApiId(p.id),
                network_id: ApiId(p.network_id),
                question: p.question,
                kind: p.kind,
                created_at: p.created_at,
            })
            .collect(),
        poll_votes: ballots
            .into_iter()
            .map(|b| ExportedVote {
                poll_id: ApiId(b.poll_id),
                option_ids: choices.remove(&b.poll_id).unwrap_or_default(),
                value: b.value,
                updated_at: b.updated_at,
            })
            .collect(),
        check_ins: submitted
            .into_iter()
            .map(|c| ExportedCheckIn {
                team_id: ApiId(c.team_id),
                period: c.period,
                value: c.value,
                note: c.note,
                submitted_at: c.submitted_at,
            })
            .collect(),
        tests_of_change: tests
            .into_iter()
            .map(|t| ExportedTest {
                id: ApiId(t.id),
                team_id: ApiId(t.team_id),
                change_idea: t.change_idea,
                status: t.status,
                created_at: t.created_at,
            })
            .collect(),
    })
}
