//! Password policy and Argon2id hashing (OWASP parameters: 19 MiB, 2 iterations, 1 lane).
//! Hashing is deliberately slow and memory-hungry, so it runs on the blocking pool, never on
//! the runtime, and only `auth.hashing_concurrency` hashes run at once: a flood of sign-ins
//! or registrations waits in a short queue and beyond it gets 503 with `Retry-After`,
//! instead of holding 19 MiB on each of up to 512 blocking threads.

use crate::config::AuthConfig;
use crate::error::ApiError;
use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

/// Bounds how many hashes run at once and how many requests wait for one.
pub struct HashingLimiter {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
}

/// Seconds a refused client is asked to wait: about one hash.
const RETRY_AFTER_SECS: u64 = 1;

impl HashingLimiter {
    pub fn new(config: &AuthConfig) -> HashingLimiter {
        let concurrency = config.hashing_concurrency.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        });
        HashingLimiter {
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            queue: config.hashing_queue,
        }
    }

    /// A hashing slot, after a wait in the queue if it has room; 503 otherwise.
    async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        struct InQueue<'a>(&'a AtomicUsize);
        impl Drop for InQueue<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let ahead = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _in_queue = InQueue(&self.waiting);
        if ahead >= self.queue {
            return Err(ApiError::Overloaded {
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        self.slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("hashing slots closed")))
    }

    pub async fn hash(&self, password: Password) -> Result<String, ApiError> {
        let slot = self.slot().await?;
        // The slot moves into the task: it is held until the hash is done, even if the
        // request that wanted it has gone.
        let hash = tokio::task::spawn_blocking(move || {
            let _slot = slot;
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

    /// Whether `candidate` matches `stored`; `None` for `stored` still costs one
    /// verification, so "no such account" takes as long as "wrong password".
    pub async fn verify(
        &self,
        candidate: String,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        let slot = self.slot().await?;
        let matched = tokio::task::spawn_blocking(move || {
            let _slot = slot;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("long enough password".into()).is_ok());
    }

    fn limiter(concurrency: usize, queue: usize) -> HashingLimiter {
        HashingLimiter::new(&AuthConfig {
            hashing_concurrency: Some(concurrency),
            hashing_queue: queue,
            ..crate::config::Config::default().auth
        })
    }

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let limiter = limiter(1, 4);
        let stored = limiter
            .hash(Password::parse("correct horse battery".into()).unwrap())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(limiter
            .verify("correct horse battery".into(), Some(stored.clone()))
            .await
            .unwrap());
        assert!(!limiter
            .verify("wrong horse battery".into(), Some(stored))
            .await
            .unwrap());
        assert!(!limiter.verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn past_the_slots_and_the_queue_requests_are_turned_away() {
        let limiter = Arc::new(limiter(1, 2));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                limiter.verify("candidate password".into(), None).await
            }));
        }
        let mut refused = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => {}
                Err(ApiError::Overloaded { retry_after_secs }) => {
                    assert!(retry_after_secs >= 1);
                    refused += 1;
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        // One runs, two wait; the other five were refused at once.
        assert!(refused >= 5, "{refused} refused");
        assert_eq!(limiter.waiting.load(Ordering::SeqCst), 0);
    }
}
