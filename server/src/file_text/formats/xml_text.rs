//! The text of an XML part, streamed (never a whole document tree in memory), by rules
//! that say which elements hold words and which break lines. Entities other than XML's
//! five and character references are never expanded, so there is nothing to "laugh" with.

use super::{TextSink, Unreadable};
use quick_xml::events::Event;
use quick_xml::Reader;

/// Elements are named by their local name, without namespace prefix.
pub struct Rules {
    /// Words are kept only inside these elements; empty: words anywhere.
    pub text_in: &'static [&'static [u8]],
    /// Elements whose content is left out entirely (tracked deletions, comments).
    pub skip: &'static [&'static [u8]],
    /// Elements that end a line where they end (paragraphs, rows) or stand alone (breaks).
    pub line_ends: &'static [&'static [u8]],
    /// Elements that stand for a space (tabs, cells).
    pub spaces: &'static [&'static [u8]],
}

/// Adds the words of `xml` to `sink`, stopping once it is full.
pub fn collect(xml: &[u8], rules: &Rules, sink: &mut TextSink) -> Result<(), Unreadable> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut inside_text = 0usize;
    let mut skipping = 0usize;
    let keeps = |inside_text: usize, skipping: usize| {
        skipping == 0 && (rules.text_in.is_empty() || inside_text > 0)
    };
    while !sink.is_full() {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|err| Unreadable::new(format!("its XML is malformed: {err}")))?;
        match event {
            Event::Start(element) => {
                let name = element.local_name();
                let name = name.as_ref();
                if rules.skip.contains(&name) {
                    skipping += 1;
                }
                if rules.text_in.contains(&name) {
                    inside_text += 1;
                }
            }
            Event::Empty(element) => {
                let name = element.local_name();
                boundary(name.as_ref(), rules, skipping, sink);
            }
            Event::End(element) => {
                let name = element.local_name();
                let name = name.as_ref();
                if rules.skip.contains(&name) {
                    skipping = skipping.saturating_sub(1);
                }
                if rules.text_in.contains(&name) {
                    inside_text = inside_text.saturating_sub(1);
                }
                boundary(name, rules, skipping, sink);
            }
            Event::Text(text) if keeps(inside_text, skipping) => {
                let text = text
                    .decode()
                    .map_err(|err| Unreadable::new(format!("its XML is not text: {err}")))?;
                sink.push_str(&text);
            }
            Event::CData(text) if keeps(inside_text, skipping) => {
                sink.push_str(&String::from_utf8_lossy(&text));
            }
            Event::GeneralRef(reference) if keeps(inside_text, skipping) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match &*reference {
                        b"amp" => Some('&'),
                        b"lt" => Some('<'),
                        b"gt" => Some('>'),
                        b"quot" => Some('"'),
                        b"apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(c) = resolved {
                    sink.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    sink.end_line();
    Ok(())
}

fn boundary(name: &[u8], rules: &Rules, skipping: usize, sink: &mut TextSink) {
    if skipping > 0 {
        return;
    }
    if rules.line_ends.contains(&name) {
        sink.end_line();
    } else if rules.spaces.contains(&name) {
        sink.space();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAGRAPHS: Rules = Rules {
        text_in: &[b"t"],
        skip: &[b"del"],
        line_ends: &[b"p", b"br"],
        spaces: &[b"tab"],
    };

    fn words(xml: &str, rules: &Rules) -> String {
        let mut sink = TextSink::default();
        collect(xml.as_bytes(), rules, &mut sink).unwrap();
        sink.text
    }

    #[test]
    fn keeps_words_of_text_elements_with_lines_and_entities() {
        let xml = r#"<w:document xmlns:w="x"><w:body>
            <w:p><w:r><w:t>Fractions &amp; </w:t></w:r><w:r><w:tab/><w:t>ratios&#33;</w:t></w:r></w:p>
            <w:p><w:r><w:instrText>PAGE</w:instrText><w:t xml:space="preserve">Exit ticket</w:t></w:r></w:p>
            <w:p><w:del><w:r><w:t>deleted words</w:t></w:r></w:del></w:p>
        </w:body></w:document>"#;
        assert_eq!(
            words(xml, &PARAGRAPHS),
            "Fractions & ratios!\nExit ticket\n"
        );
    }

    #[test]
    fn custom_entities_are_never_expanded() {
        let xml = r#"<!DOCTYPE d [<!ENTITY lol "lollollollollol">]><d><t>&lol;&lol; hi</t></d>"#;
        assert_eq!(words(xml, &PARAGRAPHS), " hi\n");
    }

    #[test]
    fn malformed_xml_is_unreadable() {
        let mut sink = TextSink::default();
        let err = collect(b"<a><t>x</b></a>", &PARAGRAPHS, &mut sink).unwrap_err();
        assert!(err.0.contains("malformed"), "{err}");
    }
}
