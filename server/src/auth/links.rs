//! Signed, expiring links for what a browser or calendar app fetches without a Bearer
//! header: file downloads and `.ics` files. The API returns them (`download_url`,
//! `calendar_url`) to a member who may fetch the thing now; each names that member and one
//! thing, expires, and is signed with a key derived from the instance secret for this
//! purpose only (no access token is a link token, and no link token signs anyone in).
//! Following one re-checks the member's access at that moment, so a member removed from the
//! network gets nothing from a link they kept.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a link works: long enough for a page left open over a working day.
pub const TTL_HOURS: i64 = 12;

/// What a link lets its member fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linked {
    /// Any version of a resource's file.
    Download { resource_id: i64 },
    /// A convening's `.ics`.
    Calendar { convening_id: i64 },
}

impl Linked {
    fn scope(self) -> String {
        match self {
            Linked::Download { resource_id } => format!("download:{resource_id}"),
            Linked::Calendar { convening_id } => format!("calendar:{convening_id}"),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    /// Always "link": a second guard beside the derived key.
    purpose: String,
    scope: String,
    exp: i64,
}

const PURPOSE: &str = "link";

pub struct LinkKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl LinkKeys {
    pub fn new(secret: &[u8]) -> LinkKeys {
        let mut hasher = Sha256::new();
        hasher.update(b"staffroom signed links v1\0");
        hasher.update(secret);
        let key = hasher.finalize();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 0;
        LinkKeys {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
        }
    }

    /// A token letting `member_id` fetch `what` for the next `TTL_HOURS`.
    pub fn issue(&self, member_id: i64, what: Linked) -> String {
        let claims = Claims {
            sub: member_id.to_string(),
            purpose: PURPOSE.to_owned(),
            scope: what.scope(),
            exp: (crate::clock::now() + chrono::Duration::hours(TTL_HOURS)).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// The member a valid, unexpired token for exactly `what` was issued to.
    pub fn verify(&self, token: &str, what: Linked) -> Option<i64> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        if claims.purpose != PURPOSE
            || claims.scope != what.scope()
            || claims.exp <= crate::clock::now().timestamp()
        {
            return None;
        }
        claims.sub.parse().ok().filter(|id: &i64| *id > 0)
    }
}

/// Who is fetching: the bearer of a valid access token, else the member a valid link token
/// for `what` names; 401 when neither.
pub fn fetcher(
    auth: Option<super::AuthMember>,
    keys: &LinkKeys,
    token: Option<&str>,
    what: Linked,
) -> Result<i64, crate::error::ApiError> {
    if let Some(auth) = auth {
        return Ok(auth.id);
    }
    token
        .and_then(|token| keys.verify(token, what))
        .ok_or(crate::error::ApiError::Unauthorized(
            "Send an access token, or follow a link the API gave you before it expires.",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tokens::TokenKeys;

    #[test]
    fn a_link_opens_one_thing_for_one_member() {
        let keys = LinkKeys::new(b"secret");
        let download = Linked::Download { resource_id: 4 };
        let token = keys.issue(7, download);
        assert_eq!(keys.verify(&token, download), Some(7));
        assert_eq!(
            keys.verify(&token, Linked::Download { resource_id: 5 }),
            None
        );
        assert_eq!(
            keys.verify(&token, Linked::Calendar { convening_id: 4 }),
            None
        );
        assert_eq!(LinkKeys::new(b"other").verify(&token, download), None);
        let mut tampered = token.clone();
        tampered.insert(tampered.len() - 2, 'x');
        assert_eq!(keys.verify(&tampered, download), None);
    }

    #[test]
    fn links_and_access_tokens_do_not_mix() {
        let access = TokenKeys::new(b"secret", 60);
        let links = LinkKeys::new(b"secret");
        let download = Linked::Download { resource_id: 4 };
        assert_eq!(links.verify(&access.issue_access(7), download), None);
        assert_eq!(access.verify_access(&links.issue(7, download)), None);
    }

    #[test]
    fn expired_links_are_refused() {
        let keys = LinkKeys::new(b"secret");
        let claims = Claims {
            sub: "7".into(),
            purpose: PURPOSE.into(),
            scope: "download:4".into(),
            exp: crate::clock::now().timestamp() - 1,
        };
        let token = jsonwebtoken::encode(&Header::default(), &claims, &keys.encoding).unwrap();
        assert_eq!(
            keys.verify(&token, Linked::Download { resource_id: 4 }),
            None
        );
    }
}
