//! The security headers every document the server renders carries: the web client's page
//! and files, the `/docs` reference, the unsubscribe pages and the run chart SVG. Each
//! brings the Content-Security-Policy that fits what it loads; the rest is the same
//! everywhere.

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpResponseBuilder;

/// Whether a page's address may travel to the sites its links lead to.
#[derive(Debug, Clone, Copy)]
pub enum Referrer {
    /// Only to this site (the client's addresses name nothing secret).
    SameOrigin,
    /// Never: the address carries a secret (an unsubscribe token).
    NoReferrer,
}

impl Referrer {
    fn as_str(self) -> &'static str {
        match self {
            Referrer::SameOrigin => "same-origin",
            Referrer::NoReferrer => "no-referrer",
        }
    }
}

/// The policy of a page that needs no script, style sheet, image or connection at all (an
/// SVG styled by presentation attributes is fine); it may submit forms to this site only.
pub const STATIC_PAGE_POLICY: &str = "default-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// A page rendered on the server in the web client's look: its stylesheet (`/app.css`, from
/// this origin) and a form posting back here, nothing else.
pub const STYLED_FORM_PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A policy allowing exactly the given inline `<style>` element (by its SHA-256 hash) and
/// nothing else: for a page rendered whole on the server, such as `/docs`.
pub fn inline_style_policy(style: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

/// Adds the Content-Security-Policy `policy` (which must say `frame-ancestors 'none'`), no
/// type sniffing, the referrer rule and no framing by older browsers.
pub fn secure<'a>(
    builder: &'a mut HttpResponseBuilder,
    policy: &str,
    referrer: Referrer,
) -> &'a mut HttpResponseBuilder {
    debug_assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    // A policy that is not a valid header value (it never is: they are built here) falls
    // back to the strictest one rather than to none.
    let policy = HeaderValue::from_str(policy)
        .unwrap_or_else(|_| HeaderValue::from_static(STATIC_PAGE_POLICY));
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, referrer.as_str()))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_style_is_allowed_by_its_hash_only() {
        // The hash of `a{}` as `openssl dgst -sha256 -binary | base64` computes it.
        let policy = inline_style_policy("a{}");
        assert!(
            policy.contains("style-src 'sha256-X1RutGBrXCt9KkSaXMK7tHftWiRscFHOhxsS8tv8hBk='"),
            "{policy}"
        );
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
    }
}
