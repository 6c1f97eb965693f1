//! Password policy and Argon2id hashing (OWASP parameters: 19 MiB, 2 iterations, 1 lane).
//! Hashing is deliberately slow, so it runs on the blocking pool, never on the runtime.

use crate::error::ApiError;
use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::LazyLock;

const MIN_CHARS: usize = 10;
const MAX_CHARS: usize = 256;

/// A password that satisfies the policy. Never logged, never serialized.
pub struct Password(String);

impl Password {
    pub fn parse(raw: String) -> Result<Password, ApiError> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(ApiError::invalid(
                "password",
                format!("must be at least {MIN_CHARS} characters"),
            ));
        }
        if chars > MAX_CHARS {
            return Err(ApiError::invalid(
                "password",
                format!("must be at most {MAX_CHARS} characters"),
            ));
        }
        Ok(Password(raw))
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP Argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash to verify against when the account does not exist, so that "no such account"
/// takes as long as "wrong password".
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(b"dummy password for timing", &salt)
        .expect("hashing a constant cannot fail")
        .to_string()
});

pub async fn hash(password: Password) -> Result<String, ApiError> {
    let hash = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        hasher()
            .hash_password(password.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| anyhow::anyhow!("argon2: {err}"))
    })
    .await
    .context("password hashing task")??;
    Ok(hash)
}

/// Whether `candidate` matches `stored`; `None` for `stored` still costs one verification.
pub async fn verify(candidate: String, stored: Option<String>) -> Result<bool, ApiError> {
    let matched = tokio::task::spawn_blocking(move || {
        let has_account = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = PasswordHash::new(&stored)
            .map(|parsed| {
                hasher()
                    .verify_password(candidate.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        has_account && matches
    })
    .await
    .context("password verification task")?;
    Ok(matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("long enough password".into()).is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let stored = hash(Password::parse("correct horse battery".into()).unwrap())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery".into(), Some(stored.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse battery".into(), Some(stored))
            .await
            .unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
