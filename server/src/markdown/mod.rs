//! Markdown bodies rendered to HTML on the server, then sanitized: clients can insert
//! `body_html` into a page as it is.
//!
//! Images are loaded by every reader's browser, so an image on someone else's host tells
//! that host who read a post and when. Only images on this instance (relative paths) and on
//! `markdown.image_hosts` stay images; any other becomes a link to it, and raw `<img>` tags
//! pointing elsewhere lose their source.

pub mod mentions;

use crate::text::MarkdownBody;
use ammonia::Builder;
use mentions::MentionLinks;
use pulldown_cmark::{html, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

/// The renderer, configured once per instance.
#[derive(Clone)]
pub struct Markdown {
    sanitizer: Arc<Builder<'static>>,
    image_hosts: Arc<ImageHosts>,
}

/// Hosts images may come from: `images.example.org`, or `*.example.org` for its subdomains.
#[derive(Debug, Default)]
struct ImageHosts(Vec<String>);

impl ImageHosts {
    /// Whether `src` may be loaded by readers: relative to this instance, or on an allowed
    /// host over http(s).
    fn allow(&self, src: &str) -> bool {
        match url::Url::parse(src) {
            Err(url::ParseError::RelativeUrlWithoutBase) => !src.starts_with("//"),
            Err(_) => false,
            Ok(url) => {
                let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
                    return false;
                };
                matches!(url.scheme(), "http" | "https")
                    && self
                        .0
                        .iter()
                        .any(|allowed| match allowed.strip_prefix("*.") {
                            Some(domain) => host.ends_with(&format!(".{domain}")),
                            None => host == *allowed,
                        })
            }
        }
    }
}

impl Default for Markdown {
    fn default() -> Self {
        Markdown::new(&[])
    }
}

impl Markdown {
    pub fn new(image_hosts: &[String]) -> Markdown {
        let hosts = Arc::new(ImageHosts(
            image_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
        ));
        let filter_hosts = hosts.clone();
        let mut builder = Builder::default();
        builder
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer nofollow ugc"))
            .add_tags(["input"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_generic_attributes(["align"])
            // Mentions (see `mentions.rs`): the one class kept, on links and spans only.
            .add_allowed_classes("a", ["mention"])
            .add_allowed_classes("span", ["mention"])
            .attribute_filter(move |element, attribute, value| {
                if element == "img" && attribute == "src" && !filter_hosts.allow(value) {
                    None
                } else {
                    Some(Cow::Borrowed(value))
                }
            });
        Markdown {
            sanitizer: Arc::new(builder),
            image_hosts: hosts,
        }
    }

    /// Renders member-written markdown into safe HTML: no scripts, no event handlers, no
    /// `javascript:` URLs, raw HTML reduced to the allowed subset, no images from
    /// elsewhere.
    pub fn render(&self, source: &str) -> String {
        self.render_with_mentions(source, &MentionLinks::new())
    }

    /// Like `render`, with each `@handle` named in `links` as a mention link (or span).
    pub fn render_with_mentions(&self, source: &str, links: &MentionLinks) -> String {
        // Images that may not load stay visible as links, marked as images.
        let mut converted: Vec<bool> = Vec::new();
        let events: Vec<Event<'_>> = parse(source)
            .flat_map(|event| match event {
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let keep = self.image_hosts.allow(&dest_url);
                    converted.push(!keep);
                    if keep {
                        vec![Event::Start(Tag::Image {
                            link_type,
                            dest_url,
                            title,
                            id,
                        })]
                    } else {
                        vec![
                            Event::Start(Tag::Link {
                                link_type: LinkType::Inline,
                                dest_url,
                                title,
                                id,
                            }),
                            Event::Text(CowStr::Borrowed("image: ")),
                        ]
                    }
                }
                Event::End(TagEnd::Image) => {
                    if converted.pop().unwrap_or(false) {
                        vec![Event::End(TagEnd::Link)]
                    } else {
                        vec![Event::End(TagEnd::Image)]
                    }
                }
                other => vec![other],
            })
            .collect();
        let events = mentions::link_mentions(events, links);
        let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
        html::push_html(&mut unsafe_html, events.into_iter());
        without_rel_on_mentions(self.sanitizer.clean(&unsafe_html).to_string())
    }
}

/// The parser with the extensions member-written markdown gets.
fn parse(source: &str) -> Parser<'_> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    Parser::new_ext(source, options)
}

/// The sanitizer gives every link `rel="noopener noreferrer nofollow ugc"`; a mention is a
/// link to a page of this instance, which needs none, and the contract gives it as
/// `<a class="mention" href="/members/{id}">@handle</a>`.
fn without_rel_on_mentions(html: String) -> String {
    const OPENING: &str = "<a class=\"mention\" href=\"/members/";
    const REL: &str = "\" rel=\"noopener noreferrer nofollow ugc\">";
    if !html.contains(OPENING) {
        return html;
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(at) = rest.find(OPENING) {
        let after = &rest[at + OPENING.len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(&rest[..at + OPENING.len() + digits]);
        rest = &after[digits..];
        if digits > 0 && rest.starts_with(REL) {
            out.push_str("\">");
            rest = &rest[REL.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// The first words of a markdown body as one line of plain text, at most `max_chars`
/// characters, cut at a word with `…` when there was more: excerpts in the feed and digests.
pub fn one_line(source: &str, max_chars: usize) -> String {
    let text = plain_text(source)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    // A cut word reads as a typo; end on the last whole one unless that loses too much.
    let whole = match cut.rfind(' ') {
        Some(at) if at >= cut.len() / 2 => &cut[..at],
        _ => &cut,
    };
    format!("{}…", whole.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// The words of a markdown body without its markup, for search: text, code and link
/// texts, blocks separated by newlines. Raw HTML tags are left out (text between them
/// stays, as readers see it).
pub fn plain_text(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for event in Parser::new_ext(source, Options::all()) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            )
            | Event::End(TagEnd::TableCell) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_owned()
}

// Rendering belongs to markdown, parsing to `text.rs`: the parsed type stays below every
// capability and knows no renderer.
impl MarkdownBody {
    /// The sanitized HTML to store beside the source.
    pub fn render(&self, markdown: &Markdown) -> String {
        markdown.render(self.as_str())
    }

    /// The HTML to store, with the body's resolved mentions as links.
    pub fn render_with_mentions(&self, markdown: &Markdown, links: &MentionLinks) -> String {
        markdown.render_with_mentions(self.as_str(), links)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn one_line_is_plain_cut_at_a_word_and_marked() {
        assert_eq!(super::one_line("**Hello**\n\nworld", 200), "Hello world");
        let long = "attendance ".repeat(30);
        let line = super::one_line(&long, 50);
        assert!(line.ends_with("attendance…"), "{line}");
        assert!(line.chars().count() <= 51, "{line}");
        // One unbroken word is cut where it must be.
        let word = "x".repeat(80);
        assert_eq!(super::one_line(&word, 10), format!("{}…", "x".repeat(10)));
    }

    #[test]
    fn plain_text_keeps_words_and_drops_markup() {
        let text = super::plain_text(
            "# Attendance *incentives*\n\nTry `daily check-ins` and [the letter](https://example.org).\n\n<b>raw</b>",
        );
        assert_eq!(
            text,
            "Attendance incentives\nTry daily check-ins and the letter.\nraw"
        );
    }
    use super::Markdown;

    fn render(source: &str) -> String {
        Markdown::default().render(source)
    }

    #[test]
    fn renders_common_markdown() {
        let html = render("# Title\n\n**bold** and [link](https://example.org)");
        assert!(html.contains("<h1>Title</h1>"));
        assert!(html.contains("<strong>bold</strong>"));
        assert!(html.contains("href=\"https://example.org\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow ugc\""));
    }

    #[test]
    fn strips_scripts_handlers_and_javascript_urls() {
        let html = render(
            "<script>alert(1)</script><img src=x onerror=alert(1)> <a href=\"javascript:alert(2)\">y</a>\n\n[x](javascript:alert(1))",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(
            html.contains(">x</a>"),
            "the markdown link survives without its URL: {html}"
        );
    }

    #[test]
    fn images_from_other_hosts_become_links() {
        let html = render("![attendance chart](https://tracker.example.com/pixel.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("href=\"https://tracker.example.com/pixel.png\""),
            "{html}"
        );
        assert!(html.contains("image: attendance chart"), "{html}");
        let raw = render("<img src=\"https://tracker.example.com/p.gif\" alt=\"x\">");
        assert!(!raw.contains("tracker.example.com"), "{raw}");
    }

    #[test]
    fn images_here_and_on_allowed_hosts_stay_images() {
        let markdown = Markdown::new(&[
            "images.example.org".to_owned(),
            "*.cdn.example.net".to_owned(),
        ]);
        for src in [
            "https://images.example.org/a.png",
            "https://eu.cdn.example.net/b.png",
            "/files/c.png",
        ] {
            let html = markdown.render(&format!("![chart]({src})"));
            assert!(
                html.contains(&format!("<img src=\"{src}\"")),
                "{src}: {html}"
            );
        }
        let html = markdown.render("![x](https://cdn.example.net.evil.org/a.png)");
        assert!(!html.contains("<img"), "{html}");
        let html = markdown.render("![x](//images.elsewhere.org/a.png)");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn resolved_mentions_become_links_and_the_rest_stays_text() {
        use super::mentions::{MentionLink, MentionLinks};
        let links = MentionLinks::from([
            (
                "roxy-heiser".to_owned(),
                MentionLink::Member {
                    id: 7,
                    handle: "roxy-heiser".to_owned(),
                },
            ),
            ("facilitators".to_owned(), MentionLink::Facilitators),
        ]);
        let html = Markdown::default().render_with_mentions(
            "Hi @Roxy-Heiser, @roxy and @facilitators: `@roxy-heiser` [@roxy-heiser](https://example.org)",
            &links,
        );
        assert_eq!(
            html,
            "<p>Hi <a class=\"mention\" href=\"/members/7\">@roxy-heiser</a>, @roxy and \
             <span class=\"mention\">@facilitators</span>: <code>@roxy-heiser</code> \
             <a href=\"https://example.org\" rel=\"noopener noreferrer nofollow ugc\">@roxy-heiser</a></p>\n"
        );
    }

    #[test]
    fn written_html_keeps_only_the_mention_class() {
        let html = render(
            "<a class=\"mention evil\" href=\"javascript:alert(1)\" onclick=\"x()\">@x</a> <span class=\"big mention\" style=\"x\">y</span> <p class=\"mention\">z</p>",
        );
        assert!(
            !html.contains("evil") && !html.contains("javascript") && !html.contains("onclick"),
            "{html}"
        );
        assert!(!html.contains("style") && !html.contains("big"), "{html}");
        assert!(html.contains("<span class=\"mention\">y</span>"), "{html}");
        assert!(html.contains("<p>z</p>"), "{html}");
    }
}
