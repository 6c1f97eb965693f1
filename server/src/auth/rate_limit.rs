//! Fixed-window attempt counters for sign-in endpoints, per client IP and per account.
//!
//! In memory, per instance: with several instances a client gets at most N× the limit,
//! which still stops online guessing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many tracked keys, expired windows are swept on the next check.
const SWEEP_THRESHOLD: usize = 10_000;

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, Window>>,
}

struct Window {
    started: Instant,
    attempts: u32,
}

impl RateLimiter {
    /// Counts one attempt for `key`. `Err(seconds)` when over `limit` in the current window,
    /// with the seconds until the window ends (for `Retry-After`).
    pub fn check(&self, key: &str, limit: u32, window: Duration) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > SWEEP_THRESHOLD {
            windows.retain(|_, w| now.duration_since(w.started) < window);
        }
        let entry = windows.entry(key.to_owned()).or_insert(Window {
            started: now,
            attempts: 0,
        });
        if now.duration_since(entry.started) >= window {
            *entry = Window {
                started: now,
                attempts: 0,
            };
        }
        if entry.attempts >= limit {
            let remaining = window.saturating_sub(now.duration_since(entry.started));
            return Err(remaining.as_secs().max(1));
        }
        entry.attempts += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_up_to_the_limit_then_refuses_with_retry_after() {
        let limiter = RateLimiter::default();
        let window = Duration::from_secs(60);
        for _ in 0..3 {
            assert!(limiter.check("ip:1", 3, window).is_ok());
        }
        let retry_after = limiter.check("ip:1", 3, window).unwrap_err();
        assert!((1..=60).contains(&retry_after));
        assert!(
            limiter.check("ip:2", 3, window).is_ok(),
            "keys are independent"
        );
    }

    #[test]
    fn a_new_window_starts_afresh() {
        let limiter = RateLimiter::default();
        assert!(limiter.check("k", 1, Duration::ZERO).is_ok());
        assert!(limiter.check("k", 1, Duration::ZERO).is_ok());
    }
}
