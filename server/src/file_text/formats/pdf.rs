//! PDF through `pdf-extract`, after the document is made safe to hand it: pictures are
//! emptied (their pixels hold no words), every compressed stream is inflated once within
//! a budget per stream and for the document, and a content stream that pages refer to more
//! than once is read once. A file past a budget is unreadable, and says which budget.

use super::{mib, Unreadable, MAX_CHARS};
use flate2::read::{DeflateDecoder, ZlibDecoder};
use lopdf::{Document, Object, ObjectId};
use pdf_extract::{MediaBox, OutputDev, OutputError, PlainTextOutput, Transform};
use std::collections::HashSet;
use std::io::Read;

/// Bytes one stream may inflate to.
pub const MAX_STREAM_BYTES: u64 = 32 * 1024 * 1024;
/// Bytes all of a document's streams may inflate to.
pub const MAX_INFLATED_BYTES: u64 = 128 * 1024 * 1024;

pub fn text(bytes: &[u8]) -> Result<String, Unreadable> {
    let mut doc = Document::load_mem(bytes)
        .map_err(|err| Unreadable::new(format!("it is not a PDF it can read: {err}")))?;
    if doc.is_encrypted() {
        // Encrypted for permissions only, a PDF opens with the empty password.
        doc.decrypt("")
            .map_err(|_| Unreadable::new("it is encrypted with a password"))?;
    }
    empty_pictures(&mut doc);
    inflate_within_budget(&mut doc)?;
    read_shared_contents_once(&mut doc)?;
    let mut text = String::new();
    let mut output = Bounded {
        inner: PlainTextOutput::new(&mut text),
        chars: 0,
    };
    match pdf_extract::output_doc(&doc, &mut output) {
        Ok(()) => {}
        // Enough words: the rest of the document is not read.
        Err(_) if output.chars >= MAX_CHARS => {}
        Err(err) => return Err(Unreadable::new(format!("its text cannot be read: {err}"))),
    }
    Ok(text)
}

fn empty_pictures(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            let is_image = stream
                .dict
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|subtype| subtype == b"Image");
            if is_image {
                stream.dict.remove(b"Filter");
                stream.dict.remove(b"DecodeParms");
                stream.set_content(Vec::new());
            }
        }
    }
}

/// Inflates every compressed stream in place, so nothing is inflated again later (a form
/// drawn a thousand times is inflated once), refusing a stream or a document past its
/// budget before holding its bytes.
fn inflate_within_budget(doc: &mut Document) -> Result<(), Unreadable> {
    let mut total = 0u64;
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        let Ok(filters) = stream.filters() else {
            continue;
        };
        let first_is_flate = filters.first().is_some_and(|f| *f == b"FlateDecode");
        if first_is_flate && inflated_size(&stream.content) > MAX_STREAM_BYTES {
            return Err(Unreadable::new(format!(
                "a stream in it inflates to more than {}",
                mib(MAX_STREAM_BYTES)
            )));
        }
        if stream.decompress().is_err() {
            continue;
        }
        total += stream.content.len() as u64;
        if total > MAX_INFLATED_BYTES {
            return Err(Unreadable::new(format!(
                "its streams inflate to more than {}",
                mib(MAX_INFLATED_BYTES)
            )));
        }
    }
    Ok(())
}

/// How many bytes the PDF reader's own inflation would give, counted without keeping them
/// (a bomb costs CPU here, not memory), up to one past the limit. The reader keeps what it
/// inflated before a damaged end, and retries without the zlib header when nothing came,
/// so the count does both too.
fn inflated_size(compressed: &[u8]) -> u64 {
    let (zlib, failed) = count_until_limit(ZlibDecoder::new(compressed));
    if failed && zlib == 0 && compressed.len() > 2 {
        return count_until_limit(DeflateDecoder::new(&compressed[2..])).0;
    }
    zlib
}

/// Bytes read from `reader` (stopping one past the limit), and whether it failed.
fn count_until_limit(mut reader: impl Read) -> (u64, bool) {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return (total, false),
            Ok(n) => {
                total += n as u64;
                if total > MAX_STREAM_BYTES {
                    return (total, false);
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return (total, true),
        }
    }
}

/// A content stream listed again, on the same page or another, is dropped: its words were
/// read the first time. (One stream listed 200 times made a page of 12 GiB.)
fn read_shared_contents_once(doc: &mut Document) -> Result<(), Unreadable> {
    let pages: Vec<ObjectId> = doc.page_iter().collect();
    let mut seen = HashSet::new();
    for page in pages {
        let contents = doc.get_page_contents(page);
        let count = contents.len();
        let unique: Vec<Object> = contents
            .into_iter()
            .filter(|id| seen.insert(*id))
            .map(Object::Reference)
            .collect();
        if unique.len() != count {
            let page = doc
                .get_dictionary_mut(page)
                .map_err(|err| Unreadable::new(format!("its pages cannot be read: {err}")))?;
            page.set("Contents", Object::Array(unique));
        }
    }
    Ok(())
}

/// Passes characters on until there are enough, then stops the reader.
struct Bounded<'a> {
    inner: PlainTextOutput<&'a mut String>,
    chars: usize,
}

impl OutputDev for Bounded<'_> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.inner.begin_page(page_num, media_box, art_box)
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.inner.end_page()
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        if self.chars >= MAX_CHARS {
            return Err(OutputError::FormatError(std::fmt::Error));
        }
        self.chars += char.chars().count();
        self.inner
            .output_character(trm, width, spacing, font_size, char)
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.inner.begin_word()
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        self.inner.end_word()
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        self.inner.end_line()
    }
}
