//! A post's `body_html` names its images by their API address, `/api/v1/images/{id}`, which
//! a browser cannot load without a Bearer header. Each reader's copy gets each such address
//! signed for them (`auth::links`), so the `<img>` loads; the stored HTML and live events
//! carry no token, and a link followed later re-checks that the reader still sees the image.

use crate::auth::links::{LinkKeys, Linked};
use std::borrow::Cow;

const PREFIX: &str = "src=\"/api/v1/images/";

/// `html` with the `src` of every image of this instance signed for `member`.
pub fn sign_html<'a>(html: &'a str, keys: &LinkKeys, member: i64) -> Cow<'a, str> {
    if !html.contains(PREFIX) {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(at) = rest.find(PREFIX) {
        let after = at + PREFIX.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (id, tail) = rest.split_at(digits);
        out.push_str(id);
        rest = tail;
        let Ok(image_id) = id.parse::<i64>() else {
            continue;
        };
        // `/api/v1/images/7"` or `/api/v1/images/7?size=full"`: the token joins the query.
        let separator = match rest.as_bytes().first() {
            Some(b'"') => '?',
            Some(b'?') => {
                let query_end = rest.find('"').unwrap_or(rest.len());
                out.push_str(&rest[..query_end]);
                rest = &rest[query_end..];
                '&'
            }
            _ => continue,
        };
        let token = keys.issue(member, Linked::Image { image_id });
        out.push(separator);
        out.push_str("token=");
        out.push_str(&token);
    }
    out.push_str(rest);
    Cow::Owned(out)
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
    }
}
