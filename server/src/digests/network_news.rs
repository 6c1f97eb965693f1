//! The sections about what happened in a reader's networks (new and active discussions,
//! the library, help wanted, polls, convenings, bright spots), for a batch of readers.
//!
//! What qualifies is the same for every reader of a network; who has already read, written,
//! answered or acted on it is not. So each kind of news is read once per batch for all its
//! networks (`candidates.rs`), with the batch's own reads, votes, ballots and answers on
//! those items (`Facts`), and each reader's sections are picked and ranked here, in memory:
//! a run costs a few queries per batch, not a join of every reader with every item.

use super::candidates::{Candidates, Facts, NetworkNews, NewsCache, Resource, Span, Thread};
use super::compose::{Item, Section, SectionKind, Seen, EXCERPT_CHARS, FETCH_CAP, TOTAL_CAP};
use super::dates;
use crate::markdown::one_line;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbErr};
use std::cmp::Reverse;
use std::collections::HashMap;

/// A convening this close is announced again, even if the previous digest had it.
const CONVENING_SOON_DAYS: i64 = 2;

/// A reader of a batch: the networks they may read now (muted ones left out) and where
/// their digest's window starts.
#[derive(Debug, Clone)]
pub struct Reader {
    pub id: i64,
    pub since: DateTime<Utc>,
    pub networks: Vec<i64>,
    pub timezone: Tz,
}

/// Each reader's network-wide sections (only those with something in them), from the
/// run's `cache` when there is one.
pub async fn sections(
    db: &impl ConnectionTrait,
    readers: &[Reader],
    now: DateTime<Utc>,
    cache: Option<&NewsCache>,
) -> Result<HashMap<i64, Vec<Section>>, DbErr> {
    let Some(span) = Span::of(readers, now) else {
        return Ok(HashMap::new());
    };
    let mut networks: Vec<i64> = readers
        .iter()
        .flat_map(|r| r.networks.iter().copied())
        .collect();
    networks.sort_unstable();
    networks.dedup();
    let news = match cache {
        Some(cache) => cache.candidates(db, &networks).await?,
        None => Candidates::load(db, &networks, span).await?,
    };
    let facts = Facts::load(db, readers, &news).await?;
    Ok(readers
        .iter()
        .map(|reader| (reader.id, for_reader(reader, &news, &facts, now)))
        .collect())
}

fn for_reader(
    reader: &Reader,
    news: &Candidates,
    facts: &Facts,
    now: DateTime<Utc>,
) -> Vec<Section> {
    [
        bright_spots(reader, news, facts, now),
        help_wanted(reader, news, facts),
        open_polls(reader, news, facts, now),
        new_threads(reader, news, facts),
        active_threads(reader, news, facts),
        new_resources(reader, news, facts),
        helpful_resources(reader, news, facts),
        convenings(reader, news, now),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The first `FETCH_CAP` of `picked` by `order` (ascending), with how many qualified, in
/// all and in each network; none if nothing did. (`curate` then takes out what another
/// section or the previous digest shows, and cuts to `SECTION_CAP`.)
fn section<T, K: Ord>(
    kind: SectionKind,
    mut picked: Vec<(i64, T)>,
    mut order: impl FnMut(&T) -> K,
    mut item: impl FnMut(&T) -> Item,
) -> Option<Section> {
    if picked.is_empty() {
        return None;
    }
    let total = picked.len().min(TOTAL_CAP + 1);
    let mut by_network: Vec<(i64, usize)> = Vec::new();
    for (network, _) in &picked {
        match by_network.iter_mut().find(|(n, _)| n == network) {
            Some((_, count)) => *count += 1,
            None => by_network.push((*network, 1)),
        }
    }
    picked.sort_by_key(|(_, t)| order(t));
    let items = picked
        .iter()
        .take(FETCH_CAP)
        .map(|(network, t)| Item {
            network: Some(*network),
            ..item(t)
        })
        .collect();
    let mut section = Section::new(kind, items, total);
    section.by_network = by_network;
    Some(section)
}

/// One kind of news (`pick`) in the reader's networks, with the network of each.
fn in_networks<'a, T: 'a>(
    reader: &'a Reader,
    news: &'a Candidates,
    pick: fn(&NetworkNews) -> &Vec<T>,
) -> impl Iterator<Item = (i64, &'a T)> {
    reader
        .networks
        .iter()
        .filter_map(move |n| {
            let of = news.by_network.get(n)?;
            Some(pick(of).iter().map(move |t| (*n, t)))
        })
        .flatten()
}

/// A line about a thread, or about the thing it is the discussion of (so that the thing
/// and its discussion are one item): its title and address, the newest post's words, and
/// `context` followed by its replies and helpful marks.
fn thread_item(t: &Thread, context: String) -> Item {
    let (title, path, key) = match &t.owner {
        Some(owner) => {
            let path = match owner.kind.as_str() {
                "resource" => format!("/resources/{}", owner.id),
                "initiative" => format!("/initiatives/{}", owner.id),
                _ => format!("/tests/{}", owner.id),
            };
            (
                owner.title.clone(),
                path,
                format!("{}:{}", owner.kind, owner.id),
            )
        }
        None => (
            t.title.clone(),
            format!("/threads/{}", t.id),
            format!("thread:{}", t.id),
        ),
    };
    let mut context = context;
    // A count keeps its word on its line (a no-break space), on a phone too.
    match t.reply_count {
        0 => {}
        1 => context.push_str(" · 1\u{a0}reply"),
        n => context.push_str(&format!(" · {n}\u{a0}replies")),
    }
    match t.helpful {
        0 => {}
        n => context.push_str(&format!(" · {n}\u{a0}helpful")),
    }
    Item {
        title,
        path,
        context,
        excerpt: t
            .last_body
            .as_deref()
            .map(|body| one_line(body, EXCERPT_CHARS))
            .filter(|line| !line.is_empty()),
        seen: Seen::new(key, format!("p{}", t.last_post_id.unwrap_or(0))),
        network: None,
    }
}

fn new_threads(reader: &Reader, news: &Candidates, facts: &Facts) -> Option<Section> {
    let picked = in_networks(reader, news, |n| &n.new_threads)
        .filter(|(_, t)| {
            t.created_at > reader.since
                && t.author_id != reader.id
                // A thing's discussion opens with the thing: a discussion once someone
                // replies (the thing itself is news in its own section).
                && (t.owner.is_none() || t.reply_count > 0)
                && facts.thread_unread(reader.id, t.id, t.last_post_id)
        })
        .collect();
    section(
        SectionKind::NewThreads,
        picked,
        |t| (Reverse(t.reply_count), Reverse(t.created_at), Reverse(t.id)),
        |t| thread_item(t, format!("{} · started by {}", t.network, t.author)),
    )
}

/// Older threads with the most new posts by others since the reader's last digest.
fn active_threads(reader: &Reader, news: &Candidates, facts: &Facts) -> Option<Section> {
    let picked: Vec<_> = in_networks(reader, news, |n| &n.active_threads)
        .filter(|(_, t)| {
            t.created_at <= reader.since && facts.thread_unread(reader.id, t.id, t.last_post_id)
        })
        .filter_map(|(network, t)| {
            let new_posts = t
                .posts
                .iter()
                .filter(|(author, at)| *at > reader.since && *author != reader.id)
                .count();
            (new_posts > 0).then_some((network, (t, new_posts)))
        })
        .collect();
    section(
        SectionKind::ActiveThreads,
        picked,
        |(t, n)| (Reverse(*n), Reverse(t.last_activity_at), Reverse(t.id)),
        |(t, n)| {
            thread_item(
                t,
                format!(
                    "{} · {n} {}",
                    t.network,
                    if *n == 1 { "new post" } else { "new posts" }
                ),
            )
        },
    )
}

fn resource_item(r: &Resource, context: String) -> Item {
    Item {
        title: r.title.clone(),
        path: format!("/resources/{}", r.id),
        context,
        excerpt: None,
        seen: Seen::new(
            format!("resource:{}", r.id),
            format!("h{}", r.helpful_count),
        ),
        network: None,
    }
}

fn new_resources(reader: &Reader, news: &Candidates, facts: &Facts) -> Option<Section> {
    let picked = in_networks(reader, news, |n| &n.new_resources)
        .filter(|(_, r)| {
            r.created_at > reader.since
                && r.author_id != reader.id
                && !facts.acted_on_resource(reader.id, r.id)
        })
        .collect();
    section(
        SectionKind::NewResources,
        picked,
        |r| {
            (
                Reverse(r.helpful_count),
                Reverse(r.created_at),
                Reverse(r.id),
            )
        },
        |r| resource_item(r, format!("{} · shared by {}", r.network, r.author)),
    )
}

/// Older resources marked helpful by others since the reader's last digest, most marks first.
fn helpful_resources(reader: &Reader, news: &Candidates, facts: &Facts) -> Option<Section> {
    let picked: Vec<_> = in_networks(reader, news, |n| &n.helpful_resources)
        .filter(|(_, r)| {
            r.created_at <= reader.since
                && r.author_id != reader.id
                && !facts.acted_on_resource(reader.id, r.id)
        })
        .filter_map(|(network, r)| {
            let marks = r
                .votes
                .iter()
                .filter(|(voter, at)| *at > reader.since && *voter != reader.id)
                .count();
            (marks > 0).then_some((network, (r, marks)))
        })
        .collect();
    section(
        SectionKind::HelpfulResources,
        picked,
        |(r, n)| (Reverse(*n), Reverse(r.helpful_count), Reverse(r.id)),
        |(r, n)| {
            resource_item(
                r,
                format!(
                    "{} · marked helpful {} this period",
                    r.network,
                    if *n == 1 {
                        "once".to_owned()
                    } else {
                        format!("{n} times")
                    }
                ),
            )
        },
    )
}

/// Open requests asking for a tag the reader has, that they have not answered or offered
/// help on, fewest answers first.
fn help_wanted(reader: &Reader, news: &Candidates, facts: &Facts) -> Option<Section> {
    let expertise = facts.expertise.get(&reader.id)?;
    let picked: Vec<_> = in_networks(reader, news, |n| &n.help_requests)
        .filter(|(_, h)| h.author_id != reader.id && !facts.helped(reader.id, h.id))
        // Tags are sorted: the first the reader knows is the one SQL's MIN would name.
        .filter_map(|(network, h)| {
            Some((
                network,
                (h, h.tags.iter().find(|t| expertise.contains(*t))?),
            ))
        })
        .collect();
    section(
        SectionKind::HelpWanted,
        picked,
        |(h, _)| (h.response_count, Reverse(h.created_at), Reverse(h.id)),
        |(h, tag)| {
            let answered = match h.response_count {
                0 => "no answers yet".to_owned(),
                1 => "1 answer so far".to_owned(),
                n => format!("{n} answers so far"),
            };
            Item {
                title: h.title.clone(),
                path: format!("/help-requests/{}", h.id),
                context: format!("{} · {tag} · {answered}", h.network),
                excerpt: None,
                seen: Seen::new(
                    format!("help_request:{}", h.id),
                    format!("a{}", h.response_count),
                ),
                network: None,
            }
        },
    )
}

/// Open polls the reader has not answered (nor asked): new since their last digest, or
/// closing within the week. Those closing soonest first.
fn open_polls(
    reader: &Reader,
    news: &Candidates,
    facts: &Facts,
    now: DateTime<Utc>,
) -> Option<Section> {
    let picked = in_networks(reader, news, |n| &n.polls)
        .filter(|(_, p)| {
            (p.created_at > reader.since || p.closes_at.is_some_and(|at| at <= news.polls_soon()))
                && p.author_id != reader.id
                && !facts.answered_poll(reader.id, p.id)
        })
        .collect();
    section(
        SectionKind::OpenPolls,
        picked,
        |p| {
            // Those with a closing time first, soonest first; then the newest.
            (
                p.closes_at.is_none(),
                p.closes_at,
                Reverse(p.created_at),
                Reverse(p.id),
            )
        },
        |p| {
            let answered = match p.voter_count {
                0 => "be the first to answer".to_owned(),
                1 => "1 colleague answered".to_owned(),
                n => format!("{n} colleagues answered"),
            };
            let context = match p.closes_at {
                Some(at) => format!(
                    "{} · closes {} · {answered}",
                    p.network,
                    dates::day(
                        at.with_timezone(&reader.timezone).date_naive(),
                        now.with_timezone(&reader.timezone).date_naive()
                    )
                ),
                None => format!("{} · {answered}", p.network),
            };
            Item {
                title: p.question.clone(),
                path: format!("/polls/{}", p.id),
                context,
                excerpt: None,
                seen: Seen::new(format!("poll:{}", p.id), format!("v{}", p.voter_count)),
                network: None,
            }
        },
    )
}

fn convenings(reader: &Reader, news: &Candidates, now: DateTime<Utc>) -> Option<Section> {
    let picked = in_networks(reader, news, |n| &n.convenings).collect();
    section(
        SectionKind::Convenings,
        picked,
        |c| (c.starts_at, c.id),
        |c| Item {
            title: c.title.clone(),
            path: format!("/convenings/{}", c.id),
            context: format!(
                "{} · {}",
                c.network,
                dates::moment(c.starts_at, reader.timezone, now)
            ),
            excerpt: None,
            // Told once when it comes into view, and again when it is days away.
            seen: Seen::new(
                format!("convening:{}", c.id),
                format!(
                    "t{}{}",
                    c.starts_at.timestamp(),
                    if c.starts_at - now <= chrono::Duration::days(CONVENING_SOON_DAYS) {
                        "-soon"
                    } else {
                        ""
                    }
                ),
            ),
            network: None,
        },
    )
}

/// Teams of active initiatives that are bright spots now and checked in since the reader's
/// last digest (news, not a standing list), other than the reader's own team.
fn bright_spots(
    reader: &Reader,
    news: &Candidates,
    facts: &Facts,
    now: DateTime<Utc>,
) -> Option<Section> {
    let picked = in_networks(reader, news, |n| &n.bright_spots)
        .filter(|(_, t)| t.last_check_in > reader.since && !facts.on_team(reader.id, t.id))
        .collect();
    section(
        SectionKind::BrightSpots,
        picked,
        |t| (Reverse(t.bright_since), Reverse(t.id)),
        |t| Item {
            title: format!("{} is a bright spot", t.name),
            path: format!("/initiatives/{}#bright-spots", t.initiative_id),
            context: format!(
                "{} improving since {} · {} · see what they tried",
                t.measure_name,
                dates::day(
                    t.bright_since,
                    now.with_timezone(&reader.timezone).date_naive()
                ),
                t.initiative
            ),
            excerpt: None,
            seen: Seen::new(
                format!("team:{}", t.id),
                format!("c{}", t.last_check_in.timestamp()),
            ),
            network: None,
        },
    )
}
