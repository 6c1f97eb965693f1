//! A connection's queue of deliveries: bounded like a channel, but holding no buffer while
//! it is empty, which is what an idle connection's queue is nearly all the time.
//!
//! A tokio bounded channel allocates a block of 32 slots and a cache-padded channel state
//! up front (about 2 KiB per connection); this queue allocates as events arrive and gives
//! the memory back once the connection has taken them all.

use super::hub::Delivery;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Why a delivery was not queued.
#[derive(Debug)]
pub enum Refused {
    /// The queue holds as many undelivered items as it may.
    Full,
    /// The connection has gone.
    Closed,
}

struct Shared {
    state: Mutex<State>,
    ready: Notify,
}

struct State {
    items: VecDeque<Delivery>,
    capacity: usize,
    /// The hub has let go of the connection: nothing more will come.
    sender_gone: bool,
    /// The connection has stopped taking deliveries.
    receiver_gone: bool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The hub's end.
pub struct Sender {
    shared: Arc<Shared>,
}

/// The connection's end.
pub struct Receiver {
    shared: Arc<Shared>,
}

/// A queue that holds at most `capacity` undelivered items.
pub fn queue(capacity: usize) -> (Sender, Receiver) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            capacity: capacity.max(1),
            sender_gone: false,
            receiver_gone: false,
        }),
        ready: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

impl Sender {
    pub fn try_send(&self, delivery: Delivery) -> Result<(), Refused> {
        {
            let mut state = self.shared.state();
            if state.receiver_gone {
                return Err(Refused::Closed);
            }
            if state.items.len() >= state.capacity {
                return Err(Refused::Full);
            }
            state.items.push_back(delivery);
        }
        // One waiter at most (the connection); without one, the permit is kept for it.
        self.shared.ready.notify_one();
        Ok(())
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.shared.state().sender_gone = true;
        self.shared.ready.notify_one();
    }
}

impl Receiver {
    /// The next delivery; `None` once the hub has let go and everything was taken.
    /// Cancel-safe: nothing is taken unless it is returned.
    pub async fn recv(&mut self) -> Option<Delivery> {
        loop {
            match self.try_take() {
                Ok(delivery) => return Some(delivery),
                Err(true) => return None,
                Err(false) => self.shared.ready.notified().await,
            }
        }
    }

    /// The next delivery if one is waiting.
    pub fn try_recv(&mut self) -> Option<Delivery> {
        self.try_take().ok()
    }

    /// A delivery, or whether the queue is finished.
    fn try_take(&mut self) -> Result<Delivery, bool> {
        let mut state = self.shared.state();
        match state.items.pop_front() {
            Some(delivery) => {
                if state.items.is_empty() {
                    // Give the buffer back: most connections are idle most of the time.
                    state.items = VecDeque::new();
                }
                Ok(delivery)
            }
            None => Err(state.sender_gone),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let mut state = self.shared.state();
        state.receiver_gone = true;
        state.items = VecDeque::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytestring::ByteString;

    fn notice(text: &'static str) -> Delivery {
        Delivery::Notice(ByteString::from_static(text))
    }

    #[tokio::test]
    async fn items_arrive_in_order_and_the_end_after_them() {
        let (sender, mut receiver) = queue(4);
        sender.try_send(notice("a")).unwrap();
        sender.try_send(notice("b")).unwrap();
        drop(sender);
        for expected in ["a", "b"] {
            match receiver.recv().await {
                Some(Delivery::Notice(text)) => assert_eq!(&*text, expected),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(receiver.recv().await.is_none());
    }

    #[tokio::test]
    async fn a_waiting_receiver_is_woken() {
        let (sender, mut receiver) = queue(4);
        let waiting = tokio::spawn(async move { receiver.recv().await.is_some() });
        tokio::task::yield_now().await;
        sender.try_send(notice("a")).unwrap();
        assert!(waiting.await.unwrap());
    }

    #[test]
    fn a_full_queue_refuses_and_a_closed_one_says_so() {
        let (sender, receiver) = queue(1);
        sender.try_send(notice("a")).unwrap();
        assert!(matches!(sender.try_send(notice("b")), Err(Refused::Full)));
        drop(receiver);
        assert!(matches!(sender.try_send(notice("c")), Err(Refused::Closed)));
    }

    #[test]
    fn an_emptied_queue_holds_no_buffer() {
        let (sender, mut receiver) = queue(8);
        sender.try_send(notice("a")).unwrap();
        assert!(receiver.try_recv().is_some());
        assert_eq!(sender.shared.state().items.capacity(), 0);
    }
}
