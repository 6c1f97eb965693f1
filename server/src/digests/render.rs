//! A digest as an email: a subject that says why to open it, a plain-text part that reads
//! well on its own, and an HTML part with inline styles only (mail clients drop `<style>`
//! blocks and external sheets), laid out in a single table column that narrows on phones.
//!
//! A digest run keeps each email as its `Letter` (JSON, a fifth of the size of the text
//! and HTML) in the mail outbox, and the mail worker writes the bodies when it sends it
//! (`write_stored`): the same letter always writes the same email.

use super::compose::{Digest, Section, SectionKind, TOTAL_CAP};
use super::schedule::Cadence;
use crate::mail::content::{Content, Template};
use crate::mail::{layout, OutgoingEmail};
use serde::{Deserialize, Serialize};

/// Links the email needs besides the items: all absolute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Links {
    pub public_url: String,
    pub unsubscribe: String,
    pub settings: String,
}

/// What a digest email is written from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Letter {
    pub cadence: Cadence,
    pub display_name: String,
    pub sections: Vec<Section>,
    pub links: Links,
    /// Where "see all" leads (`Digest::home`); letters queued before it was kept lead to `/`.
    #[serde(default = "root")]
    pub home: String,
}

fn root() -> String {
    "/".to_owned()
}

impl Letter {
    pub fn new(digest: Digest, cadence: Cadence, links: Links) -> Letter {
        Letter {
            cadence,
            display_name: digest.display_name,
            sections: digest.sections,
            links,
            home: digest.home,
        }
    }

    fn section(&self, kind: SectionKind) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind == kind)
    }

    pub fn email(&self) -> OutgoingEmail {
        OutgoingEmail {
            subject: subject(self),
            text: text(self),
            html: html(self),
        }
    }

    /// What the outbox keeps of it until it is sent.
    pub fn to_content(&self) -> serde_json::Result<Content> {
        Ok(Content::Template {
            template: Template::Digest,
            data: serde_json::to_string(self)?,
        })
    }
}

/// `(text, html)` of a letter kept as JSON (`mail::content::Template::Digest`).
pub fn write_stored(data: &str) -> anyhow::Result<(String, String)> {
    let letter: Letter = serde_json::from_str(data)?;
    Ok((text(&letter), html(&letter)))
}

pub fn subject(letter: &Letter) -> String {
    let label = match letter.cadence {
        Cadence::Daily => "Staffroom daily",
        Cadence::Weekly => "Staffroom weekly",
    };
    format!("{} · {label}", headline(letter))
}

/// The most pressing reason to open it, in a few words.
fn headline(letter: &Letter) -> String {
    let count = |kind| letter.section(kind).map_or(0, |s: &Section| s.total);
    let help = count(SectionKind::HelpWanted);
    if help > 0 {
        let topic = letter
            .section(SectionKind::HelpWanted)
            .and_then(|s| s.items.first())
            .and_then(|item| item.context.split(" · ").nth(1))
            .filter(|t| !t.contains("answer"))
            .map(|t| format!(" on {t}"))
            .unwrap_or_default();
        return match help {
            1 => format!("A colleague needs your help{topic}"),
            n => format!("{} colleagues need your help{topic}", count_label(n)),
        };
    }
    if let Some(spot) = letter
        .section(SectionKind::BrightSpots)
        .and_then(|s| s.items.first())
    {
        return format!("{}: see what they tried", spot.title);
    }
    let answers = count(SectionKind::AnswersForYou);
    if answers > 0 {
        return plural(answers, "new answer", "new answers") + " to your help request";
    }
    let mentions = count(SectionKind::Mentions);
    if mentions > 0 {
        return plural(mentions, "colleague is", "colleagues are") + " waiting for your reply";
    }
    let polls = count(SectionKind::OpenPolls);
    if polls > 0 {
        return plural(polls, "poll is", "polls are") + " waiting for your answer";
    }
    let threads = count(SectionKind::NewThreads);
    if threads > 0 {
        return plural(threads, "new discussion", "new discussions") + " in your networks";
    }
    let resources = count(SectionKind::NewResources);
    if resources > 0 {
        return plural(resources, "new resource", "new resources") + " shared with you";
    }
    if count(SectionKind::Convenings) > 0 {
        return "Your next convening is coming up".to_owned();
    }
    "What's new in your networks".to_owned()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", count_label(n))
    }
}

/// Totals are counted up to `TOTAL_CAP + 1`.
fn count_label(n: usize) -> String {
    if n > TOTAL_CAP {
        format!("{TOTAL_CAP}+")
    } else {
        n.to_string()
    }
}

fn period_words(cadence: Cadence) -> &'static str {
    match cadence {
        Cadence::Daily => "since yesterday",
        Cadence::Weekly => "this week",
    }
}

fn text(letter: &Letter) -> String {
    let (cadence, links) = (letter.cadence, &letter.links);
    // The first line is what a phone shows of a text-only reading: the counts, then hello.
    let mut out = format!(
        "{}\n\nHello {},\n\nHere is what happened in your Staffroom networks {}.\n",
        preheader(letter),
        letter.display_name,
        period_words(cadence)
    );
    for section in &letter.sections {
        out.push_str(&format!("\n{}\n", section.kind.heading().to_uppercase()));
        for item in &section.items {
            out.push_str(&format!(
                "\n- {}\n  {}\n  {}{}\n",
                item.title, item.context, links.public_url, item.path
            ));
        }
        if let Some(all) = section.see_all(&letter.home) {
            out.push_str(&format!(
                "\n  See all {}: {}{}\n",
                section.total_label(),
                links.public_url,
                all
            ));
        }
    }
    out.push_str(&format!(
        "\n--\nYou get this {} digest because you are a member of these networks on Staffroom.\nChange when it comes: {}\nUnsubscribe from digests: {}\n",
        cadence.as_str(),
        links.settings,
        links.unsubscribe
    ));
    out
}

fn html(letter: &Letter) -> String {
    let (cadence, links) = (letter.cadence, &letter.links);
    let mut rows = String::new();
    for section in &letter.sections {
        rows.push_str(&layout::heading_row(section.kind.heading()));
        for item in &section.items {
            let href = format!("{}{}", links.public_url, item.path);
            rows.push_str(&layout::item_row(&href, &item.title, &item.context));
        }
        if let Some(all) = section.see_all(&letter.home) {
            let href = format!("{}{}", links.public_url, all);
            rows.push_str(&layout::link_row(
                &href,
                &format!("See all {}", section.total_label()),
            ));
        }
    }
    let footer = format!(
        "You get this {} digest because you are a member of these networks on Staffroom. {} · {}",
        cadence.as_str(),
        layout::footer_link(&links.settings, "Change when it comes"),
        layout::footer_link(&links.unsubscribe, "Unsubscribe"),
    );
    let intro = format!(
        "Hello {}, here is what happened in your networks {}.",
        letter.display_name,
        period_words(cadence)
    );
    layout::page(&subject(letter), &preheader(letter), &intro, &rows, &footer)
}

/// What a phone's inbox shows under the subject: the first sections, counted ("2 answers to
/// your requests · 5 new discussions · 1 convening coming up"), not "Hello Ana".
pub fn preheader(letter: &Letter) -> String {
    let shown: Vec<&Section> = letter
        .sections
        .iter()
        .filter(|s| !s.items.is_empty())
        .collect();
    let mut parts: Vec<String> = shown
        .iter()
        .take(3)
        .map(|s| s.kind.counted(&s.total_label(), s.total == 1))
        .collect();
    if shown.len() > 3 {
        parts.push("and more".to_owned());
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::super::compose::Item;
    use super::*;

    fn letter(cadence: Cadence, sections: Vec<Section>) -> Letter {
        let digest = Digest {
            member_id: 1,
            display_name: "Dana <Principal>".into(),
            email: "dana@example.org".into(),
            timezone: chrono_tz::Tz::UTC,
            since: crate::clock::now(),
            sections,
            home: "/networks/7".into(),
        };
        Letter::new(digest, cadence, links())
    }

    fn section(kind: SectionKind, n: usize, total: usize) -> Section {
        Section {
            kind,
            items: (0..n)
                .map(|i| Item {
                    title: format!("Item {i} & <b>more</b>"),
                    path: format!("/threads/{i}"),
                    context: "Attendance PLN · attendance · no answers yet".into(),
                })
                .collect(),
            total,
        }
    }

    fn links() -> Links {
        Links {
            public_url: "https://staffroom.example".into(),
            unsubscribe: "https://staffroom.example/unsubscribe?token=t".into(),
            settings: "https://staffroom.example/settings".into(),
        }
    }

    #[test]
    fn the_preheader_counts_the_first_sections_and_the_text_starts_with_it() {
        let l = letter(
            Cadence::Weekly,
            vec![
                section(SectionKind::AnswersForYou, 1, 1),
                section(SectionKind::NewThreads, 5, 9),
                section(SectionKind::Convenings, 0, 0),
                section(SectionKind::NewResources, 2, 2),
                section(SectionKind::ActionItems, 1, 1),
            ],
        );
        let expected =
            "1 answer to your help requests · 9 new discussions · 2 new in the library · and more";
        assert_eq!(preheader(&l), expected);
        let email = l.email();
        assert!(
            email.text.starts_with(&format!("{expected}\n\nHello ")),
            "{}",
            email.text
        );
        assert!(email.html.contains(&format!(
            "overflow:hidden;mso-hide:all\">{}</div>",
            expected.replace('·', "&#183;")
        )));
    }

    #[test]
    fn the_subject_leads_with_who_needs_help() {
        let l = letter(
            Cadence::Weekly,
            vec![
                section(SectionKind::HelpWanted, 3, 3),
                section(SectionKind::NewThreads, 2, 2),
            ],
        );
        assert_eq!(
            subject(&l),
            "3 colleagues need your help on attendance · Staffroom weekly"
        );
        let l = letter(Cadence::Daily, vec![section(SectionKind::NewThreads, 1, 1)]);
        assert_eq!(
            subject(&l),
            "1 new discussion in your networks · Staffroom daily"
        );
        let l = letter(
            Cadence::Daily,
            vec![section(SectionKind::NewThreads, 5, TOTAL_CAP + 1)],
        );
        assert_eq!(
            subject(&l),
            "100+ new discussions in your networks · Staffroom daily"
        );
        assert!(l.email().text.contains("See all 100+: "));
    }

    #[test]
    fn html_escapes_everything_and_text_carries_every_link() {
        let email = letter(
            Cadence::Weekly,
            vec![section(SectionKind::NewThreads, 5, 9)],
        )
        .email();
        assert!(!email.html.contains("<b>more</b>"));
        assert!(email.html.contains("Item 0 &amp; &lt;b&gt;more&lt;/b&gt;"));
        assert!(email.html.contains("Dana &lt;Principal&gt;"));
        for i in 0..5 {
            assert!(email
                .text
                .contains(&format!("https://staffroom.example/threads/{i}\n")));
        }
        assert!(email
            .text
            .contains("See all 9: https://staffroom.example/networks/7\n"));
        assert!(email
            .text
            .contains("https://staffroom.example/unsubscribe?token=t"));
        assert!(!email.html.contains("<style"));
    }

    #[test]
    fn a_stored_letter_writes_the_same_email() {
        let l = letter(
            Cadence::Weekly,
            vec![
                section(SectionKind::HelpWanted, 2, 2),
                section(SectionKind::Convenings, 1, 1),
            ],
        );
        let email = l.email();
        let stored = serde_json::to_string(&l).unwrap();
        assert_eq!(write_stored(&stored).unwrap(), (email.text, email.html));
        assert!(write_stored("{\"cadence\":\"weekly\"}").is_err());
    }

    #[test]
    fn see_all_leads_to_the_readers_network_or_their_notifications() {
        let l = letter(
            Cadence::Weekly,
            vec![
                section(SectionKind::Mentions, 5, 6),
                section(SectionKind::NewResources, 5, 8),
            ],
        );
        let email = l.email();
        assert!(email
            .text
            .contains("See all 6: https://staffroom.example/notifications\n"));
        assert!(email
            .text
            .contains("See all 8: https://staffroom.example/networks/7\n"));
        assert!(email
            .html
            .contains("href=\"https://staffroom.example/networks/7\""));
        // A letter queued before letters kept their reader's home leads to their networks.
        let mut stored: serde_json::Value = serde_json::to_value(&l).unwrap();
        stored.as_object_mut().unwrap().remove("home");
        let (text, _) = write_stored(&stored.to_string()).unwrap();
        assert!(
            text.contains("See all 8: https://staffroom.example/\n"),
            "{text}"
        );
    }
}
