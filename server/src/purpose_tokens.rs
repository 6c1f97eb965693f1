//! Signed tokens for one purpose (unsubscribing from an email, following a download link):
//! each names a member and a scope, expires, and is signed with a key derived from the
//! instance secret for that purpose only. A token of one purpose is never valid for another,
//! and none of them is an access token.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    /// The purpose again: a second guard beside the derived key.
    purpose: String,
    scope: String,
    exp: i64,
}

pub struct PurposeKeys {
    purpose: &'static str,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl PurposeKeys {
    /// Keys for `purpose`, derived from the instance secret with `label` (which names the
    /// purpose and a version: changing it invalidates every token issued before).
    pub fn new(secret: &[u8], label: &[u8], purpose: &'static str) -> PurposeKeys {
        let mut hasher = Sha256::new();
        hasher.update(label);
        hasher.update(b"\0");
        hasher.update(secret);
        let key = hasher.finalize();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 0;
        PurposeKeys {
            purpose,
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
        }
    }

    /// A token for `member_id` and `scope`, valid for `ttl`.
    pub fn issue(&self, member_id: i64, scope: &str, ttl: chrono::Duration) -> String {
        self.issue_until(member_id, scope, (crate::clock::now() + ttl).timestamp())
    }

    fn issue_until(&self, member_id: i64, scope: &str, exp: i64) -> String {
        let claims = Claims {
            sub: member_id.to_string(),
            purpose: self.purpose.to_owned(),
            scope: scope.to_owned(),
            exp,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// The member and scope of a valid, unexpired token of this purpose.
    pub fn verify(&self, token: &str) -> Option<(i64, String)> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        if claims.purpose != self.purpose || claims.exp <= crate::clock::now().timestamp() {
            return None;
        }
        let member = claims.sub.parse().ok().filter(|id: &i64| *id > 0)?;
        Some((member, claims.scope))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_valid_for_its_purpose_only_until_it_expires() {
        let links = PurposeKeys::new(b"secret", b"links v1", "link");
        let other = PurposeKeys::new(b"secret", b"unsubscribe v1", "unsubscribe");
        let token = links.issue(7, "download:4", chrono::Duration::hours(1));
        assert_eq!(links.verify(&token), Some((7, "download:4".to_owned())));
        assert_eq!(other.verify(&token), None);
        assert_eq!(
            PurposeKeys::new(b"other secret", b"links v1", "link").verify(&token),
            None
        );
        let mut tampered = token.clone();
        tampered.insert(tampered.len() - 2, 'x');
        assert_eq!(links.verify(&tampered), None);
        let expired = links.issue_until(7, "download:4", crate::clock::now().timestamp() - 1);
        assert_eq!(links.verify(&expired), None);
    }
}
