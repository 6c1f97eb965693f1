//! What goes into a member's digest: read at sending time, from the networks the member
//! can see at that moment (minus those they muted), leaving out what they already read,
//! wrote or acted on. A batch of members is composed together: news of their networks
//! once for all of them (`network_news.rs`), their own affairs one query per section
//! (`personal.rs`); each section ranked and capped per member, its total saying how many
//! more "see all" leads to.

pub use super::candidates::NewsCache;
use super::network_news::{self, Reader};
use super::personal::Queries;
use crate::db::placeholders;
use crate::entities::members;
use crate::networks::visibility::members_networks;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbErr, Statement, Value};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Items shown per section.
pub const SECTION_CAP: usize = 5;

/// In the order a digest shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    BrightSpots,
    HelpWanted,
    AnswersForYou,
    Mentions,
    OpenPolls,
    NewThreads,
    ActiveThreads,
    NewResources,
    HelpfulResources,
    Convenings,
    ActionItems,
    CheckInsDue,
}

impl SectionKind {
    pub fn heading(self) -> &'static str {
        match self {
            SectionKind::BrightSpots => "Bright spots: teams whose data shows real improvement",
            SectionKind::HelpWanted => "Colleagues who need your expertise",
            SectionKind::AnswersForYou => "Answers to your help requests",
            SectionKind::Mentions => "Mentions and replies to you",
            SectionKind::OpenPolls => "Polls waiting for your answer",
            SectionKind::NewThreads => "New discussions",
            SectionKind::ActiveThreads => "Most active discussions",
            SectionKind::NewResources => "New in the library",
            SectionKind::HelpfulResources => "Resources colleagues found helpful",
            SectionKind::Convenings => "Coming up in the next two weeks",
            SectionKind::ActionItems => "Your open action items",
            SectionKind::CheckInsDue => "Check-ins your team owes",
        }
    }

    /// The section counted, for the preheader: "5 new discussions".
    pub fn counted(self, n: &str, one: bool) -> String {
        let (singular, plural) = match self {
            SectionKind::BrightSpots => ("bright spot", "bright spots"),
            SectionKind::HelpWanted => (
                "colleague needs your expertise",
                "colleagues need your expertise",
            ),
            SectionKind::AnswersForYou => (
                "answer to your help requests",
                "answers to your help requests",
            ),
            SectionKind::Mentions => ("mention or reply to you", "mentions and replies to you"),
            SectionKind::OpenPolls => ("poll waiting for you", "polls waiting for you"),
            SectionKind::NewThreads => ("new discussion", "new discussions"),
            SectionKind::ActiveThreads => ("active discussion", "active discussions"),
            SectionKind::NewResources => ("new in the library", "new in the library"),
            SectionKind::HelpfulResources => ("helpful resource", "helpful resources"),
            SectionKind::Convenings => ("convening coming up", "convenings coming up"),
            SectionKind::ActionItems => ("open action item", "open action items"),
            SectionKind::CheckInsDue => ("check-in due", "check-ins due"),
        };
        format!("{n} {}", if one { singular } else { plural })
    }

    /// Where "see all" leads (a web address of the API's "Web addresses"): mentions to the
    /// notifications, everything else to the reader's `home`, where each network's
    /// discussions, library and help requests are.
    fn see_all(self, home: &str) -> &str {
        match self {
            SectionKind::Mentions => "/notifications",
            _ => home,
        }
    }
}

/// One line of a digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub title: String,
    /// A path (see "Web addresses"); `public_url` is prefixed when rendered.
    pub path: String,
    /// A short second line: where, who, how many.
    pub context: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub kind: SectionKind,
    pub items: Vec<Item>,
    /// All that would qualify (at most `TOTAL_CAP + 1`, shown as "100+"); more than
    /// `items.len()` shows "see all".
    pub total: usize,
}

/// Totals above this read "100+": nobody needs the exact count of a busy week.
pub const TOTAL_CAP: usize = 100;

impl Section {
    /// The total as the email says it: `7`, or `100+`.
    pub fn total_label(&self) -> String {
        if self.total > TOTAL_CAP {
            format!("{TOTAL_CAP}+")
        } else {
            self.total.to_string()
        }
    }

    /// The "see all" address when there is more than the section shows.
    pub fn see_all<'a>(&self, home: &'a str) -> Option<&'a str> {
        (self.total > self.items.len()).then(|| self.kind.see_all(home))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub member_id: i64,
    pub display_name: String,
    pub email: String,
    pub timezone: Tz,
    pub since: DateTime<Utc>,
    pub sections: Vec<Section>,
    /// The reader's one network (`/networks/{id}`), or `/` (their networks) when they read
    /// several: where "see all" leads.
    pub home: String,
}

impl Digest {
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| s.items.is_empty())
    }

    pub fn items(&self) -> usize {
        self.sections.iter().map(|s| s.items.len()).sum()
    }

    pub fn section(&self, kind: SectionKind) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind == kind)
    }
}

/// The digest of `member` covering `since..now`.
pub async fn compose(
    db: &impl ConnectionTrait,
    member: &members::Model,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Digest, DbErr> {
    let mut digests = compose_many(db, &[(member, since)], now, None).await?;
    Ok(digests.remove(0))
}

/// The digests of several members at once, each covering its own `since..now`, in the
/// order given: a few queries per batch, whatever its size. A run's batches share the
/// news of their networks through `cache`.
pub async fn compose_many(
    db: &impl ConnectionTrait,
    readers: &[(&members::Model, DateTime<Utc>)],
    now: DateTime<Utc>,
    cache: Option<&NewsCache>,
) -> Result<Vec<Digest>, DbErr> {
    let ids: Vec<i64> = readers.iter().map(|(m, _)| m.id).collect();
    let muted = muted_networks(db, &ids).await?;
    let mut memberships = members_networks(db, &ids).await?;
    let mut pairs = Vec::new();
    let mut with_networks = Vec::new();
    let mut homes: HashMap<i64, String> = HashMap::new();
    for (member, since) in readers {
        let mut networks: Vec<i64> = memberships
            .remove(&member.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|n| !muted.contains(&(member.id, *n)))
            .collect();
        // A facilitator may reach a sub-network twice (directly, and from above).
        networks.sort_unstable();
        networks.dedup();
        if let [only] = networks[..] {
            homes.insert(member.id, format!("/networks/{only}"));
        }
        if !networks.is_empty() {
            pairs.extend(networks.iter().map(|n| (member.id, *n)));
            with_networks.push(Reader {
                id: member.id,
                since: *since,
                networks,
                timezone: timezone(member),
            });
        }
    }
    let mut sections: HashMap<i64, Vec<Section>> = HashMap::new();
    if !with_networks.is_empty() {
        sections = network_news::sections(db, &with_networks, now, cache).await?;
        let q = Queries {
            db,
            readers: with_networks.iter().map(|r| (r.id, r.since)).collect(),
            pairs: crate::db::IdPairs::new(&pairs),
            now,
        };
        let personal = [
            q.answers_for_you().await?,
            q.mentions().await?,
            q.action_items().await?,
            q.check_ins_due().await?,
        ];
        for by_reader in personal {
            for (reader, section) in by_reader {
                sections.entry(reader).or_default().push(section);
            }
        }
        for of_reader in sections.values_mut() {
            of_reader.sort_by_key(|s| s.kind);
        }
    }
    Ok(readers
        .iter()
        .map(|(member, since)| Digest {
            member_id: member.id,
            display_name: member.display_name.clone(),
            email: member.email.clone(),
            timezone: timezone(member),
            since: *since,
            sections: sections.remove(&member.id).unwrap_or_default(),
            home: homes.remove(&member.id).unwrap_or_else(|| "/".to_owned()),
        })
        .collect())
}

fn timezone(member: &members::Model) -> Tz {
    member.timezone.parse().unwrap_or(Tz::UTC)
}

/// `(member, network)` for the networks these members muted.
async fn muted_networks(
    db: &impl ConnectionTrait,
    members: &[i64],
) -> Result<HashSet<(i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let slots = vec!["?"; members.len()].join(", ");
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                &format!(
                    "SELECT member_id, network_id FROM network_members \
                     WHERE notification_level = 'muted' AND member_id IN ({slots})"
                ),
            ),
            members.iter().map(|m| Value::from(*m)),
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "member_id")?, r.try_get("", "network_id")?)))
        .collect()
}
