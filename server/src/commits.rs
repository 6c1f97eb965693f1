//! Word that a write transaction committed, so that whoever reads what writes leave behind
//! (the live hub, the mail worker, the search indexer) reads it now, whoever the writer was.

use std::sync::Arc;
use tokio::sync::watch;

/// Raised by every `Tx::commit` (through the `Writer` it began on); clones share it.
#[derive(Clone, Debug)]
pub struct Commits {
    /// How many transactions committed; only its changing matters.
    count: Arc<watch::Sender<u64>>,
}

impl Default for Commits {
    fn default() -> Self {
        Commits {
            count: Arc::new(watch::channel(0).0),
        }
    }
}

impl Commits {
    /// Tells every subscriber a transaction committed.
    pub(crate) fn announce(&self) {
        self.count
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// A signal for one consumer: it sees the commits from now on.
    pub fn subscribe(&self) -> CommitSignal {
        CommitSignal(self.count.subscribe())
    }
}

/// One consumer's view of the commits. Commits made while it was busy are not lost: the
/// next wait ends at once, however many there were.
#[derive(Debug)]
pub struct CommitSignal(watch::Receiver<u64>);

impl CommitSignal {
    /// Resolves once a transaction has committed since the last wait. Cancel-safe, so it can
    /// sit in a `select!` inside a loop.
    pub async fn committed(&mut self) {
        if self.0.changed().await.is_err() {
            // Nobody can commit any more: the consumer's other wake-ups (its poll, its
            // shutdown) decide what comes next.
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_commit_made_while_the_consumer_was_busy_ends_its_next_wait() {
        let commits = Commits::default();
        let mut signal = commits.subscribe();
        commits.announce();
        commits.announce();
        tokio::time::timeout(Duration::from_secs(5), signal.committed())
            .await
            .expect("the wait ends at once");
        let waited = tokio::time::timeout(Duration::from_millis(50), signal.committed()).await;
        assert!(waited.is_err(), "both commits were seen by the first wait");
    }
}
