//! The application's stop signal: triggered once when the server stops, awaited by every
//! background task and live connection.

use std::sync::Arc;
use tokio::sync::watch;

/// Owned by the application (`AppState::shutdown`); `trigger` stops everything holding one
/// of its signals.
#[derive(Clone, Debug)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown {
            sender: Arc::new(watch::channel(false).0),
        }
    }
}

impl Shutdown {
    /// Tells every holder of a signal to stop; triggering again does nothing more.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// A signal for one task to wait on.
    pub fn signal(&self) -> ShutdownSignal {
        ShutdownSignal(self.sender.subscribe())
    }
}

/// What a task waits on. A signal taken after the trigger is triggered already.
#[derive(Clone, Debug)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    /// Whether to stop now. An application dropped without a trigger is stopping too.
    pub fn is_triggered(&self) -> bool {
        self.0.has_changed().is_err() || *self.0.borrow()
    }

    /// Resolves once shutdown is triggered (at once if it was). Cancel-safe, so it can sit
    /// in a `select!` inside a loop.
    pub async fn triggered(&mut self) {
        // An error means the application is gone: that ends the wait as well.
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn every_signal_sees_the_trigger_whenever_it_was_taken() {
        let shutdown = Shutdown::default();
        let mut before = shutdown.signal();
        assert!(!before.is_triggered());
        let waiting = tokio::spawn(async move { before.triggered().await });
        shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the waiting task stops")
            .expect("the waiting task ends cleanly");
        let mut after = shutdown.signal();
        assert!(after.is_triggered());
        tokio::time::timeout(Duration::from_secs(5), after.triggered())
            .await
            .expect("a signal taken after the trigger resolves at once");
    }

    #[tokio::test]
    async fn a_dropped_application_counts_as_stopping() {
        let shutdown = Shutdown::default();
        let mut signal = shutdown.signal();
        drop(shutdown);
        assert!(signal.is_triggered());
        tokio::time::timeout(Duration::from_secs(5), signal.triggered())
            .await
            .expect("the wait ends");
    }
}
