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
/// Items each section brings to `curate`: enough that taking out what another section or
/// the previous digest shows still leaves `SECTION_CAP` to show.
pub const FETCH_CAP: usize = SECTION_CAP * 3;
/// The longest excerpt on a digest line (one line on a phone's inbox, about).
pub const EXCERPT_CHARS: usize = 110;

/// In the order a digest shows them: what is addressed to the reader first (a mention,
/// an answer to their request, a colleague who needs them, what they owe), then their
/// networks' news. The first section's first item is what the subject says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    Mentions,
    AnswersForYou,
    HelpWanted,
    ActionItems,
    CheckInsDue,
    OpenPolls,
    NewThreads,
    ActiveThreads,
    NewResources,
    HelpfulResources,
    BrightSpots,
    Convenings,
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

    /// The network page's tab listing this section's kind (`/networks/{id}/{tab}`), or
    /// `None` when the list is the reader's notifications (what was addressed to them).
    pub fn list_tab(self) -> Option<&'static str> {
        match self {
            SectionKind::Mentions | SectionKind::AnswersForYou => None,
            SectionKind::HelpWanted => Some("help"),
            SectionKind::ActionItems | SectionKind::Convenings => Some("convenings"),
            SectionKind::CheckInsDue | SectionKind::BrightSpots => Some("initiatives"),
            SectionKind::OpenPolls => Some("polls"),
            SectionKind::NewThreads | SectionKind::ActiveThreads => Some(""),
            SectionKind::NewResources | SectionKind::HelpfulResources => Some("resources"),
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
    /// The newest words of a discussion, on one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// Which thing this is and what it was when composed: never written in the letter.
    #[serde(skip)]
    pub seen: Seen,
    /// The network it is news of, for "see all" (none for what is addressed to the reader).
    #[serde(skip)]
    pub network: Option<i64>,
}

/// What identifies an item across sections and digests: `key` names the thing (a thread
/// that is a resource's discussion has the resource's key), `version` what changes when
/// there is something new to say about it (its newest post, its answers, its due date),
/// led by a letter naming which state it is (`p123`: post 123, `h3`: 3 helpful marks), so
/// that two lines about one thing never pass for each other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Seen {
    pub key: String,
    pub version: String,
}

impl Seen {
    pub fn new(key: impl Into<String>, version: impl ToString) -> Seen {
        Seen {
            key: key.into(),
            version: version.to_string(),
        }
    }

    /// As the delivery record keeps it: `key@version`.
    pub fn stored(&self) -> String {
        format!("{}@{}", self.key, self.version)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub kind: SectionKind,
    pub items: Vec<Item>,
    /// All that would qualify (at most `TOTAL_CAP + 1`, shown as "100+"); more than
    /// `items.len()` shows "see all".
    pub total: usize,
    /// Where the rest is, when there is more than the section shows: the section's list in
    /// each network it comes from, or the reader's notifications.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub see_all: Vec<SeeAll>,
    /// How many qualified in each network (not in the letter): `see_all` is made from it.
    #[serde(skip)]
    pub by_network: Vec<(i64, usize)>,
}

/// One "see all" link: `label` names the network when the section spans several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeeAll {
    pub path: String,
    pub label: Option<String>,
    pub count: usize,
}

/// Totals above this read "100+": nobody needs the exact count of a busy week.
pub const TOTAL_CAP: usize = 100;

impl Section {
    pub fn new(kind: SectionKind, items: Vec<Item>, total: usize) -> Section {
        Section {
            kind,
            items,
            total,
            see_all: Vec::new(),
            by_network: Vec::new(),
        }
    }

    /// The total as the email says it: `7`, or `100+`.
    pub fn total_label(&self) -> String {
        count_label(self.total)
    }

    /// Fills `see_all` when there is more than the section shows, naming the networks
    /// (from `names`) when the rest lies in more than one.
    pub fn link_the_rest(&mut self, names: &HashMap<i64, String>) {
        self.see_all.clear();
        if self.total <= self.items.len() {
            return;
        }
        let Some(tab) = self.kind.list_tab() else {
            self.see_all.push(SeeAll {
                path: "/notifications".to_owned(),
                label: None,
                count: self.total,
            });
            return;
        };
        let networks: Vec<(i64, usize)> = self
            .by_network
            .iter()
            .copied()
            .filter(|(_, n)| *n > 0)
            .collect();
        let several = networks.len() > 1;
        for (network, count) in networks {
            let path = if tab.is_empty() {
                format!("/networks/{network}")
            } else {
                format!("/networks/{network}/{tab}")
            };
            self.see_all.push(SeeAll {
                path,
                label: several.then(|| names.get(&network).cloned().unwrap_or_default()),
                count,
            });
        }
    }
}

/// A count as the email says it: `7`, or `100+`.
pub fn count_label(n: usize) -> String {
    if n > TOTAL_CAP {
        format!("{TOTAL_CAP}+")
    } else {
        n.to_string()
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
    /// The networks the digest covers, by name: the footer says why it came.
    pub networks: Vec<String>,
    /// What the previous digest showed, still qualifies and is unchanged: left out of this
    /// one, and remembered with it, so that it does not come back in the next.
    pub still_told: Vec<String>,
}

impl Digest {
    /// What the delivery record keeps of it: each item shown, as `Seen::stored`.
    pub fn shown(&self) -> Vec<String> {
        self.sections
            .iter()
            .flat_map(|s| &s.items)
            .filter(|i| !i.seen.key.is_empty())
            .map(|i| i.seen.stored())
            .chain(self.still_told.iter().cloned())
            .collect()
    }

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
    let mut with_networks = Vec::new();
    let mut pairs = Vec::new();
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
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut previous: HashMap<i64, HashSet<String>> = HashMap::new();
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
        names =
            crate::networks::queries::names(db, pairs.iter().map(|(_, n)| *n).collect()).await?;
        previous = super::curate::previously_shown(db, &ids, now).await?;
    }
    let networks_of: HashMap<i64, Vec<String>> = with_networks
        .iter()
        .map(|r| {
            let mut of: Vec<String> = r
                .networks
                .iter()
                .filter_map(|n| names.get(n).cloned())
                .collect();
            of.sort();
            (r.id, of)
        })
        .collect();
    Ok(readers
        .iter()
        .map(|(member, since)| {
            let composed = sections.remove(&member.id).unwrap_or_default();
            let shown_before = previous.remove(&member.id).unwrap_or_default();
            let curated = super::curate::curate(composed, &shown_before, &names);
            Digest {
                member_id: member.id,
                display_name: member.display_name.clone(),
                email: member.email.clone(),
                timezone: timezone(member),
                since: *since,
                sections: curated.sections,
                networks: networks_of.get(&member.id).cloned().unwrap_or_default(),
                still_told: curated.still_told,
            }
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
