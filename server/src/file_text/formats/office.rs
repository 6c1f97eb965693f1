//! Office documents: Word (DOCX), PowerPoint (PPTX) and Excel (XLSX) packages, and their
//! OpenDocument counterparts (ODT, ODP, ODS). Each is a zip package of XML parts; the kind
//! is told by the parts inside, whatever the file was called.

use super::package::Package;
use super::xml_text::{collect, Rules};
use super::{TextSink, Unreadable};

/// Slides and sheets read at most, in order.
const MAX_NUMBERED_PARTS: usize = 2_000;

const WORD: Rules = Rules {
    text_in: &[b"t"],
    skip: &[],
    line_ends: &[b"p", b"br", b"cr"],
    spaces: &[b"tab"],
};

const SLIDES: Rules = Rules {
    text_in: &[b"t"],
    skip: &[],
    line_ends: &[b"p", b"br"],
    spaces: &[b"tab"],
};

const SHARED_STRINGS: Rules = Rules {
    text_in: &[b"t"],
    // Phonetic guides repeat a cell's words in another script.
    skip: &[b"rPh"],
    line_ends: &[b"si"],
    spaces: &[],
};

const SHEET: Rules = Rules {
    // Cells written as inline strings; the others point into the shared strings.
    text_in: &[b"t"],
    skip: &[],
    line_ends: &[b"row"],
    spaces: &[b"c"],
};

const OPEN_DOCUMENT: Rules = Rules {
    text_in: &[],
    // Tracked deletions are words that were taken out; annotations are comments.
    skip: &[b"tracked-changes", b"annotation"],
    line_ends: &[b"p", b"h", b"line-break"],
    spaces: &[b"tab", b"s", b"table-cell"],
};

/// The words of an office package; one with none of the known parts has none.
pub fn text(bytes: &[u8]) -> Result<String, Unreadable> {
    let mut package = Package::open(bytes)?;
    let mut sink = TextSink::default();
    if package.has("word/document.xml") {
        for part in [
            "word/document.xml",
            "word/footnotes.xml",
            "word/endnotes.xml",
        ] {
            read_part(&mut package, part, &WORD, &mut sink)?;
        }
    } else if package.has("ppt/presentation.xml") {
        for number in numbered(&package, "ppt/slides/slide") {
            read_part(
                &mut package,
                &format!("ppt/slides/slide{number}.xml"),
                &SLIDES,
                &mut sink,
            )?;
            let notes = format!("ppt/notesSlides/notesSlide{number}.xml");
            read_part(&mut package, &notes, &SLIDES, &mut sink)?;
        }
    } else if package.has("xl/workbook.xml") {
        read_part(
            &mut package,
            "xl/sharedStrings.xml",
            &SHARED_STRINGS,
            &mut sink,
        )?;
        for number in numbered(&package, "xl/worksheets/sheet") {
            let sheet = format!("xl/worksheets/sheet{number}.xml");
            read_part(&mut package, &sheet, &SHEET, &mut sink)?;
        }
    } else if package.has("content.xml") {
        read_part(&mut package, "content.xml", &OPEN_DOCUMENT, &mut sink)?;
    }
    Ok(sink.text)
}

fn read_part(
    package: &mut Package<'_>,
    name: &str,
    rules: &Rules,
    sink: &mut TextSink,
) -> Result<(), Unreadable> {
    if sink.is_full() {
        return Ok(());
    }
    match package.part(name)? {
        Some(xml) => collect(&xml, rules, sink)
            .map_err(|err| Unreadable::new(format!("its part {name}: {err}"))),
        None => Ok(()),
    }
}

/// The numbers N of the parts `<prefix>N.xml`, in order (slide 10 after slide 9).
fn numbered(package: &Package<'_>, prefix: &str) -> Vec<u32> {
    let mut numbers: Vec<u32> = package
        .names()
        .filter_map(|name| {
            name.strip_prefix(prefix)?
                .strip_suffix(".xml")?
                .parse()
                .ok()
        })
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers.truncate(MAX_NUMBERED_PARTS);
    numbers
}

#[cfg(test)]
mod tests {
    use super::super::package::package_of;
    use super::*;

    #[test]
    fn open_document_text_keeps_paragraphs_and_leaves_out_deletions_and_comments() {
        let content = br#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>
<text:tracked-changes><text:changed-region><text:deletion><text:p>struck</text:p></text:deletion></text:changed-region></text:tracked-changes>
<text:h>Unit 3</text:h><text:p>Fractions<text:s/>on<text:tab/>number lines<office:annotation><text:p>a comment</text:p></office:annotation></text:p>
</office:text></office:body></office:document-content>"#;
        let bytes = package_of(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", content),
        ]);
        let words = text(&bytes).unwrap();
        assert!(
            words.contains("Unit 3\nFractions on number lines"),
            "{words:?}"
        );
        assert!(
            !words.contains("struck") && !words.contains("comment"),
            "{words:?}"
        );
    }

    #[test]
    fn spreadsheets_give_their_strings_and_slides_come_in_order() {
        let strings = br#"<sst><si><t>Campus</t></si><si><r><t>Attendance </t></r><r><t>rate</t></r><rPh><t>reading</t></rPh></si></sst>"#;
        let sheet = br#"<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="inlineStr"><is><t>Lehman HS</t></is></c></row></sheetData></worksheet>"#;
        let workbook = package_of(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/sharedStrings.xml", strings),
            ("xl/worksheets/sheet1.xml", sheet),
        ]);
        let words = text(&workbook).unwrap();
        assert!(words.contains("Campus\nAttendance rate\n"), "{words:?}");
        assert!(
            words.contains("Lehman HS") && !words.contains("reading"),
            "{words:?}"
        );

        let slide = |words: &str| format!("<p:sld><a:p><a:t>{words}</a:t></a:p></p:sld>");
        let (nine, ten) = (slide("nine"), slide("ten"));
        let deck = package_of(&[
            ("ppt/presentation.xml", b"<p:presentation/>"),
            ("ppt/slides/slide10.xml", ten.as_bytes()),
            ("ppt/slides/slide9.xml", nine.as_bytes()),
        ]);
        assert_eq!(text(&deck).unwrap(), "nine\nten\n");
    }

    #[test]
    fn a_zip_of_other_things_has_no_words() {
        assert_eq!(
            text(&package_of(&[("photo.jpg", b"\xff\xd8")])).unwrap(),
            ""
        );
    }
}
