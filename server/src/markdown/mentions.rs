//! `@handle` mentions in markdown: where they are (outside code and links), and the links
//! those that name someone become in the HTML.
//!
//! Finding and rendering walk the same parsed text, so what is reported as a mention is
//! exactly what is rendered as one.

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use std::collections::HashMap;
use std::ops::Range;

/// More handles than this in one body are ignored: nobody is notified by a list of 100.
pub const MAX_MENTIONS: usize = 20;

/// The word that mentions a network's facilitators; no member may have it as a handle.
pub const FACILITATORS: &str = "facilitators";

/// What a resolved mention renders as, keyed by the lowercased handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MentionLink {
    /// `<a class="mention" href="/members/{id}">@handle</a>`, with the handle as stored.
    Member { id: i64, handle: String },
    /// `@facilitators`: a group, not a page, so a `<span class="mention">`.
    Facilitators,
}

pub type MentionLinks = HashMap<String, MentionLink>;

/// Handles mentioned in `source`, lowercased and deduplicated, at most `MAX_MENTIONS`. An
/// `@` counts only at the start of a text or after a character that cannot be part of a
/// word (so emails are not mentions), and not inside code or a link's text.
pub fn extract_handles(source: &str) -> Vec<String> {
    let mut handles: Vec<String> = Vec::new();
    for event in mentionable(super::parse(source).collect()) {
        if let Event::Text(text) = event {
            for (_, handle) in mentions_in(&text) {
                if !handles.contains(&handle) {
                    handles.push(handle);
                    if handles.len() == MAX_MENTIONS {
                        return handles;
                    }
                }
            }
        }
    }
    handles
}

/// The events with each resolved mention in text replaced by its link (inline HTML the
/// sanitizer keeps: see `mod.rs`); everything else passes through unchanged.
pub fn link_mentions<'a>(events: Vec<Event<'a>>, links: &MentionLinks) -> Vec<Event<'a>> {
    if links.is_empty() {
        return events;
    }
    let mut out = Vec::with_capacity(events.len());
    let mut depth = Context::default();
    for event in coalesce_text(events) {
        match event {
            Event::Text(text) if depth.is_mentionable() => {
                let mut rest = 0;
                for (range, handle) in mentions_in(&text) {
                    let Some(link) = links.get(&handle) else {
                        continue;
                    };
                    if range.start > rest {
                        out.push(Event::Text(CowStr::from(
                            text[rest..range.start].to_owned(),
                        )));
                    }
                    out.push(Event::InlineHtml(CowStr::from(link_html(link))));
                    rest = range.end;
                }
                if rest == 0 {
                    out.push(Event::Text(text));
                } else if rest < text.len() {
                    out.push(Event::Text(CowStr::from(text[rest..].to_owned())));
                }
            }
            other => {
                depth.track(&other);
                out.push(other);
            }
        }
    }
    out
}

fn link_html(link: &MentionLink) -> String {
    match link {
        MentionLink::Member { id, handle } => format!(
            "<a class=\"mention\" href=\"/members/{id}\">@{}</a>",
            escape(handle)
        ),
        MentionLink::Facilitators => format!("<span class=\"mention\">@{FACILITATORS}</span>"),
    }
}

/// Handles are letters, digits and hyphens; escaped anyway, as they come from the database.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Only the text events in which a mention may stand (outside code, links and images),
/// with adjacent texts joined (the parser splits text at characters that might start
/// markup, which could cut a handle in two).
fn mentionable(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut depth = Context::default();
    coalesce_text(events)
        .into_iter()
        .filter(|event| {
            depth.track(event);
            matches!(event, Event::Text(_)) && depth.is_mentionable()
        })
        .collect()
}

fn coalesce_text(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    for event in events {
        match (out.last_mut(), event) {
            (Some(Event::Text(previous)), Event::Text(text)) => {
                *previous = CowStr::from(format!("{previous}{text}"));
            }
            (_, event) => out.push(event),
        }
    }
    out
}

/// How deep inside code blocks and links the walk is.
#[derive(Default)]
struct Context {
    code_blocks: usize,
    links: usize,
}

impl Context {
    fn track(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => self.code_blocks += 1,
            Event::End(TagEnd::CodeBlock) => self.code_blocks = self.code_blocks.saturating_sub(1),
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => self.links += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => self.links = self.links.saturating_sub(1),
            _ => {}
        }
    }

    fn is_mentionable(&self) -> bool {
        self.code_blocks == 0 && self.links == 0
    }
}

/// Each `@handle` in a run of text: the byte range of `@handle` and the handle lowercased.
/// A handle is letters, digits and inner hyphens (`@ana-,` is `ana`).
fn mentions_in(text: &str) -> Vec<(Range<usize>, String)> {
    let mut found = Vec::new();
    let mut previous: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let at_boundary = previous.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '.'));
        previous = Some(c);
        if c != '@' || !at_boundary {
            continue;
        }
        let start = index + 1;
        let mut end = start;
        while let Some(&(i, ch)) = chars.peek() {
            if !(ch.is_alphanumeric() || ch == '-') {
                break;
            }
            end = i + ch.len_utf8();
            previous = Some(ch);
            chars.next();
        }
        let handle = text[start..end].trim_end_matches('-');
        if !handle.is_empty() {
            found.push((index..start + handle.len(), handle.to_lowercase()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_handles_but_not_emails_or_code() {
        let body = "Thanks @roxy-heiser and @Lauren! Mail me at ana@school.org.\n`@not-this` \n```\n@nor-this\n```\n@roxy-heiser again";
        assert_eq!(extract_handles(body), vec!["roxy-heiser", "lauren"]);
    }

    #[test]
    fn trailing_hyphens_and_punctuation_are_not_part_of_a_handle() {
        assert_eq!(extract_handles("cc @ana-, @bo."), vec!["ana", "bo"]);
    }

    #[test]
    fn link_texts_and_emphasis() {
        assert_eq!(
            extract_handles("[@not-me](https://example.org) *@Em* x@no _@yes_"),
            vec!["em", "yes"]
        );
    }

    #[test]
    fn ranges_cover_the_at_sign_and_the_handle() {
        assert_eq!(
            mentions_in("hi @Roxy-Heiser-!"),
            vec![(3..15, "roxy-heiser".to_owned())]
        );
    }
}
