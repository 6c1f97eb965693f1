//! The background loops of a serving instance (digest scheduler, check-in reminders, poll
//! closer): a pass now and then every interval, until shutdown, which also cuts a pass
//! short.

use crate::shutdown::ShutdownSignal;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::time::Duration;

/// Runs `pass(now)` at once and then every `interval` until `shutdown` is triggered. A pass
/// logs its own outcome (and carries its own tracing span); a failed one is simply tried
/// again at the next turn.
pub async fn every<F, Fut>(interval: Duration, mut shutdown: ShutdownSignal, mut pass: F)
where
    F: FnMut(DateTime<Utc>) -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        tokio::select! {
            _ = pass(crate::clock::now()) => {}
            _ = shutdown.triggered() => break,
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.triggered() => break,
        }
    }
}
