//! From the database to the index: which documents an event touches, and what each of them
//! is now. A document is always rebuilt from the current rows, never from an event's
//! payload, so applying an event twice, late or out of order still leaves the index true;
//! anything deleted or missing becomes a deletion.

use super::document::{status_of, Change, DocRef, DocType, SearchDocument, Signals};
use crate::discussions::{owners_of, Discussed};
use crate::entities::{
    convenings, help_request_tags, help_requests, help_responses, initiative_teams, initiatives,
    member_expertise, members, network_members, poll_options, polls, posts, resource_labels,
    resource_versions, resources, tests_of_change, thread_tags, threads,
};
use crate::events::EventKind;
use crate::file_text::{FileTexts, StoredFile};
use crate::markdown::plain_text;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The documents an event of `kind` about row `subject` (in `thread`, for posts) may have
/// changed.
pub fn refs_for(kind: EventKind, subject: Option<i64>, thread: Option<i64>) -> Vec<DocRef> {
    use EventKind::*;
    let doc_type = match kind {
        ThreadCreated | ThreadUpdated | ThreadDeleted => DocType::Thread,
        // A post, and its thread, whose document counts replies and helpful marks (or, for
        // a discussion, the thing it discusses). A reaction changes those counts.
        PostCreated | PostUpdated | PostDeleted | ReactionChanged => {
            return subject
                .map(|post| DocRef::new(DocType::Post, post))
                .into_iter()
                .chain(thread.map(|thread| DocRef::new(DocType::Thread, thread)))
                .collect();
        }
        ResourceCreated | ResourceUpdated | ResourceDeleted => DocType::Resource,
        HelpRequestCreated | HelpRequestUpdated | HelpRequestResponded | HelpRequestResolved
        | HelpRequestDeleted => DocType::HelpRequest,
        ConveningCreated | ConveningUpdated => DocType::Convening,
        MemberJoined | MemberUpdated | MemberRemoved | ProfileUpdated => DocType::Member,
        // Nothing searchable changes: names of networks, offers, action items and
        // notifications are not in any document.
        NetworkCreated | NetworkUpdated | HelpRequestOffered | ActionItemCreated
        | ActionItemUpdated | NotificationCreated | NotificationRead => return Vec::new(),
        // Direct messages are never searchable.
        MessageCreated | ConversationRead => return Vec::new(),
        PollCreated | PollUpdated | PollDeleted => DocType::Poll,
        // Votes change no searchable text (results are never in a document).
        PollVoted => return Vec::new(),
        InitiativeCreated | InitiativeUpdated => DocType::Initiative,
        TestOfChangeCreated | TestOfChangeUpdated => DocType::TestOfChange,
        // Teams, check-ins and charts are in no document.
        InitiativeRebaselined
        | TeamCreated
        | TeamUpdated
        | TeamDeleted
        | CheckInSubmitted
        | BrightSpotDetected => return Vec::new(),
    };
    subject
        .map(|id| DocRef::new(doc_type, id))
        .into_iter()
        .collect()
}

/// Replies of a discussion held in its thing's document: the words of a long conversation
/// find the thing, and one busy thread cannot make a document huge.
const DISCUSSION_REPLIES: u64 = 200;
const DISCUSSION_CHARS: usize = 20_000;

/// What the index should hold for `doc` now (`file_texts` reads the words of uploads).
pub async fn changes_for(
    db: &impl ConnectionTrait,
    file_texts: &FileTexts,
    doc: DocRef,
) -> Result<Vec<Change>, DbErr> {
    let current = match doc.doc_type {
        DocType::Thread => return thread(db, file_texts, doc.id).await,
        DocType::Post => return post(db, file_texts, doc.id).await,
        DocType::Resource => resource(db, file_texts, doc.id).await?,
        DocType::HelpRequest => help_request(db, doc.id).await?,
        DocType::Convening => convening(db, doc.id).await?,
        DocType::Member => member(db, doc.id).await?,
        DocType::Initiative => initiative(db, doc.id).await?,
        DocType::TestOfChange => test_of_change(db, doc.id).await?,
        DocType::Poll => poll(db, doc.id).await?,
    };
    Ok(vec![match current {
        Some(found) => Change::Upsert(Box::new(found)),
        None => Change::Delete(doc.key()),
    }])
}

/// Every document of `doc_type`, in id order, `batch` rows at a time after `after`: for
/// rebuilding an index from the database.
pub async fn ids_after(
    db: &impl ConnectionTrait,
    doc_type: DocType,
    after: i64,
    batch: u64,
) -> Result<Vec<i64>, DbErr> {
    macro_rules! ids {
        ($entity:ident) => {
            $entity::Entity::find()
                .select_only()
                .column($entity::Column::Id)
                .filter($entity::Column::Id.gt(after))
                .order_by_asc($entity::Column::Id)
                .limit(batch)
                .into_tuple()
                .all(db)
                .await
        };
    }
    match doc_type {
        DocType::Thread => ids!(threads),
        DocType::Post => ids!(posts),
        DocType::Resource => ids!(resources),
        DocType::HelpRequest => ids!(help_requests),
        DocType::Convening => ids!(convenings),
        DocType::Member => ids!(members),
        DocType::Initiative => ids!(initiatives),
        DocType::TestOfChange => ids!(tests_of_change),
        DocType::Poll => ids!(polls),
    }
}

fn seconds(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

/// Activity is ordered to the millisecond: a reply and a new thread a moment apart are not
/// a tie.
fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn joined<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A thread's document, or, for a thing's discussion thread, that thing's: a discussion is
/// part of its thing in search (its replies find the thing), never a hit of its own.
async fn thread(
    db: &impl ConnectionTrait,
    file_texts: &FileTexts,
    id: i64,
) -> Result<Vec<Change>, DbErr> {
    let key = DocRef::new(DocType::Thread, id).key();
    let owners = owners_of(db, id).await?;
    if !owners.is_empty() {
        return discussion_changed(db, file_texts, id, owners).await;
    }
    let found = threads::Entity::find_by_id(id)
        .filter(threads::Column::DeletedAt.is_null())
        .one(db)
        .await?;
    let Some(thread) = found else {
        // Its replies go with it.
        let replies: Vec<i64> = posts::Entity::find()
            .select_only()
            .column(posts::Column::Id)
            .filter(posts::Column::ThreadId.eq(id))
            .into_tuple()
            .all(db)
            .await?;
        let asked_in_it: Vec<i64> = polls::Entity::find()
            .select_only()
            .column(polls::Column::Id)
            .filter(polls::Column::ThreadId.eq(id))
            .into_tuple()
            .all(db)
            .await?;
        let mut changes = vec![Change::Delete(key)];
        changes.extend(
            replies
                .into_iter()
                .map(|post| Change::Delete(DocRef::new(DocType::Post, post).key())),
        );
        changes.extend(
            asked_in_it
                .into_iter()
                .map(|poll| Change::Delete(DocRef::new(DocType::Poll, poll).key())),
        );
        return Ok(changes);
    };
    let opening = posts::Entity::find()
        .filter(posts::Column::ThreadId.eq(id))
        .filter(posts::Column::PostNumber.eq(1))
        .one(db)
        .await?;
    let tags: Vec<String> = thread_tags::Entity::find()
        .select_only()
        .column(thread_tags::Column::Tag)
        .filter(thread_tags::Column::ThreadId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    let mut changes = vec![Change::Upsert(Box::new(SearchDocument {
        id: key,
        doc_type: DocType::Thread,
        network_id: Some(thread.network_id),
        network_ids: vec![thread.network_id],
        thread_id: Some(thread.id),
        title: thread.title,
        body: opening
            .as_ref()
            .map(|p| plain_text(&p.body))
            .unwrap_or_default(),
        details: String::new(),
        tags,
        status: None,
        author_id: Some(thread.author_id),
        signals: Signals {
            replies: Some(thread.reply_count.max(0) as u64),
            helpful: Some(helpful_in(db, thread.id).await?),
            accepted: false,
            activity_at: millis(thread.last_activity_at),
        },
        url: format!("/threads/{id}"),
        created_at: seconds(thread.created_at),
        updated_at: seconds(thread.updated_at),
    }))];
    // The opening post is the thread's document, never one of its own.
    if let Some(opening) = opening {
        changes.push(Change::Delete(DocRef::new(DocType::Post, opening.id).key()));
    }
    Ok(changes)
}

async fn post(
    db: &impl ConnectionTrait,
    file_texts: &FileTexts,
    id: i64,
) -> Result<Vec<Change>, DbErr> {
    let key = DocRef::new(DocType::Post, id).key();
    let Some(post) = posts::Entity::find_by_id(id).one(db).await? else {
        return Ok(vec![Change::Delete(key)]);
    };
    let Some(thread) = threads::Entity::find_by_id(post.thread_id).one(db).await? else {
        return Ok(vec![Change::Delete(key)]);
    };
    if post.post_number == 1 {
        return self::thread(db, file_texts, thread.id).await;
    }
    // A discussion's reply is the thing's (written again through its thread's ref), never
    // a document of its own; so is a reply whose post or thread is gone.
    if post.deleted_at.is_some()
        || thread.deleted_at.is_some()
        || !owners_of(db, thread.id).await?.is_empty()
    {
        return Ok(vec![Change::Delete(key)]);
    }
    Ok(vec![Change::Upsert(Box::new(SearchDocument {
        id: key,
        doc_type: DocType::Post,
        network_id: Some(thread.network_id),
        network_ids: vec![thread.network_id],
        thread_id: Some(thread.id),
        // Shown with its thread's current title, looked up when a search returns it; the
        // index holds only what the post itself says.
        title: String::new(),
        body: plain_text(&post.body),
        details: String::new(),
        tags: Vec::new(),
        status: None,
        author_id: Some(post.author_id),
        signals: Signals {
            replies: None,
            helpful: Some(post.helpful_count.max(0) as u64),
            accepted: false,
            activity_at: millis(post.created_at),
        },
        url: format!("/threads/{}#post-{}", thread.id, post.post_number),
        created_at: seconds(post.created_at),
        updated_at: seconds(post.updated_at),
    }))])
}

/// A discussion thread changed (or one of its posts did): it is not a document, and the
/// things it discusses are written again with it. Its replies are no documents either:
/// `post` deletes each one's as its own event comes.
async fn discussion_changed(
    db: &impl ConnectionTrait,
    file_texts: &FileTexts,
    thread: i64,
    owners: Vec<Discussed>,
) -> Result<Vec<Change>, DbErr> {
    let mut changes = vec![Change::Delete(DocRef::new(DocType::Thread, thread).key())];
    for owner in owners {
        let doc = match owner {
            Discussed::Resource(id) => DocRef::new(DocType::Resource, id),
            Discussed::Initiative(id) => DocRef::new(DocType::Initiative, id),
            Discussed::TestOfChange(id) => DocRef::new(DocType::TestOfChange, id),
        };
        changes.extend(Box::pin(changes_for(db, file_texts, doc)).await?);
    }
    Ok(changes)
}

/// A thing's discussion as its document holds it: the replies' words (the opening post was
/// written for the thing, from its own text) and how many replies there are.
#[derive(Default)]
struct Discussion {
    text: String,
    replies: u64,
    helpful: u64,
    last_activity_at: Option<DateTime<Utc>>,
}

impl Discussion {
    /// The thing's newest activity: its own change or its discussion's newest reply.
    fn active_since(&self, updated_at: DateTime<Utc>) -> i64 {
        millis(
            self.last_activity_at
                .map_or(updated_at, |at| at.max(updated_at)),
        )
    }

    /// The signals of a thing whose conversation is this discussion.
    fn signals(&self, updated_at: DateTime<Utc>) -> Signals {
        Signals {
            replies: Some(self.replies),
            helpful: Some(self.helpful),
            accepted: false,
            activity_at: self.active_since(updated_at),
        }
    }
}

/// "Helpful" reactions on the posts of `thread` still standing.
async fn helpful_in(db: &impl ConnectionTrait, thread: i64) -> Result<u64, DbErr> {
    let total: Option<Option<i64>> = posts::Entity::find()
        .select_only()
        .expr(
            Expr::col(posts::Column::HelpfulCount)
                .sum()
                .cast_as("bigint"),
        )
        .filter(posts::Column::ThreadId.eq(thread))
        .filter(posts::Column::DeletedAt.is_null())
        .into_tuple()
        .one(db)
        .await?;
    Ok(total.flatten().unwrap_or(0).max(0) as u64)
}

async fn discussion(db: &impl ConnectionTrait, thread: Option<i64>) -> Result<Discussion, DbErr> {
    let Some(thread) = thread else {
        return Ok(Discussion::default());
    };
    let Some(row) = threads::Entity::find_by_id(thread)
        .filter(threads::Column::DeletedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(Discussion::default());
    };
    let bodies: Vec<String> = posts::Entity::find()
        .select_only()
        .column(posts::Column::Body)
        .filter(posts::Column::ThreadId.eq(thread))
        .filter(posts::Column::PostNumber.gt(1))
        .filter(posts::Column::DeletedAt.is_null())
        .order_by_asc(posts::Column::PostNumber)
        .limit(DISCUSSION_REPLIES)
        .into_tuple()
        .all(db)
        .await?;
    let mut text = joined(
        bodies
            .iter()
            .map(|b| plain_text(b))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    if let Some((cut, _)) = text.char_indices().nth(DISCUSSION_CHARS) {
        text.truncate(cut);
    }
    Ok(Discussion {
        text,
        replies: row.reply_count.max(0) as u64,
        helpful: helpful_in(db, thread).await?,
        last_activity_at: Some(row.last_activity_at),
    })
}

async fn resource(
    db: &impl ConnectionTrait,
    file_texts: &FileTexts,
    id: i64,
) -> Result<Option<SearchDocument>, DbErr> {
    let Some(resource) = resources::Entity::find_by_id(id)
        .filter(resources::Column::DeletedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let labels = resource_labels::Entity::find()
        .filter(resource_labels::Column::ResourceId.eq(id))
        .all(db)
        .await?;
    let (tags, other): (Vec<_>, Vec<_>) = labels.into_iter().partition(|l| l.facet == "tag");
    // The words of its current file, where there are any to read.
    let current_file = match resource.current_version {
        Some(version) => {
            resource_versions::Entity::find()
                .filter(resource_versions::Column::ResourceId.eq(id))
                .filter(resource_versions::Column::Version.eq(version))
                .one(db)
                .await?
        }
        None => None,
    };
    let file_text = match &current_file {
        Some(file) => {
            file_texts
                .text_of(StoredFile {
                    sha256: &file.sha256,
                    media_type: &file.media_type,
                    size_bytes: file.size_bytes,
                })
                .await
        }
        None => None,
    };
    // The file's name and words first, labels last: a snippet shows the words around a
    // match, and "9 counseling file" before them says nothing.
    let details = joined(
        current_file
            .as_ref()
            .map(|f| f.file_name.as_str())
            .into_iter()
            .chain(file_text.as_deref())
            .chain(resource.url.as_deref())
            .chain(other.iter().map(|l| l.value.as_str()))
            .chain([resource.kind.as_str()]),
    );
    let discussion = discussion(db, resource.discussion_thread_id).await?;
    let details = joined([details.as_str(), &discussion.text]);
    Ok(Some(SearchDocument {
        id: DocRef::new(DocType::Resource, id).key(),
        doc_type: DocType::Resource,
        network_id: Some(resource.network_id),
        network_ids: vec![resource.network_id],
        thread_id: None,
        title: resource.title,
        body: plain_text(&resource.description),
        details,
        tags: tags.into_iter().map(|l| l.value).collect(),
        status: None,
        author_id: Some(resource.author_id),
        signals: Signals {
            replies: Some(discussion.replies),
            helpful: Some(resource.helpful_count.max(0) as u64 + discussion.helpful),
            accepted: false,
            activity_at: discussion.active_since(resource.updated_at),
        },
        url: format!("/resources/{id}"),
        created_at: seconds(resource.created_at),
        updated_at: seconds(resource.updated_at),
    }))
}

async fn help_request(db: &impl ConnectionTrait, id: i64) -> Result<Option<SearchDocument>, DbErr> {
    let Some(request) = help_requests::Entity::find_by_id(id)
        .filter(help_requests::Column::DeletedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let responses: Vec<String> = help_responses::Entity::find()
        .select_only()
        .column(help_responses::Column::Body)
        .filter(help_responses::Column::HelpRequestId.eq(id))
        .order_by_asc(help_responses::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let tags: Vec<String> = help_request_tags::Entity::find()
        .select_only()
        .column(help_request_tags::Column::Tag)
        .filter(help_request_tags::Column::HelpRequestId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    let responses: Vec<String> = responses.iter().map(|r| plain_text(r)).collect();
    Ok(Some(SearchDocument {
        id: DocRef::new(DocType::HelpRequest, id).key(),
        doc_type: DocType::HelpRequest,
        network_id: Some(request.network_id),
        network_ids: vec![request.network_id],
        thread_id: None,
        title: request.title,
        body: plain_text(&request.body),
        details: joined(responses.iter().map(String::as_str)),
        tags,
        status: Some(status_of(DocType::HelpRequest, &request.status)),
        author_id: (!request.is_anonymous).then_some(request.author_id),
        signals: Signals {
            replies: Some(responses.len() as u64),
            helpful: None,
            accepted: request.accepted_response_id.is_some(),
            activity_at: millis(request.updated_at),
        },
        url: format!("/help-requests/{id}"),
        created_at: seconds(request.created_at),
        updated_at: seconds(request.updated_at),
    }))
}

async fn convening(db: &impl ConnectionTrait, id: i64) -> Result<Option<SearchDocument>, DbErr> {
    let Some(convening) = convenings::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let notes = plain_text(&convening.notes);
    let status = if convening.cancelled_at.is_some() {
        "cancelled"
    } else {
        "scheduled"
    };
    Ok(Some(SearchDocument {
        id: DocRef::new(DocType::Convening, id).key(),
        doc_type: DocType::Convening,
        network_id: Some(convening.network_id),
        network_ids: vec![convening.network_id],
        thread_id: None,
        title: convening.title,
        body: plain_text(&convening.agenda),
        details: joined([notes.as_str(), convening.location.as_deref().unwrap_or("")]),
        tags: Vec::new(),
        status: Some(status_of(DocType::Convening, status)),
        author_id: Some(convening.created_by),
        signals: Signals {
            activity_at: millis(convening.updated_at),
            ..Signals::default()
        },
        url: format!("/convenings/{id}"),
        created_at: seconds(convening.created_at),
        updated_at: seconds(convening.updated_at),
    }))
}

async fn initiative(db: &impl ConnectionTrait, id: i64) -> Result<Option<SearchDocument>, DbErr> {
    let Some(initiative) = initiatives::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let discussion = discussion(db, initiative.discussion_thread_id).await?;
    Ok(Some(SearchDocument {
        id: DocRef::new(DocType::Initiative, id).key(),
        doc_type: DocType::Initiative,
        network_id: Some(initiative.network_id),
        network_ids: vec![initiative.network_id],
        thread_id: None,
        title: initiative.title,
        body: joined([initiative.aim.as_str(), &plain_text(&initiative.problem)]),
        details: joined([initiative.measure_name.as_str(), &discussion.text]),
        tags: vec![initiative.stage],
        status: Some(status_of(DocType::Initiative, &initiative.status)),
        author_id: Some(initiative.created_by),
        signals: discussion.signals(initiative.updated_at),
        url: format!("/initiatives/{id}"),
        created_at: seconds(initiative.created_at),
        updated_at: seconds(initiative.updated_at),
    }))
}

async fn test_of_change(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<SearchDocument>, DbErr> {
    let Some(test) = tests_of_change::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let discussion = discussion(db, test.discussion_thread_id).await?;
    // Teams try each other's tests under the same idea: the team tells the copies apart.
    let team: Option<String> = initiative_teams::Entity::find_by_id(test.team_id)
        .select_only()
        .column(initiative_teams::Column::Name)
        .into_tuple()
        .one(db)
        .await?;
    let title = match team {
        Some(team) => format!("{} ({team})", test.change_idea),
        None => test.change_idea,
    };
    Ok(Some(SearchDocument {
        id: DocRef::new(DocType::TestOfChange, id).key(),
        doc_type: DocType::TestOfChange,
        network_id: Some(test.network_id),
        network_ids: vec![test.network_id],
        thread_id: None,
        title,
        body: joined([
            test.plan_what.as_str(),
            &test.plan_who,
            &test.plan_when,
            &test.prediction,
        ]),
        details: joined([test.do_notes.as_str(), &test.study, &discussion.text]),
        tags: test.act.into_iter().collect(),
        status: Some(status_of(DocType::TestOfChange, &test.status)),
        author_id: Some(test.created_by),
        signals: discussion.signals(test.updated_at),
        url: format!("/tests/{id}"),
        created_at: seconds(test.created_at),
        updated_at: seconds(test.updated_at),
    }))
}

/// A poll: its question, description and options; `status` open or closed. Never its
/// results or who voted.
async fn poll(db: &impl ConnectionTrait, id: i64) -> Result<Option<SearchDocument>, DbErr> {
    let Some(poll) = crate::polls::audience::current(db, id).await? else {
        return Ok(None);
    };
    let options: Vec<String> = poll_options::Entity::find()
        .select_only()
        .column(poll_options::Column::Label)
        .filter(poll_options::Column::PollId.eq(id))
        .order_by_asc(poll_options::Column::Position)
        .into_tuple()
        .all(db)
        .await?;
    let closed =
        crate::polls::model::is_closed(poll.closed_at, poll.closes_at, crate::clock::now());
    Ok(Some(SearchDocument {
        id: DocRef::new(DocType::Poll, id).key(),
        doc_type: DocType::Poll,
        network_id: Some(poll.network_id),
        network_ids: vec![poll.network_id],
        thread_id: poll.thread_id,
        title: poll.question,
        body: plain_text(&poll.description),
        details: joined(options.iter().map(String::as_str)),
        tags: Vec::new(),
        status: Some(status_of(
            DocType::Poll,
            if closed { "closed" } else { "open" },
        )),
        author_id: Some(poll.author_id),
        signals: Signals {
            activity_at: millis(poll.updated_at),
            ..Signals::default()
        },
        url: format!("/polls/{id}"),
        created_at: seconds(poll.created_at),
        updated_at: seconds(poll.updated_at),
    }))
}

async fn member(db: &impl ConnectionTrait, id: i64) -> Result<Option<SearchDocument>, DbErr> {
    let Some(member) = members::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let networks: Vec<i64> = network_members::Entity::find()
        .select_only()
        .column(network_members::Column::NetworkId)
        .filter(network_members::Column::MemberId.eq(id))
        .order_by_asc(network_members::Column::NetworkId)
        .into_tuple()
        .all(db)
        .await?;
    if networks.is_empty() {
        // Found only by those who share a network with them: nobody, for now.
        return Ok(None);
    }
    let expertise: Vec<String> = member_expertise::Entity::find()
        .select_only()
        .column(member_expertise::Column::Tag)
        .filter(member_expertise::Column::MemberId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(Some(SearchDocument {
        id: DocRef::new(DocType::Member, id).key(),
        doc_type: DocType::Member,
        network_id: None,
        network_ids: networks,
        thread_id: None,
        title: member.display_name,
        body: member.bio,
        details: joined([
            member.title.as_str(),
            member.organization.as_str(),
            member.handle.as_str(),
        ]),
        tags: expertise,
        status: None,
        author_id: None,
        signals: Signals {
            activity_at: millis(member.updated_at),
            ..Signals::default()
        },
        url: format!("/members/{id}"),
        created_at: seconds(member.created_at),
        updated_at: seconds(member.updated_at),
    }))
}
