//! A digest as an email: a subject that says why to open it, a plain-text part that reads
//! well on its own, and an HTML part with inline styles only (mail clients drop `<style>`
//! blocks and external sheets), laid out in a single table column that narrows on phones.
//!
//! A digest run keeps each email as its `Letter` (JSON, a fifth of the size of the text
//! and HTML) in the mail outbox, and the mail worker writes the bodies when it sends it
//! (`write_stored`): the same letter always writes the same email.

use super::compose::{count_label, Digest, Item, Section, SectionKind, TOTAL_CAP};
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
    /// The networks it covers, for the footer.
    #[serde(default)]
    pub networks: Vec<String>,
    /// Where "see all" led in letters queued before sections kept their own links.
    #[serde(default = "root", skip_serializing)]
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
            networks: digest.networks,
            home: root(),
        }
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

/// The most pressing reason to open it, in a few words: the digest's first item (its
/// sections come most personal first), and how many more of its kind.
fn headline(letter: &Letter) -> String {
    let Some((section, first)) = letter
        .sections
        .iter()
        .find_map(|s| Some((s, s.items.first()?)))
    else {
        return "What's new in your networks".to_owned();
    };
    let more = || match section.total {
        0 | 1 => String::new(),
        // A capped total means more than it says: "and 100+ more".
        n if n > TOTAL_CAP => format!(" and {TOTAL_CAP}+ more"),
        n => format!(" and {} more", n - 1),
    };
    let quoted = format!("\u{201c}{}\u{201d}", first.title);
    // The context's first part: who (mentions, answers), or when (action items).
    let lead = first.context.split(" · ").next().unwrap_or_default();
    match section.kind {
        SectionKind::Mentions => format!("{lead} in {quoted}{}", more()),
        SectionKind::AnswersForYou => format!("{lead} your request {quoted}{}", more()),
        SectionKind::HelpWanted => {
            let topic = first
                .context
                .split(" · ")
                .nth(1)
                .filter(|t| !t.contains("answer"))
                .map(|t| format!(" on {t}"))
                .unwrap_or_default();
            match section.total {
                1 => format!("A colleague needs your help{topic}"),
                n => format!("{} colleagues need your help{topic}", count_label(n)),
            }
        }
        SectionKind::ActionItems => format!("Your action item {quoted} is {lead}{}", more()),
        SectionKind::CheckInsDue => format!("{}{}", first.title, more()),
        SectionKind::OpenPolls => {
            plural(section.total, "poll is", "polls are") + " waiting for your answer"
        }
        SectionKind::BrightSpots => format!("{}: see what they tried", first.title),
        SectionKind::NewThreads => {
            plural(section.total, "new discussion", "new discussions") + " in your networks"
        }
        SectionKind::ActiveThreads => format!("New posts in {quoted}{}", more()),
        SectionKind::NewResources => {
            plural(section.total, "new resource", "new resources") + " shared with you"
        }
        SectionKind::HelpfulResources => {
            format!("Colleagues found {quoted} helpful{}", more())
        }
        SectionKind::Convenings => format!("{} is coming up", first.title),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", count_label(n))
    }
}

fn period_words(cadence: Cadence) -> &'static str {
    match cadence {
        Cadence::Daily => "since yesterday",
        Cadence::Weekly => "this week",
    }
}

/// Why the email came: the networks it covers, by name.
fn because(letter: &Letter) -> String {
    let cadence = letter.cadence.as_str();
    let names = &letter.networks;
    let listed = match names.len() {
        0 => return format!("You get this {cadence} digest as a member of Staffroom."),
        1 => names[0].clone(),
        2..=4 => format!(
            "{} and {}",
            names[..names.len() - 1].join(", "),
            names[names.len() - 1]
        ),
        n => format!("{}, {} and {} more", names[0], names[1], n - 2),
    };
    format!("You get this {cadence} digest because you are a member of {listed} on Staffroom.")
}

/// The "see all" links of a section: `(label, path)`, the label naming the count and, when
/// the rest lies in several networks, the network. Letters queued before sections kept
/// their own links lead to `home`.
fn see_all(section: &Section, home: &str) -> Vec<(String, String)> {
    if section.total <= section.items.len() {
        return Vec::new();
    }
    if section.see_all.is_empty() {
        return vec![(
            format!("See all {}", section.total_label()),
            home.to_owned(),
        )];
    }
    section
        .see_all
        .iter()
        .map(|link| {
            let label = match &link.label {
                Some(network) => format!("See all {} in {network}", count_label(link.count)),
                None => format!("See all {}", section.total_label()),
            };
            (label, link.path.clone())
        })
        .collect()
}

fn text_item(out: &mut String, item: &Item, public_url: &str) {
    out.push_str(&format!("\n- {}\n", item.title));
    if let Some(excerpt) = &item.excerpt {
        out.push_str(&format!("  \u{201c}{excerpt}\u{201d}\n"));
    }
    out.push_str(&format!(
        "  {}\n  {public_url}{}\n",
        item.context, item.path
    ));
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
            text_item(&mut out, item, &links.public_url);
        }
        for (label, path) in see_all(section, &letter.home) {
            out.push_str(&format!("\n  {label}: {}{path}\n", links.public_url));
        }
    }
    out.push_str(&format!(
        "\n--\n{}\nChange when it comes: {}\nUnsubscribe from digests: {}\n",
        because(letter),
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
            rows.push_str(&layout::item_row_with_excerpt(
                &href,
                &item.title,
                &item.context,
                item.excerpt.as_deref(),
            ));
        }
        for (label, path) in see_all(section, &letter.home) {
            rows.push_str(&layout::link_row(
                &format!("{}{path}", links.public_url),
                &label,
            ));
        }
    }
    let footer = format!(
        "{} {} · {}",
        crate::text::escape_html(&because(letter)),
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
            networks: vec!["Attendance PLN".into()],
            still_told: Vec::new(),
        };
        Letter::new(digest, cadence, links())
    }

    fn section(kind: SectionKind, n: usize, total: usize) -> Section {
        let mut section = Section::new(
            kind,
            (0..n)
                .map(|i| Item {
                    title: format!("Item {i} & <b>more</b>"),
                    path: format!("/threads/{i}"),
                    context: "Attendance PLN · attendance · no answers yet".into(),
                    excerpt: (i == 0).then(|| "Try <i>daily</i> calls".to_owned()),
                    seen: Default::default(),
                    network: Some(7),
                })
                .collect(),
            total,
        );
        section.by_network = vec![(7, total)];
        section.link_the_rest(&Default::default());
        section
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
    fn see_all_leads_to_the_sections_list_or_the_readers_notifications() {
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
            .contains("See all 8: https://staffroom.example/networks/7/resources\n"));
        assert!(email
            .html
            .contains("href=\"https://staffroom.example/networks/7/resources\""));
        // A letter queued before sections kept their links leads to the reader's networks.
        let mut stored: serde_json::Value = serde_json::to_value(&l).unwrap();
        for section in stored["sections"].as_array_mut().unwrap() {
            section.as_object_mut().unwrap().remove("see_all");
        }
        let (text, _) = write_stored(&stored.to_string()).unwrap();
        assert!(
            text.contains("See all 8: https://staffroom.example/\n"),
            "{text}"
        );
    }

    #[test]
    fn the_top_item_decides_the_subject() {
        let mut mention = section(SectionKind::Mentions, 1, 2);
        mention.items[0].title = "Tardy policy".into();
        mention.items[0].context = "Cal Colleague mentioned you".into();
        let l = letter(
            Cadence::Weekly,
            vec![
                mention,
                section(SectionKind::HelpWanted, 3, 3),
                section(SectionKind::BrightSpots, 1, 1),
            ],
        );
        assert_eq!(
            subject(&l),
            "Cal Colleague mentioned you in \u{201c}Tardy policy\u{201d} and 1 more · Staffroom weekly"
        );
    }

    #[test]
    fn lines_carry_their_excerpt_and_the_footer_names_the_networks() {
        let mut l = letter(
            Cadence::Weekly,
            vec![section(SectionKind::NewThreads, 2, 2)],
        );
        let email = l.email();
        assert!(
            email.text.contains("- Item 0 & <b>more</b>\n  \u{201c}Try <i>daily</i> calls\u{201d}\n  Attendance PLN"),
            "{}",
            email.text
        );
        assert!(email
            .html
            .contains(">Try &lt;i&gt;daily&lt;/i&gt; calls</div>"));
        assert!(email
            .text
            .contains("because you are a member of Attendance PLN on Staffroom."));
        l.networks = vec!["A".into(), "B & C".into(), "D".into()];
        let email = l.email();
        assert!(email
            .text
            .contains("member of A, B & C and D on Staffroom."));
        assert!(email
            .html
            .contains("member of A, B &amp; C and D on Staffroom."));
    }
}
