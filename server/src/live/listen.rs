//! Several instances on one PostgreSQL database: each listens on the event channel and wakes
//! its hub when any instance commits an event, so a client connected anywhere sees every
//! write at once. The notification only carries the id; the hub reads the log as usual, so
//! a missed notification delays an event until the next poll but never loses it.

use super::Hub;
use crate::events::NOTIFY_CHANNEL;
use crate::shutdown::ShutdownSignal;
use sea_orm::sqlx::postgres::PgListener;
use std::sync::Arc;
use std::time::Duration;

pub async fn listen(hub: Arc<Hub>, database_url: String, mut shutdown: ShutdownSignal) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let connected = async {
            let mut listener = PgListener::connect(&database_url).await?;
            listener.listen(NOTIFY_CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            result = connected => match result {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for events from other instances; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.triggered() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
            },
            _ = shutdown.triggered() => return,
        };
        backoff = Duration::from_millis(200);
        // Whatever was committed while not listening is picked up by this wake.
        hub.wake();
        loop {
            tokio::select! {
                notification = listener.recv() => match notification {
                    Ok(_) => hub.wake(),
                    Err(err) => {
                        tracing::warn!(error = %err, "lost the event channel; reconnecting");
                        break;
                    }
                },
                _ = shutdown.triggered() => return,
            }
        }
    }
}
