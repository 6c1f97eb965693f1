//! Snippets: a short piece of a hit's text around what matched, HTML-escaped, with the
//! matching words in `<mark>`. The embedded engine uses this; Meilisearch's own highlights
//! go through `escape_marked` so that both return the same safe markup.

use super::fold::fold;
use super::query::words_of;
use super::settings::IndexSettings;
use crate::text::escape_html as escape;
use std::collections::HashSet;

/// Decides whether a word of a document matches the query the way the engines do: exactly,
/// within the typos its length allows, as a prefix for the last query word, or as a word of
/// a synonym.
pub struct Matcher {
    words: Vec<(String, u8)>,
    synonyms: HashSet<String>,
}

impl Matcher {
    pub fn new(words: &[String], settings: &IndexSettings) -> Matcher {
        let mut synonyms = HashSet::new();
        for start in 0..words.len() {
            for end in start + 1..=words.len().min(start + 3) {
                if let Some(equivalents) = settings.synonyms.get(&words[start..end].join(" ")) {
                    for equivalent in equivalents {
                        synonyms.extend(words_of(equivalent).map(|(_, w)| fold(w)));
                    }
                }
            }
        }
        Matcher {
            words: words
                .iter()
                .map(|w| {
                    let w = fold(w);
                    let typos = settings.typos_for(w.chars().count());
                    (w, typos)
                })
                .collect(),
            synonyms,
        }
    }

    pub fn matches(&self, word: &str) -> bool {
        let word = fold(word);
        if self.synonyms.contains(&word) {
            return true;
        }
        let last = self.words.len().saturating_sub(1);
        self.words.iter().enumerate().any(|(i, (query, typos))| {
            *query == word
                || (i == last && word.starts_with(query.as_str()))
                || (*typos > 0 && within(query, &word, *typos))
                || (i == last
                    && *typos > 0
                    && word.chars().count() > query.chars().count()
                    && within(
                        query,
                        &word.chars().take(query.chars().count()).collect::<String>(),
                        *typos,
                    ))
        })
    }
}

/// Whether `a` and `b` are at most `max` edits apart (insertions, deletions, substitutions,
/// and swaps of neighbours).
fn within(a: &str, b: &str, max: u8) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    // Optimal string alignment distance, three rows.
    let mut before = vec![0usize; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()] <= max
}

/// Up to `max_chars` of `text` around its best-matching passage (the one holding the most
/// different query words, the first of equals), escaped, matches marked; `None` when nothing
/// in `text` matches.
pub fn snippet(text: &str, matcher: &Matcher, max_chars: usize) -> Option<String> {
    let matched: Vec<(usize, usize)> = words_of(text)
        .filter(|(_, w)| matcher.matches(w))
        .map(|(at, w)| (at, at + w.len()))
        .collect();
    let first = best_passage(text, &matched, max_chars * 3 / 4)?;
    // Some context before the first match, starting at a word.
    let lead = max_chars / 4;
    let mut start = text[..first]
        .char_indices()
        .rev()
        .take(lead)
        .last()
        .map(|(at, _)| at)
        .unwrap_or(first);
    if start > 0 {
        start = text[start..first]
            .find(|c: char| c.is_whitespace())
            .map(|space| start + space + 1)
            .filter(|s| *s <= first)
            .unwrap_or(start);
    }
    // Nor from the line before: a document's fields (a resource's file name, then its
    // file's text) are lines of their own.
    if let Some(newline) = text[start..first].rfind('\n') {
        start += newline + 1;
    }
    let end = text[start..]
        .char_indices()
        .nth(max_chars)
        .map(|(at, _)| start + at)
        .unwrap_or(text.len());
    let mut out = String::with_capacity(end - start + 32);
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(from, to) in matched
        .iter()
        .filter(|(from, to)| *from >= start && *to <= end)
    {
        out.push_str(&escape(&text[at..from]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[from..to]));
        out.push_str("</mark>");
        at = to;
    }
    out.push_str(&escape(&text[at..end]));
    if end < text.len() {
        out.push('…');
    }
    Some(one_line(&out))
}

/// Where the passage with the most different matched words starts: of the matches, the one
/// followed within `span` bytes by the most distinct matched words.
fn best_passage(text: &str, matched: &[(usize, usize)], span: usize) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, &(from, _)) in matched.iter().enumerate() {
        let mut words: Vec<String> = matched[i..]
            .iter()
            .take_while(|(_, to)| *to <= from + span)
            .map(|&(a, b)| text[a..b].to_lowercase())
            .collect();
        words.sort_unstable();
        words.dedup();
        if best.is_none_or(|(count, _)| words.len() > count) {
            best = Some((words.len(), from));
        }
    }
    best.map(|(_, from)| from)
}

/// `html` with each run of whitespace (line breaks of a file, a field's end) as one space:
/// a snippet reads as one line of prose, the same from both engines.
fn one_line(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut space = false;
    for c in html.trim().chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Text with matches between `open` and `close` markers (as Meilisearch returns it) as
/// escaped HTML with `<mark>`: nothing of the document's own markup survives. A mark covers
/// whole words: Meilisearch marks only the part of a word a prefix or typo matched
/// (`<mark>attendanc</mark>e`), which reads as a cut word.
pub fn escape_marked(text: &str, open: &str, close: &str) -> String {
    // (text, marked) in order, from the markers.
    let mut segments: Vec<(String, bool)> = Vec::new();
    for (i, part) in text.split(open).enumerate() {
        match (i, part.split_once(close)) {
            (0, _) | (_, None) => segments.push((part.replace(close, ""), false)),
            (_, Some((marked, rest))) => {
                segments.push((marked.to_owned(), true));
                segments.push((rest.replace(close, ""), false));
            }
        }
    }
    for i in 0..segments.len() {
        if !segments[i].1 || segments[i].0.is_empty() {
            continue;
        }
        if i > 0 && !segments[i - 1].1 {
            let before = &segments[i - 1].0;
            let start = before
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_alphanumeric())
                .last()
                .map_or(before.len(), |(at, _)| at);
            let head = segments[i - 1].0.split_off(start);
            segments[i].0.insert_str(0, &head);
        }
        if i + 1 < segments.len() && !segments[i + 1].1 {
            let after = &segments[i + 1].0;
            let end = after
                .char_indices()
                .find(|(_, c)| !c.is_alphanumeric())
                .map_or(after.len(), |(at, _)| at);
            let tail: String = after[..end].to_owned();
            segments[i + 1].0.replace_range(..end, "");
            segments[i].0.push_str(&tail);
        }
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (part, marked) in segments {
        if marked && !part.is_empty() {
            out.push_str("<mark>");
            out.push_str(&escape(&part));
            out.push_str("</mark>");
        } else {
            out.push_str(&escape(&part));
        }
    }
    one_line(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_shows_the_passage_holding_most_of_the_words() {
        let settings = IndexSettings::shipped();
        let words = vec!["raffle".to_owned(), "incentives".to_owned()];
        let matcher = Matcher::new(&words, &settings);
        let text = format!(
            "Incentives came up once. {} Then a raffle as one of our incentives worked best.",
            "Filler words about other things entirely. ".repeat(8)
        );
        let shown = snippet(&text, &matcher, 60).unwrap();
        assert!(shown.starts_with('…'), "{shown}");
        assert!(
            shown.contains("<mark>raffle</mark>") && shown.contains("<mark>incentives</mark>"),
            "{shown}"
        );
    }

    fn matcher(query: &str) -> Matcher {
        let words: Vec<String> = words_of(query).map(|(_, w)| w.to_lowercase()).collect();
        Matcher::new(&words, &IndexSettings::shipped())
    }

    #[test]
    fn meilisearch_marks_grow_to_whole_words_and_stay_escaped() {
        assert_eq!(
            escape_marked("Our [attendanc]e plan & [incent]ives", "[", "]"),
            "Our <mark>attendance</mark> plan &amp; <mark>incentives</mark>"
        );
        assert_eq!(
            escape_marked("pre[fix] and <b>[niño]</b>s", "[", "]"),
            "<mark>prefix</mark> and &lt;b&gt;<mark>niño</mark>&lt;/b&gt;s"
        );
    }

    #[test]
    fn typos_prefixes_and_synonyms_are_marked() {
        let m = matcher("attendence incent");
        assert!(m.matches("Attendance"));
        assert!(m.matches("incentives"));
        assert!(!m.matches("attend"));
        let m = matcher("ell students");
        assert!(m.matches("bilingual"));
        assert!(m.matches("emergent"));
        assert!(within("absense", "absence", 1));
        assert!(within("recieve", "receive", 1));
        assert!(!within("cat", "dog", 2));
    }

    #[test]
    fn snippets_are_escaped_and_cut_around_the_match() {
        let text = format!(
            "{} We tried <b>daily</b> attendance incentives & calls home.",
            "Intro words. ".repeat(30)
        );
        let html = snippet(&text, &matcher("attendence"), 80).unwrap();
        assert!(html.starts_with('…'), "{html}");
        assert!(html.contains("<mark>attendance</mark>"), "{html}");
        assert!(html.contains("&lt;b&gt;daily&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>"));
        assert!(snippet("nothing here", &matcher("attendance"), 80).is_none());
    }

    #[test]
    fn snippets_start_at_the_line_of_the_match_and_read_as_one_line() {
        let text = "9\ncounseling\nfirst-absence-call-script.txt\nHello, this is ___ from\n  Lehman HS about an absence.";
        let html = snippet(text, &matcher("absence"), 200).unwrap();
        assert_eq!(
            html,
            "…first-<mark>absence</mark>-call-script.txt Hello, this is ___ from Lehman HS about an <mark>absence</mark>."
        );
        assert_eq!(
            escape_marked("a\n\n\u{1}b\u{2}\t c ", "\u{1}", "\u{2}"),
            "a <mark>b</mark> c"
        );
    }

    #[test]
    fn engine_markers_become_marks_and_markup_is_escaped() {
        assert_eq!(
            escape_marked("a <i>\u{1}x\u{2}</i> b", "\u{1}", "\u{2}"),
            "a &lt;i&gt;<mark>x</mark>&lt;/i&gt; b"
        );
    }
}
