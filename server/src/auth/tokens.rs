//! Access tokens (short-lived HS256 JWTs), and how the opaque secrets behind refresh tokens,
//! magic links and invitations (`random.rs`) are stored: only as SHA-256 hashes.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// Tolerated clock difference between instances when checking `iat`.
const CLOCK_SKEW_SECS: i64 = 5;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    iat: i64,
    jti: String,
}

/// Signs and verifies access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl_secs: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl_secs: u64) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "jti"]);
        // Access tokens are short-lived; a generous leeway would quietly lengthen them.
        validation.leeway = 0;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_secs: i64::try_from(access_ttl_secs).unwrap_or(i64::MAX / 2),
        }
    }

    pub fn access_ttl_secs(&self) -> i64 {
        self.access_ttl_secs
    }

    pub fn issue_access(&self, member_id: i64) -> String {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: member_id.to_string(),
            iat: now,
            exp: now + self.access_ttl_secs,
            jti: crate::random::random_token(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// The member id of a valid, unexpired access token.
    pub fn verify_access(&self, token: &str) -> Option<i64> {
        self.verify_access_until(token)
            .map(|(member_id, _)| member_id)
    }

    /// The member id of a valid access token and when it expires (Unix seconds); long-lived
    /// connections use the expiry to end sessions whose token is not renewed.
    pub fn verify_access_until(&self, token: &str) -> Option<(i64, i64)> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let claims = data.claims;
        if claims.jti.is_empty() || claims.iat > Utc::now().timestamp() + CLOCK_SKEW_SECS {
            return None;
        }
        let member_id = claims.sub.parse().ok().filter(|id: &i64| *id > 0)?;
        Some((member_id, claims.exp))
    }
}

/// How opaque tokens are stored: a leaked table does not leak usable tokens.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_tampered_ones_do_not() {
        let keys = TokenKeys::new(b"secret-one", 60);
        let token = keys.issue_access(42);
        assert_eq!(keys.verify_access(&token), Some(42));
        let other = TokenKeys::new(b"secret-two", 60);
        assert_eq!(other.verify_access(&token), None);
        assert_eq!(keys.verify_access("not.a.token"), None);
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = TokenKeys::new(b"secret", 60);
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: "1".into(),
            iat: now - 120,
            exp: now - 60,
            jti: "x".into(),
        };
        let token = jsonwebtoken::encode(&Header::default(), &claims, &keys.encoding).unwrap();
        assert_eq!(keys.verify_access(&token), None);
    }

    #[test]
    fn token_hashes_are_stable_hex() {
        assert_eq!(hash_token("abc").len(), 64);
        assert_eq!(hash_token("abc"), hash_token("abc"));
        assert_ne!(hash_token("abc"), hash_token("abd"));
    }

    #[test]
    fn access_tokens_and_unsubscribe_tokens_do_not_mix() {
        use crate::mail::unsubscribe::{Unsubscribe, UnsubscribeKeys};
        let access = TokenKeys::new(b"secret", 60);
        let unsubscribe = UnsubscribeKeys::new(b"secret");
        assert_eq!(unsubscribe.verify(&access.issue_access(7)), None);
        assert_eq!(
            access.verify_access(&unsubscribe.issue(7, Unsubscribe::Digest)),
            None
        );
    }

    #[test]
    fn access_tokens_are_no_purpose_tokens_and_the_other_way_round() {
        use crate::purpose_tokens::PurposeKeys;
        let access = TokenKeys::new(b"secret", 60);
        let links = PurposeKeys::new(b"secret", b"links v1", "link");
        assert_eq!(links.verify(&access.issue_access(7)), None);
        assert_eq!(
            access.verify_access(&links.issue(7, "x", chrono::Duration::hours(1))),
            None
        );
    }
}
