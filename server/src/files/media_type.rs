//! What a file really is, judged by its bytes, and a filename safe to show and to put in a
//! `Content-Disposition` header.

/// The media type of a file from its first bytes. The client's claim is never consulted;
/// the name only refines plain text (CSV, Markdown) and is never trusted for binaries.
pub fn detect(head: &[u8], file_name: &str) -> String {
    // Markup and scripts are text to us: they are served as what they cannot become.
    if let Some(kind) =
        infer::get(head).filter(|kind| kind.matcher_type() != infer::MatcherType::Text)
    {
        return kind.mime_type().to_owned();
    }
    if looks_like_text(head) {
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase());
        return match extension.as_deref() {
            Some("csv") => "text/csv",
            Some("md" | "markdown") => "text/markdown",
            Some("json") => "application/json",
            // HTML and scripts are served as what they are not allowed to become: text.
            _ => "text/plain",
        }
        .to_owned();
    }
    "application/octet-stream".to_owned()
}

fn looks_like_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        // The sample may end inside a multi-byte character.
        Err(err) if err.error_len().is_none() => {
            std::str::from_utf8(&head[..err.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    valid.is_some_and(|text| {
        !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
    })
}

/// The last path component of a client-supplied name, without control characters, quotes
/// or leading dots, at most 200 characters; `file` when nothing is left.
pub fn sanitize_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        // Bidirectional overrides would let "gpj.exe" pass for "exe.jpg".
        .filter(|c| {
            !c.is_control()
                && !matches!(
                    c,
                    '"' | '<' | '>' | ':' | '|' | '?' | '*' | '\u{200e}' | '\u{200f}'
                )
                && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let bounded: String = trimmed.chars().take(200).collect();
    if bounded.is_empty() {
        "file".to_owned()
    } else {
        bounded
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 / RFC 8187).
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_are_known_by_their_bytes_not_their_names() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(detect(png, "report.pdf"), "image/png");
        assert_eq!(detect(b"%PDF-1.7\n", "notes.txt"), "application/pdf");
        assert_eq!(
            detect(b"\x00\x01\x02\x03", "x.csv"),
            "application/octet-stream"
        );
    }

    #[test]
    fn text_gets_a_text_type() {
        assert_eq!(
            detect(b"school,rate\nLehman,0.12\n", "rates.csv"),
            "text/csv"
        );
        assert_eq!(detect(b"# Lesson\n", "lesson.md"), "text/markdown");
        assert_eq!(detect(b"<script>alert(1)</script>", "x.html"), "text/plain");
        assert_eq!(detect("données".as_bytes(), "a.txt"), "text/plain");
    }

    #[test]
    fn file_names_lose_their_paths_and_tricks() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\Users\\x\\plan.docx"), "plan.docx");
        assert_eq!(sanitize_file_name("..hidden"), "hidden");
        assert_eq!(sanitize_file_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(sanitize_file_name("/"), "file");
        assert_eq!(
            sanitize_file_name("invoice\u{202e}gpj.exe"),
            "invoicegpj.exe"
        );
    }

    #[test]
    fn dispositions_carry_utf8_names_safely() {
        let header = content_disposition("plan d'été.pdf");
        assert!(
            header.starts_with("attachment; filename=\"plan d'_t_.pdf\""),
            "{header}"
        );
        assert!(
            header.ends_with("filename*=UTF-8''plan%20d%27%C3%A9t%C3%A9.pdf"),
            "{header}"
        );
    }
}
