//! Reading the words out of one file's bytes, format by format, within limits of each
//! format (decompressed bytes, parts of a package, characters kept). These run in the
//! `extract-text` child process (`child.rs`), never in the server: the OS limits set on
//! that process are the last line, these are the first.

mod office;
mod package;
mod pdf;
mod xml_text;

use std::fmt;

/// Characters of text kept per file; reading stops once they are there.
pub const MAX_CHARS: usize = 100_000;
/// Largest file whose text is read at all.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// Bytes of a plain-text file read.
pub const MAX_PLAIN_TEXT_BYTES: usize = 1024 * 1024;

/// The kinds of file whose words are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    PlainText,
    Pdf,
    /// A zip package: DOCX, PPTX, XLSX, ODT, ODP or ODS, told apart by the parts inside.
    OfficePackage,
}

impl Format {
    /// The format of a stored file from its media type (detected from its bytes on upload);
    /// `None` for kinds without words to read (images, audio, archives of other things).
    pub fn of(media_type: &str) -> Option<Format> {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        match essence {
            "text/plain" | "text/markdown" | "text/csv" | "text/tab-separated-values" => {
                Some(Format::PlainText)
            }
            "application/pdf" => Some(Format::Pdf),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.oasis.opendocument.text"
            | "application/vnd.oasis.opendocument.presentation"
            | "application/vnd.oasis.opendocument.spreadsheet"
            // A package the byte sniffer could not name is looked into: one with none of
            // the parts above simply has no words to read.
            | "application/zip" => Some(Format::OfficePackage),
            _ => None,
        }
    }

    /// The name the child process is told, and parses back.
    pub fn name(self) -> &'static str {
        match self {
            Format::PlainText => "text",
            Format::Pdf => "pdf",
            Format::OfficePackage => "office",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        [Format::PlainText, Format::Pdf, Format::OfficePackage]
            .into_iter()
            .find(|format| format.name() == name)
    }
}

/// Why a file's words could not be read, in a sentence for operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Unreadable {
    pub fn new(reason: impl Into<String>) -> Unreadable {
        Unreadable(reason.into())
    }
}

/// The words of `bytes`, read as `format`, at most `MAX_CHARS` of them.
pub fn read(format: Format, bytes: &[u8]) -> Result<String, Unreadable> {
    let text = match format {
        Format::PlainText => plain_text(bytes),
        Format::Pdf => pdf::text(bytes)?,
        Format::OfficePackage => office::text(bytes)?,
    };
    Ok(truncate_chars(text, MAX_CHARS))
}

fn plain_text(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(MAX_PLAIN_TEXT_BYTES)];
    String::from_utf8_lossy(head).into_owned()
}

pub fn truncate_chars(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max) {
        text.truncate(cut);
    }
    text
}

/// Megabytes for a sentence ("32 MiB").
fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

/// Collects text up to a number of characters; `is_full` tells readers to stop early.
#[derive(Default)]
struct TextSink {
    text: String,
    chars: usize,
}

impl TextSink {
    fn push_str(&mut self, piece: &str) {
        if self.is_full() {
            return;
        }
        self.chars += piece.chars().count();
        self.text.push_str(piece);
    }

    fn push(&mut self, c: char) {
        if !self.is_full() {
            self.chars += 1;
            self.text.push(c);
        }
    }

    /// A space between words, unless one is there already.
    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with(char::is_whitespace) {
            self.push(' ');
        }
    }

    /// Ends the current line, once.
    fn end_line(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.push('\n');
        }
    }

    fn is_full(&self) -> bool {
        self.chars >= MAX_CHARS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_name_their_readers() {
        assert_eq!(
            Format::of("text/csv; charset=utf-8"),
            Some(Format::PlainText)
        );
        assert_eq!(Format::of("application/pdf"), Some(Format::Pdf));
        assert_eq!(
            Format::of("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            Some(Format::OfficePackage)
        );
        assert_eq!(Format::of("image/png"), None);
        for format in [Format::PlainText, Format::Pdf, Format::OfficePackage] {
            assert_eq!(Format::parse(format.name()), Some(format));
        }
    }

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        assert_eq!(truncate_chars("héllo".to_owned(), 2), "hé");
        assert_eq!(truncate_chars("hi".to_owned(), 5), "hi");
    }
}
