//! Text as members write it, parsed once where it enters: a value of these types has
//! passed its checks, so code below the handlers never validates again (and capabilities
//! never borrow each other's validators). Each parse names the field it reports on.
//!
//! Common to all: PostgreSQL text cannot hold NUL, so it is refused on every backend alike.

use crate::error::ApiError;

/// Text (or an attribute value) made safe inside HTML: `&`, `<`, `>`, and both quotes.
/// Spaces stay spaces, so generated pages and emails stay readable as source.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A required one-line text: trimmed, not blank, bounded, no control characters (titles,
/// names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 200;

    /// A `title` of at most `Title::MAX_CHARS` characters.
    pub fn parse(raw: &str) -> Result<Title, ApiError> {
        Title::parse_as("title", raw, Title::MAX_CHARS)
    }

    pub fn parse_as(field: &str, raw: &str, max_chars: usize) -> Result<Title, ApiError> {
        let title = raw.trim();
        if title.is_empty() {
            return Err(ApiError::invalid(field, "is required"));
        }
        if title.chars().count() > max_chars {
            return Err(ApiError::invalid(
                field,
                format!("must be at most {max_chars} characters"),
            ));
        }
        if title.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                field,
                "must not contain control characters",
            ));
        }
        Ok(Title(title.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Markdown source: trailing whitespace trimmed, bounded; `required` ones are not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownBody(String);

impl MarkdownBody {
    pub const MAX_CHARS: usize = 50_000;

    /// A body that must say something (posts, help requests).
    pub fn required(field: &str, raw: &str) -> Result<MarkdownBody, ApiError> {
        if raw.trim().is_empty() {
            return Err(ApiError::invalid(field, "is required"));
        }
        MarkdownBody::optional(field, raw)
    }

    /// A body that may be empty (descriptions, agendas, notes).
    pub fn optional(field: &str, raw: &str) -> Result<MarkdownBody, ApiError> {
        if raw.contains('\0') {
            return Err(ApiError::invalid(field, "must not contain NUL characters"));
        }
        if raw.chars().count() > MarkdownBody::MAX_CHARS {
            return Err(ApiError::invalid(
                field,
                format!("must be at most {} characters", MarkdownBody::MAX_CHARS),
            ));
        }
        Ok(MarkdownBody(raw.trim_end().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An absolute `http`/`https` link with a host, at most 2000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl(String);

impl HttpUrl {
    /// `None` for a blank value (the link is optional).
    pub fn parse_optional(field: &str, raw: &str) -> Result<Option<HttpUrl>, ApiError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        match url::Url::parse(trimmed) {
            Ok(url)
                if matches!(url.scheme(), "http" | "https")
                    && url.host().is_some()
                    && trimmed.len() <= 2000 =>
            {
                Ok(Some(HttpUrl(url.to_string())))
            }
            _ => Err(ApiError::invalid(field, "must be an http or https link")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Free text that may be empty: trimmed, bounded (bios, organizations, notes, places).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

impl BoundedText {
    pub fn parse(field: &str, raw: &str, max_chars: usize) -> Result<BoundedText, ApiError> {
        let trimmed = raw.trim();
        if trimmed.contains('\0') {
            return Err(ApiError::invalid(field, "must not contain NUL characters"));
        }
        if trimmed.chars().count() > max_chars {
            return Err(ApiError::invalid(
                field,
                format!("must be at most {max_chars} characters"),
            ));
        }
        Ok(BoundedText(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_required_bounded_and_single_line() {
        assert_eq!(
            Title::parse("  Bright spots ").unwrap().as_str(),
            "Bright spots"
        );
        for bad in ["", "   ", "two\nlines", &"x".repeat(201)] {
            assert!(Title::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Title::parse_as("name", &"x".repeat(121), 120).is_err());
    }

    #[test]
    fn bodies_refuse_nul_and_blank_when_required() {
        assert!(MarkdownBody::required("body", " \n ").is_err());
        assert!(MarkdownBody::optional("notes", "").unwrap().is_empty());
        assert!(MarkdownBody::optional("notes", "a\0b").is_err());
        assert_eq!(
            MarkdownBody::required("body", "**hi**  \n")
                .unwrap()
                .as_str(),
            "**hi**"
        );
    }

    #[test]
    fn links_must_be_absolute_http() {
        assert_eq!(HttpUrl::parse_optional("url", " ").unwrap(), None);
        assert!(HttpUrl::parse_optional("url", "https://example.org/x")
            .unwrap()
            .is_some());
        for bad in [
            "javascript:alert(1)",
            "ftp://x.org",
            "/relative",
            "https://",
        ] {
            assert!(HttpUrl::parse_optional("url", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bounded_text_may_be_empty() {
        assert!(BoundedText::parse("bio", "", 10).unwrap().is_empty());
        assert!(BoundedText::parse("bio", &"x".repeat(11), 10).is_err());
    }
}
