//! The rules of who may talk to whom, as plain functions over what the database said.

use std::collections::{HashMap, HashSet};

/// Participants of one conversation, the starter included.
pub const MAX_PARTICIPANTS: usize = 20;

/// Why a message may not go where it was meant to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Two of the participants share no network.
    NoSharedNetwork,
    /// Someone in it blocked the sender.
    BlockedBySomeone,
    /// The sender blocked someone in it.
    SenderBlocked,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::NoSharedNetwork => {
                "Everyone in a conversation must share a network with everyone else in it."
            }
            Refusal::BlockedBySomeone => {
                "You cannot send messages to someone in this conversation."
            }
            Refusal::SenderBlocked => {
                "You blocked someone in this conversation; unblock them first."
            }
        }
    }
}

/// Whether every pair of `participants` shares one of the networks each takes part in.
pub fn every_pair_shares_a_network(
    participants: &[i64],
    networks: &HashMap<i64, Vec<i64>>,
) -> bool {
    let sets: Vec<HashSet<i64>> = participants
        .iter()
        .map(|p| {
            networks
                .get(p)
                .map(|ids| ids.iter().copied().collect())
                .unwrap_or_default()
        })
        .collect();
    sets.iter()
        .enumerate()
        .all(|(i, mine)| sets[i + 1..].iter().all(|theirs| !mine.is_disjoint(theirs)))
}

/// Whether `sender` may send to `others` now: every pair of them all still shares a network
/// (the rule a conversation was started under), none of them blocked the sender, and the
/// sender blocked none of them. `blocks` holds `(blocker, blocked)` pairs among them.
pub fn may_send(
    sender: i64,
    others: &[i64],
    networks: &HashMap<i64, Vec<i64>>,
    blocks: &[(i64, i64)],
) -> Result<(), Refusal> {
    if blocks
        .iter()
        .any(|(blocker, blocked)| *blocked == sender && others.contains(blocker))
    {
        return Err(Refusal::BlockedBySomeone);
    }
    if blocks
        .iter()
        .any(|(blocker, blocked)| *blocker == sender && others.contains(blocked))
    {
        return Err(Refusal::SenderBlocked);
    }
    let everyone: Vec<i64> = others.iter().copied().chain([sender]).collect();
    if every_pair_shares_a_network(&everyone, networks) {
        Ok(())
    } else {
        Err(Refusal::NoSharedNetwork)
    }
}

/// The participants of a new conversation: the starter and the distinct others, sorted.
pub fn participants(starter: i64, others: &[i64]) -> Vec<i64> {
    let mut all: Vec<i64> = others.iter().copied().chain([starter]).collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn networks(entries: &[(i64, &[i64])]) -> HashMap<i64, Vec<i64>> {
        entries.iter().map(|(m, ids)| (*m, ids.to_vec())).collect()
    }

    #[test]
    fn every_pair_must_share_a_network_not_just_each_with_the_starter() {
        // 1 shares network 10 with 2 and network 20 with 3, but 2 and 3 share nothing.
        let n = networks(&[(1, &[10, 20]), (2, &[10]), (3, &[20])]);
        assert!(every_pair_shares_a_network(&[1, 2], &n));
        assert!(every_pair_shares_a_network(&[1, 3], &n));
        assert!(!every_pair_shares_a_network(&[1, 2, 3], &n));
        assert!(
            !every_pair_shares_a_network(&[1, 4], &n),
            "no networks at all"
        );
    }

    #[test]
    fn blocking_stops_messages_from_the_blocked_and_to_them() {
        let n = networks(&[(1, &[10]), (2, &[10]), (3, &[10])]);
        assert_eq!(may_send(1, &[2, 3], &n, &[]), Ok(()));
        assert_eq!(
            may_send(1, &[2, 3], &n, &[(3, 1)]),
            Err(Refusal::BlockedBySomeone)
        );
        assert_eq!(
            may_send(1, &[2, 3], &n, &[(1, 2)]),
            Err(Refusal::SenderBlocked)
        );
        // A block between two others does not concern the sender.
        assert_eq!(may_send(1, &[2, 3], &n, &[(2, 3)]), Ok(()));
        // Two others who no longer share a network: the group takes no more messages.
        let drifted = networks(&[(1, &[10, 20]), (2, &[10]), (3, &[20])]);
        assert_eq!(
            may_send(1, &[2, 3], &drifted, &[]),
            Err(Refusal::NoSharedNetwork)
        );
        let apart = networks(&[(1, &[10]), (2, &[20])]);
        assert_eq!(
            may_send(1, &[2], &apart, &[]),
            Err(Refusal::NoSharedNetwork)
        );
    }

    #[test]
    fn participants_are_distinct_and_include_the_starter() {
        assert_eq!(participants(5, &[3, 5, 3, 9]), vec![3, 5, 9]);
    }
}
