//! A reader's composed sections made into the digest they read: each thing once, in the
//! section that matters most to them; nothing their previous digest showed unless it
//! changed since; each section cut to `SECTION_CAP`, its total and "see all" links
//! counting what is left; and the sections in reading order.

use super::compose::{Section, SectionKind, Seen, SECTION_CAP, TOTAL_CAP};
use crate::db::placeholders;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, Statement, Value};
use std::collections::{HashMap, HashSet};

/// Which section keeps a thing that several would show, first first: what is addressed to
/// the reader, then what asks something of them, then news. A new resource whose
/// discussion also started is library news; a thread with a mention is the mention.
const CLAIMS: [SectionKind; 12] = [
    SectionKind::Mentions,
    SectionKind::AnswersForYou,
    SectionKind::HelpWanted,
    SectionKind::ActionItems,
    SectionKind::CheckInsDue,
    SectionKind::OpenPolls,
    SectionKind::NewResources,
    SectionKind::NewThreads,
    SectionKind::ActiveThreads,
    SectionKind::HelpfulResources,
    SectionKind::BrightSpots,
    SectionKind::Convenings,
];

fn claim_rank(kind: SectionKind) -> usize {
    CLAIMS
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(CLAIMS.len())
}

/// A reader's digest as curated.
#[derive(Debug, Default)]
pub struct Curated {
    pub sections: Vec<Section>,
    /// Items left out because the previous digest showed them as they are (`Seen::stored`):
    /// the delivery remembers them too, or they would come back every other digest.
    pub still_told: Vec<String>,
}

/// `sections` as the reader gets them; `shown_before` holds what they were told already
/// (`Seen::stored`), `names` the networks' names for "see all".
pub fn curate(
    mut sections: Vec<Section>,
    shown_before: &HashSet<String>,
    names: &HashMap<i64, String>,
) -> Curated {
    sections.sort_by_key(|s| claim_rank(s.kind));
    let mut claimed: HashSet<String> = HashSet::new();
    let mut still_told: Vec<String> = Vec::new();
    for section in &mut sections {
        let items = std::mem::take(&mut section.items);
        for item in items {
            let told = !item.seen.key.is_empty() && shown_before.contains(&item.seen.stored());
            if told && !still_told.contains(&item.seen.stored()) {
                still_told.push(item.seen.stored());
            }
            let fresh =
                item.seen.key.is_empty() || (!told && claimed.insert(item.seen.key.clone()));
            if fresh {
                section.items.push(item);
                continue;
            }
            // "100+" stays "100+": it counts more than it says.
            if section.total <= TOTAL_CAP {
                section.total = section.total.saturating_sub(1);
            }
            if let Some(network) = item.network {
                if let Some((_, count)) = section.by_network.iter_mut().find(|(n, _)| *n == network)
                {
                    *count = count.saturating_sub(1);
                }
            }
        }
        section.items.truncate(SECTION_CAP);
        section.link_the_rest(names);
    }
    sections.retain(|s| !s.items.is_empty());
    sections.sort_by_key(|s| s.kind);
    Curated {
        sections,
        still_told,
    }
}

/// How far back an emailed mention or reply still counts as told: two weekly digests.
const EMAILED_DAYS: i64 = 14;

/// What each of `members` was told already: what their latest digest showed (of any
/// frequency: a member gets one), and the posts that notification emails told them of
/// (as the thread's item at that post: a thread whose newest post they were emailed is
/// not news; one with newer posts is).
pub async fn previously_shown(
    db: &impl ConnectionTrait,
    members: &[i64],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, HashSet<String>>, DbErr> {
    if members.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let slots = vec!["?"; members.len()].join(", ");
    let mut shown: HashMap<i64, HashSet<String>> = HashMap::new();
    let emailed = format!(
        "SELECT nt.recipient_id AS member_id, {key} AS seen_key, {version} AS seen_version \
         FROM notifications nt JOIN posts p ON p.id = nt.subject_id \
         WHERE nt.recipient_id IN ({slots}) AND nt.subject_type = 'post' \
           AND nt.kind IN ('mentioned', 'replied') AND nt.email_message_id IS NOT NULL \
           AND nt.created_at > ?",
        key = super::personal::discussed_key("p.thread_id"),
        version = "'p' || CAST(p.id AS TEXT)",
    );
    let mut values: Vec<Value> = members.iter().map(|m| Value::from(*m)).collect();
    values.push((now - chrono::Duration::days(EMAILED_DAYS)).into());
    for row in db
        .query_all(Statement::from_sql_and_values(
            backend,
            placeholders(backend, &emailed),
            values,
        ))
        .await?
    {
        let member: i64 = row.try_get("", "member_id")?;
        let key: String = row.try_get("", "seen_key")?;
        let version: String = row.try_get("", "seen_version")?;
        shown
            .entry(member)
            .or_default()
            .insert(Seen { key, version }.stored());
    }
    let sql = format!(
        "SELECT d.member_id, d.shown FROM digest_deliveries d \
         WHERE d.member_id IN ({slots}) AND d.shown IS NOT NULL \
           AND d.created_at = (SELECT MAX(e.created_at) FROM digest_deliveries e \
              WHERE e.member_id = d.member_id AND e.shown IS NOT NULL)"
    );
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            placeholders(backend, &sql),
            members.iter().map(|m| Value::from(*m)),
        ))
        .await?;
    for row in rows {
        let member: i64 = row.try_get("", "member_id")?;
        let list: String = row.try_get("", "shown")?;
        shown
            .entry(member)
            .or_default()
            .extend(list.split_whitespace().map(str::to_owned));
    }
    Ok(shown)
}

/// `shown` (from `Digest::shown`) as the delivery record keeps it.
pub fn stored(shown: &[String]) -> String {
    shown.join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::compose::Item;
    use super::*;

    fn item(key: &str, version: u32, network: i64) -> Item {
        Item {
            title: key.to_owned(),
            path: format!("/{key}"),
            context: String::new(),
            excerpt: None,
            seen: Seen::new(key, version),
            network: Some(network),
        }
    }

    fn section(kind: SectionKind, items: Vec<Item>, total: usize) -> Section {
        let mut by_network: Vec<(i64, usize)> = Vec::new();
        for i in &items {
            match by_network.iter_mut().find(|(n, _)| Some(*n) == i.network) {
                Some((_, c)) => *c += 1,
                None => by_network.push((i.network.unwrap(), 1)),
            }
        }
        let mut s = Section::new(kind, items, total);
        s.by_network = by_network;
        s
    }

    fn titles(s: &Section) -> Vec<&str> {
        s.items.iter().map(|i| i.title.as_str()).collect()
    }

    #[test]
    fn a_thing_is_shown_once_in_the_section_that_matters_most() {
        let sections = vec![
            section(
                SectionKind::NewThreads,
                vec![
                    item("thread:1", 9, 7),
                    item("resource:4", 3, 7),
                    item("thread:2", 5, 7),
                ],
                3,
            ),
            section(SectionKind::Mentions, vec![item("thread:1", 8, 7)], 1),
            section(SectionKind::NewResources, vec![item("resource:4", 0, 7)], 1),
        ];
        let out = curate(sections, &HashSet::new(), &HashMap::new()).sections;
        let kinds: Vec<SectionKind> = out.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SectionKind::Mentions,
                SectionKind::NewThreads,
                SectionKind::NewResources
            ]
        );
        assert_eq!(titles(&out[1]), ["thread:2"]);
        assert_eq!(out[1].total, 1);
        assert!(out[1].see_all.is_empty());
    }

    #[test]
    fn what_the_previous_digest_showed_comes_back_only_if_it_changed() {
        let before: HashSet<String> = ["help_request:3@0", "help_request:5@1"]
            .map(str::to_owned)
            .into();
        let out = curate(
            vec![section(
                SectionKind::HelpWanted,
                vec![item("help_request:3", 0, 7), item("help_request:5", 2, 7)],
                2,
            )],
            &before,
            &HashMap::new(),
        );
        assert_eq!(titles(&out.sections[0]), ["help_request:5"]);
        // What was left out is remembered, so that it stays out of the digest after.
        assert_eq!(out.still_told, ["help_request:3@0"]);
        let out = curate(
            vec![section(
                SectionKind::HelpWanted,
                vec![item("help_request:3", 0, 7)],
                1,
            )],
            &before,
            &HashMap::new(),
        );
        assert!(out.sections.is_empty(), "{out:?}");
    }

    #[test]
    fn a_total_of_more_than_a_hundred_stays_more_than_a_hundred() {
        let items: Vec<Item> = (0..8).map(|n| item(&format!("thread:{n}"), 1, 1)).collect();
        let before: HashSet<String> = ["thread:0@1".to_owned()].into();
        let out = curate(
            vec![section(SectionKind::NewThreads, items, TOTAL_CAP + 1)],
            &before,
            &HashMap::new(),
        );
        assert_eq!(out.sections[0].total_label(), "100+");
    }

    #[test]
    fn see_all_names_each_network_with_what_is_left_there() {
        let items: Vec<Item> = (0..6)
            .map(|n| item(&format!("thread:{n}"), 1, if n < 4 { 1 } else { 2 }))
            .chain([item("thread:9", 1, 2)])
            .collect();
        let names: HashMap<i64, String> = [
            (1, "Attendance PLN".to_owned()),
            (2, "Math leads".to_owned()),
        ]
        .into();
        let before: HashSet<String> = ["thread:9@1".to_owned()].into();
        let out = curate(
            vec![section(SectionKind::NewThreads, items, 7)],
            &before,
            &names,
        )
        .sections;
        assert_eq!(out[0].items.len(), SECTION_CAP);
        assert_eq!(out[0].total, 6);
        let links: Vec<(&str, Option<&str>, usize)> = out[0]
            .see_all
            .iter()
            .map(|l| (l.path.as_str(), l.label.as_deref(), l.count))
            .collect();
        assert_eq!(
            links,
            [
                ("/networks/1", Some("Attendance PLN"), 4),
                ("/networks/2", Some("Math leads"), 2)
            ]
        );
        // Mentions lead to the notifications, resources to each network's library.
        let out = curate(
            vec![
                section(
                    SectionKind::Mentions,
                    (0..6).map(|n| item(&format!("post:{n}"), 1, 1)).collect(),
                    6,
                ),
                section(
                    SectionKind::NewResources,
                    (0..6)
                        .map(|n| item(&format!("resource:{n}"), 1, 1))
                        .collect(),
                    6,
                ),
            ],
            &HashSet::new(),
            &names,
        )
        .sections;
        assert_eq!(out[0].see_all[0].path, "/notifications");
        assert_eq!(out[1].see_all[0].path, "/networks/1/resources");
        assert_eq!(out[1].see_all[0].label, None);
    }
}
