//! Files the tests make byte by byte: office packages (DOCX, PPTX), PDFs, and hostile
//! variants of both. Nothing hostile is ever committed; it is made where it is used.

use flate2::write::ZlibEncoder;
use flate2::{Compress, Compression, FlushCompress};
use std::io::Write;

/// One entry of a zip package: its deflated bytes, and what it declares of itself.
pub struct ZipEntry {
    pub name: String,
    pub deflated: Vec<u8>,
    pub crc32: u32,
    pub declared_size: u32,
}

impl ZipEntry {
    /// An honest entry holding `data`.
    pub fn of(name: &str, data: &[u8]) -> ZipEntry {
        let mut compressor = Compress::new(Compression::default(), false);
        let mut deflated = Vec::with_capacity(data.len() + 64);
        compressor
            .compress_vec(data, &mut deflated, FlushCompress::Finish)
            .expect("deflate");
        ZipEntry {
            name: name.to_owned(),
            deflated,
            crc32: crc32fast::hash(data),
            declared_size: data.len() as u32,
        }
    }
}

/// A zip package of `entries`, in order.
pub fn zip(entries: &[ZipEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = out.len() as u32;
        let name = entry.name.as_bytes();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header_fields(&mut out, entry);
        out.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        out.extend_from_slice(name);
        out.extend_from_slice(&entry.deflated);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        header_fields(&mut central, entry);
        for _ in 0..4 {
            central.extend_from_slice(&0u16.to_le_bytes()); // extra, comment, disk, internal
        }
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]); // disk numbers
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

fn header_fields(out: &mut Vec<u8>, entry: &ZipEntry) {
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&8u16.to_le_bytes()); // deflated
    out.extend_from_slice(&0u16.to_le_bytes()); // time
    out.extend_from_slice(&0x21u16.to_le_bytes()); // 1 January 1980
    out.extend_from_slice(&entry.crc32.to_le_bytes());
    out.extend_from_slice(&(entry.deflated.len() as u32).to_le_bytes());
    out.extend_from_slice(&entry.declared_size.to_le_bytes());
    out.extend_from_slice(&(entry.name.len() as u16).to_le_bytes());
}

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="TARGET"/></Relationships>"#;

fn content_types(overrides: &[(&str, &str)]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>"#,
    );
    for (part, content_type) in overrides {
        xml.push_str(&format!(
            r#"<Override PartName="/{part}" ContentType="{content_type}"/>"#
        ));
    }
    xml.push_str("</Types>");
    xml
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The opening parts of a Word document, then `document` as `word/document.xml`.
fn docx_entries(document: ZipEntry) -> Vec<ZipEntry> {
    vec![
        ZipEntry::of(
            "[Content_Types].xml",
            content_types(&[(
                "word/document.xml",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            )])
            .as_bytes(),
        ),
        ZipEntry::of(
            "_rels/.rels",
            RELS.replace("TARGET", "word/document.xml").as_bytes(),
        ),
        document,
    ]
}

/// A Word document (DOCX) of these paragraphs, as Word writes them: runs, a tab, a tracked
/// deletion (whose words are gone from the document).
pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for paragraph in paragraphs {
        body.push_str(&format!(
            r#"<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r><w:r><w:tab/></w:r><w:del w:id="1" w:author="T"><w:r><w:delText>withdrawn</w:delText></w:r></w:del></w:p>"#,
            escape(paragraph)
        ));
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    zip(&docx_entries(ZipEntry::of(
        "word/document.xml",
        document.as_bytes(),
    )))
}

/// A PowerPoint deck (PPTX), one slide per entry of `slides` (a title and bullets).
pub fn pptx(slides: &[(&str, &[&str])]) -> Vec<u8> {
    let slide_type = "application/vnd.openxmlformats-officedocument.presentationml.slide+xml";
    let mut overrides = vec![(
        "ppt/presentation.xml".to_owned(),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    )];
    for n in 1..=slides.len() {
        overrides.push((format!("ppt/slides/slide{n}.xml"), slide_type));
    }
    let overrides: Vec<(&str, &str)> = overrides.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let mut entries = vec![
        ZipEntry::of("[Content_Types].xml", content_types(&overrides).as_bytes()),
        ZipEntry::of("_rels/.rels", RELS.replace("TARGET", "ppt/presentation.xml").as_bytes()),
        ZipEntry::of(
            "ppt/presentation.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>"#,
        ),
    ];
    for (n, (title, bullets)) in slides.iter().enumerate() {
        let mut paragraphs = format!(
            r#"<a:p><a:r><a:rPr lang="en-US"/><a:t>{}</a:t></a:r></a:p>"#,
            escape(title)
        );
        for bullet in *bullets {
            paragraphs.push_str(&format!(
                r#"<a:p><a:r><a:t>{}</a:t></a:r></a:p>"#,
                escape(bullet)
            ));
        }
        let slide = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:bodyPr/>{paragraphs}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
        );
        entries.push(ZipEntry::of(
            &format!("ppt/slides/slide{}.xml", n + 1),
            slide.as_bytes(),
        ));
    }
    zip(&entries)
}

/// A 2 MB Word document whose `word/document.xml` inflates to 2 GiB while declaring 16 KB.
pub fn docx_bomb() -> Vec<u8> {
    // One word of two thousand million letters: a megabyte of them deflates to a kilobyte,
    // and with a full flush the block needs nothing before it, so it is repeated as is.
    let letters = vec![b'a'; 1024 * 1024];
    let head = br#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"#;
    let mut deflated = deflate_block(&[head.as_slice(), &letters].concat());
    let block = deflate_block(&letters);
    for _ in 1..2048 {
        deflated.extend_from_slice(&block);
    }
    // The final block: empty, fixed Huffman codes, end of block.
    deflated.extend_from_slice(&[0x03, 0x00]);
    zip(&docx_entries(ZipEntry {
        name: "word/document.xml".to_owned(),
        deflated,
        crc32: 0x1234_5678,
        declared_size: 16 * 1024,
    }))
}

/// `data` deflated into blocks that end byte-aligned and refer to nothing before them.
fn deflate_block(data: &[u8]) -> Vec<u8> {
    let mut compressor = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    compressor
        .compress_vec(data, &mut out, FlushCompress::Full)
        .expect("deflate");
    out
}

/// A package cut off halfway: no central directory.
pub fn truncated(package: &[u8]) -> Vec<u8> {
    package[..package.len() / 2].to_vec()
}

/// A PDF of `objects` (numbered from 1; the first is the catalogue), with a correct
/// cross-reference table.
pub fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", n + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

pub fn stream(dictionary: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dictionary} /Length {} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

const CATALOG: &[u8] = b"<< /Type /Catalog /Pages 2 0 R >>";
const PAGES: &[u8] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
const FONT: &[u8] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

/// A 65 KB PDF whose one page lists one compressed stream 200 times: 64 MiB each, 12.5 GiB
/// in all.
pub fn pdf_bomb() -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&spaces).expect("deflate");
    }
    let inflating = encoder.finish().expect("deflate");
    let contents = vec!["5 0 R"; 200].join(" ");
    pdf(&[
        CATALOG.to_vec(),
        PAGES.to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents [{contents}] >>").into_bytes(),
        FONT.to_vec(),
        stream("/Filter /FlateDecode", &inflating),
    ])
}

/// A PDF whose page draws a form that draws the next form twice, forty deep, the last one
/// a line: 2^40 forms to draw in little memory, and never a word to stop at. A reader
/// never finishes it.
pub fn looping_pdf() -> Vec<u8> {
    const DEPTH: usize = 40;
    let first_form = 6;
    let names: Vec<String> = (1..=DEPTH)
        .map(|n| format!("/X{n} {} 0 R", first_form + n - 1))
        .collect();
    let mut objects = vec![
        CATALOG.to_vec(),
        PAGES.to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> /XObject << {} >> >> /Contents 5 0 R >>",
            names.join(" ")
        )
        .into_bytes(),
        FONT.to_vec(),
        stream("", b"/X1 Do"),
    ];
    for n in 1..=DEPTH {
        let content = if n < DEPTH {
            format!("/X{next} Do /X{next} Do", next = n + 1)
        } else {
            "0 0 m 10 10 l S".to_owned()
        };
        objects.push(stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 612 792]",
            content.as_bytes(),
        ));
    }
    pdf(&objects)
}

/// A PDF within every limit of the format (four page streams of 30 MiB each, 120 MiB in
/// all) that still needs more memory than the reader is given in the tests.
pub fn memory_hungry_pdf() -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(&vec![b' '; 30 * 1024 * 1024])
        .expect("deflate");
    let spaces = encoder.finish().expect("deflate");
    let mut objects = vec![
        CATALOG.to_vec(),
        PAGES.to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 5 0 R 6 0 R 7 0 R] >>".to_vec(),
    ];
    for _ in 0..4 {
        objects.push(stream("/Filter /FlateDecode", &spaces));
    }
    pdf(&objects)
}
