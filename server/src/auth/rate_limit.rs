//! Fixed-window attempt counters for the sign-in endpoints, per client address and per
//! account.
//!
//! In memory, per instance: with several instances a client gets at most N× the limit,
//! which still stops online guessing. The number of keys is bounded
//! (`rate_limit.max_tracked_keys`): past it, expired windows go first, then the oldest ones,
//! so a flood of invented addresses or emails cannot grow the map without limit.

use super::client_addr;
use crate::config::RateLimitConfig;
use crate::ip_range::IpRange;
use actix_web::HttpRequest;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    windows: Mutex<HashMap<String, Window>>,
    max_keys: usize,
    trusted_proxies: Vec<IpRange>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    attempts: u32,
}

impl RateLimiter {
    pub fn new(config: &RateLimitConfig) -> RateLimiter {
        RateLimiter {
            windows: Mutex::default(),
            max_keys: config.max_tracked_keys.max(1),
            // Validated with the rest of the configuration at start-up.
            trusted_proxies: config
                .trusted_proxies
                .iter()
                .filter_map(|raw| raw.parse().ok())
                .collect(),
        }
    }

    /// The key of the client that sent `req` (see `client_addr.rs`).
    pub fn client_key(&self, req: &HttpRequest) -> String {
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .collect();
        let client = client_addr::client_address(
            req.peer_addr().map(|addr| addr.ip()),
            &forwarded,
            &self.trusted_proxies,
        );
        client_addr::rate_limit_key(client)
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.windows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one attempt for `key`. `Err(seconds)` when `limit` attempts were already made
    /// in the current window, with the seconds until it ends (for `Retry-After`).
    pub fn check(&self, key: &str, limit: u32, window: Duration) -> Result<(), u64> {
        self.peek(key, limit, window)?;
        self.record(key, window);
        Ok(())
    }

    /// Whether `key` is over `limit` in its current window, without counting anything.
    pub fn peek(&self, key: &str, limit: u32, window: Duration) -> Result<(), u64> {
        let now = Instant::now();
        match self.windows().get(key) {
            Some(w) if now.duration_since(w.started) < window && w.attempts >= limit => {
                let remaining = window.saturating_sub(now.duration_since(w.started));
                Err(remaining.as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    /// Counts one attempt for `key`.
    pub fn record(&self, key: &str, window: Duration) {
        let now = Instant::now();
        let mut windows = self.windows();
        if !windows.contains_key(key) && windows.len() >= self.max_keys {
            make_room(&mut windows, self.max_keys, now, window);
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
        entry.attempts = entry.attempts.saturating_add(1);
    }

    /// How many keys are tracked (for tests and metrics).
    pub fn tracked_keys(&self) -> usize {
        self.windows().len()
    }
}

/// Drops expired windows; if that is not enough, the oldest tenth, so that eviction work is
/// paid once per many insertions.
fn make_room(
    windows: &mut HashMap<String, Window>,
    max_keys: usize,
    now: Instant,
    window: Duration,
) {
    windows.retain(|_, w| now.duration_since(w.started) < window);
    if windows.len() < max_keys {
        return;
    }
    let evict = (max_keys / 10).max(1).min(windows.len());
    let mut starts: Vec<Instant> = windows.values().map(|w| w.started).collect();
    let (_, cutoff, _) = starts.select_nth_unstable(evict - 1);
    let cutoff = *cutoff;
    let mut left = evict;
    windows.retain(|_, w| {
        if left > 0 && w.started <= cutoff {
            left -= 1;
            false
        } else {
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max_keys: usize) -> RateLimiter {
        RateLimiter::new(&RateLimitConfig {
            max_tracked_keys: max_keys,
            ..crate::config::Config::default().rate_limit
        })
    }

    #[test]
    fn allows_up_to_the_limit_then_refuses_with_retry_after() {
        let limiter = limiter(100);
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
        let limiter = limiter(100);
        assert!(limiter.check("k", 1, Duration::ZERO).is_ok());
        assert!(limiter.check("k", 1, Duration::ZERO).is_ok());
    }

    #[test]
    fn peeking_counts_nothing() {
        let limiter = limiter(100);
        let window = Duration::from_secs(60);
        for _ in 0..10 {
            assert!(limiter.peek("k", 1, window).is_ok());
        }
        limiter.record("k", window);
        assert!(limiter.peek("k", 1, window).is_err());
    }

    #[test]
    fn the_key_map_stays_bounded_and_evicts_the_oldest() {
        let limiter = limiter(50);
        let window = Duration::from_secs(3600);
        limiter.check("first", 1, window).unwrap();
        assert!(limiter.check("first", 1, window).is_err());
        for n in 0..10_000 {
            let _ = limiter.check(&format!("flood:{n}"), 1, window);
            assert!(limiter.tracked_keys() <= 50);
        }
        assert!(
            limiter.check("first", 1, window).is_ok(),
            "the oldest window was evicted"
        );
    }
}
