//! The frame every member-facing HTML email shares: inline styles only (mail clients drop
//! `<style>` blocks and external sheets), one table column that narrows on phones, light
//! and dark friendly, and a footer saying why it came and how to stop it.
//!
//! The page is ASCII with a line per row (characters beyond ASCII as numeric references,
//! which every HTML reader decodes), so it travels as `7bit` (`transport.rs`) instead of
//! being quoted-printable encoded: no encoding work per message, and no `=3D` for every
//! `=` of its inline styles.

use crate::text::escape_html as escape;

pub const FONT: &str =
    "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

/// A row for one item: a link as its title, and a line of context under it.
pub fn item_row(href: &str, title: &str, context: &str) -> String {
    item_row_with_excerpt(href, title, context, None)
}

/// `item_row` with, between title and context, a line of what was said (already cut
/// short: clipping it with `nowrap` would widen the table past a phone's screen).
pub fn item_row_with_excerpt(
    href: &str,
    title: &str,
    context: &str,
    excerpt: Option<&str>,
) -> String {
    let excerpt = excerpt.map_or_else(String::new, |words| {
        format!(
            "<div style=\"font-size:14px;line-height:20px;color:#374151\">{}</div>",
            escape(words)
        )
    });
    format!(
        "<tr><td style=\"padding:8px 24px;{FONT}\"><a href=\"{href}\" style=\"font-size:16px;line-height:22px;color:#1d4ed8;text-decoration:none;font-weight:600\">{title}</a>{excerpt}<div style=\"font-size:13px;line-height:19px;color:#5b6470\">{context}</div></td></tr>\n",
        href = escape(href),
        title = escape(title),
        context = escape(context),
    )
}

/// A section heading row.
pub fn heading_row(heading: &str) -> String {
    format!(
        "<tr><td style=\"padding:24px 24px 4px 24px;{FONT};font-size:13px;font-weight:600;letter-spacing:.04em;text-transform:uppercase;color:#5b6470\">{}</td></tr>\n",
        escape(heading)
    )
}

/// A small link row (e.g. "See all").
pub fn link_row(href: &str, label: &str) -> String {
    format!(
        "<tr><td style=\"padding:4px 24px 8px 24px;{FONT};font-size:13px\"><a href=\"{href}\" style=\"color:#1d4ed8\">{label}</a></td></tr>\n",
        href = escape(href),
        label = escape(label),
    )
}

/// The whole page, ASCII only. `preheader` (plain text) is the line a phone's inbox shows
/// under the subject, hidden in the message itself; `intro` is plain text; `rows` and
/// `footer_html` are already escaped HTML.
pub fn page(title: &str, preheader: &str, intro: &str, rows: &str, footer_html: &str) -> String {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\"><title>{title}</title></head>\n\
<body style=\"margin:0;padding:0;background:#f4f5f7\">\n\
<div style=\"display:none;max-height:0;overflow:hidden;mso-hide:all\">{preheader}</div>\n\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f4f5f7\"><tr><td align=\"center\" style=\"padding:16px 8px\">\n\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:600px;background:#ffffff;border-radius:8px\">\n\
<tr><td style=\"padding:24px 24px 0 24px;{FONT};font-size:20px;font-weight:700;color:#111827\">Staffroom</td></tr>\n\
<tr><td style=\"padding:8px 24px 0 24px;{FONT};font-size:15px;line-height:22px;color:#111827\">{intro}</td></tr>\n\
{rows}\
<tr><td style=\"padding:24px;{FONT};font-size:12px;line-height:18px;color:#5b6470;border-top:1px solid #e5e7eb\">{footer_html}</td></tr>\n\
</table></td></tr></table>\n</body>\n</html>\n",
        title = escape(title),
        preheader = escape(preheader),
        intro = escape(intro),
    );
    ascii(page)
}

/// `html` with every character beyond ASCII written as a numeric character reference.
fn ascii(html: String) -> String {
    if html.is_ascii() {
        return html;
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html.as_str();
    while let Some(at) = rest.find(|c: char| !c.is_ascii()) {
        out.push_str(&rest[..at]);
        let c = rest[at..].chars().next().unwrap_or_default();
        out.push_str(&format!("&#{};", u32::from(c)));
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// A footer link, escaped.
pub fn footer_link(href: &str, label: &str) -> String {
    format!(
        "<a href=\"{}\" style=\"color:#5b6470\">{}</a>",
        escape(href),
        escape(label)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_ascii_with_a_line_per_row() {
        let rows = item_row(
            "https://x.example/threads/1",
            "Café · plans",
            "Ñandú PLN · 3 replies",
        );
        let page = page(
            "Résumé · Staffroom",
            "3 new discussions · 1 café",
            "Hello José",
            &rows,
            "Why · how to stop",
        );
        assert!(page.is_ascii());
        assert!(page.contains("Caf&#233; &#183; plans"));
        assert!(page.contains("<title>R&#233;sum&#233; &#183; Staffroom</title>"));
        // The preheader comes first in the body, hidden.
        let body = &page[page.find("<body").unwrap()..];
        assert!(
            body.find("3 new discussions &#183; 1 caf&#233;").unwrap()
                < body.find("Hello Jos&#233;").unwrap()
        );
        assert!(page.lines().all(|line| line.len() < 998), "{page}");
        assert!(page
            .lines()
            .any(|line| line.starts_with("<tr><td") && line.contains("Caf&#233;")));
    }
}
