//! A post's `body_html` names its images by their API address, `/api/v1/images/{id}`, which
//! a browser cannot load without a Bearer header. Each reader's copy gets each such address
//! signed for them (`auth::links`), so the `<img>` loads; the stored HTML and live events
//! carry no token, and a link followed later re-checks that the reader still sees the image.

use crate::auth::links::{LinkKeys, Linked};
use std::borrow::Cow;

const SRC: &str = " src=\"/api/v1/images/";

/// `html` with the `src` of every `<img>` of this instance signed for `member`. Only real
/// tags are touched: in sanitized HTML a `<` in text is always `&lt;`, and a `"` inside an
/// attribute value always `&quot;`, so a post that merely shows such an address as text
/// (in code, say) keeps it as written, and never shows anyone's token.
pub fn sign_html<'a>(html: &'a str, keys: &LinkKeys, member: i64) -> Cow<'a, str> {
    if !html.contains(SRC) {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    let mut changed = false;
    while let Some(at) = rest.find("<img") {
        let end = at + tag_end(&rest[at..]);
        out.push_str(&rest[..at]);
        let tag = &rest[at..end];
        match signed_tag(tag, keys, member) {
            Some(signed) => {
                out.push_str(&signed);
                changed = true;
            }
            None => out.push_str(tag),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(html)
    }
}

/// Where the tag starting `html` ends: just past its first `>` outside a quoted value.
fn tag_end(html: &str) -> usize {
    let mut quoted = false;
    for (i, c) in html.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return i + 1,
            _ => {}
        }
    }
    html.len()
}

/// `tag` with its `src="/api/v1/images/{id}…"` given a token, if it has one.
fn signed_tag(tag: &str, keys: &LinkKeys, member: i64) -> Option<String> {
    let at = tag.find(SRC)? + SRC.len();
    let digits = tag[at..].bytes().take_while(u8::is_ascii_digit).count();
    let image_id: i64 = tag[at..at + digits].parse().ok()?;
    let value_end = at + tag[at..].find('"')?;
    // `/api/v1/images/7"` or `/api/v1/images/7?size=full"`: the token joins the query.
    let separator = match tag.as_bytes().get(at + digits) {
        Some(b'"') => '?',
        Some(b'?') => '&',
        _ => return None,
    };
    let token = keys.issue(member, Linked::Image { image_id });
    Some(format!(
        "{}{separator}token={token}{}",
        &tag[..value_end],
        &tag[value_end..]
    ))
}

/// Signs `html` in place (a view's `body_html`), leaving it untouched when it has no image.
pub fn sign_in_place(html: &mut String, keys: &LinkKeys, member: i64) {
    if let Cow::Owned(signed) = sign_html(html, keys, member) {
        *html = signed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_image_here_is_signed_and_nothing_else_changes() {
        let keys = LinkKeys::new(b"secret");
        let html = r#"<p>a <img src="/api/v1/images/7" alt="chart"> b <img src="/api/v1/images/8?size=full" alt="x"> <img src="https://images.example.org/a.png"></p>"#;
        let signed = sign_html(html, &keys, 3);
        let first = signed.split("/api/v1/images/7?token=").nth(1).unwrap();
        let token = &first[..first.find('"').unwrap()];
        assert_eq!(keys.verify(token, Linked::Image { image_id: 7 }), Some(3));
        assert_eq!(keys.verify(token, Linked::Image { image_id: 8 }), None);
        assert!(
            signed.contains("/api/v1/images/8?size=full&token="),
            "{signed}"
        );
        assert!(signed.contains(r#"<img src="https://images.example.org/a.png">"#));
        assert!(matches!(
            sign_html("<p>no images</p>", &keys, 3),
            Cow::Borrowed(_)
        ));
        // Shown as text, an address stays as written: no token in anyone's words.
        let text =
            r#"<p><code>&lt;img src="/api/v1/images/7"&gt;</code> src="/api/v1/images/7"</p>"#;
        assert!(matches!(sign_html(text, &keys, 3), Cow::Borrowed(_)));
    }
}
