//! The vocabulary and lifecycle of help requests.

use crate::entities::help_requests;
use crate::networks::access::InNetwork;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Low,
    Normal,
    High,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
        }
    }

    pub fn from_stored(stored: &str) -> Urgency {
        match stored {
            "low" => Urgency::Low,
            "high" => Urgency::High,
            _ => Urgency::Normal,
        }
    }
}

/// - `open`: asked, nobody has responded yet;
/// - `answered`: at least one response, none accepted;
/// - `resolved`: the asker (or a facilitator) accepted a response;
/// - `closed`: withdrawn without a resolution (can be reopened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HelpRequestStatus {
    Open,
    Answered,
    Resolved,
    Closed,
}

impl HelpRequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HelpRequestStatus::Open => "open",
            HelpRequestStatus::Answered => "answered",
            HelpRequestStatus::Resolved => "resolved",
            HelpRequestStatus::Closed => "closed",
        }
    }

    pub fn from_stored(stored: &str) -> HelpRequestStatus {
        match stored {
            "answered" => HelpRequestStatus::Answered,
            "resolved" => HelpRequestStatus::Resolved,
            "closed" => HelpRequestStatus::Closed,
            _ => HelpRequestStatus::Open,
        }
    }

    pub fn parse(raw: &str) -> Option<HelpRequestStatus> {
        [Self::Open, Self::Answered, Self::Resolved, Self::Closed]
            .into_iter()
            .find(|status| status.as_str() == raw)
    }
}

/// Something that moves a help request through its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// A peer responds.
    Respond,
    /// The asker accepts a response.
    Accept,
    /// The asker withdraws the request.
    Close,
    /// The asker reopens a closed or resolved request.
    Reopen,
}

/// Why a transition is refused; the message is shown to the client as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalTransition(pub &'static str);

impl HelpRequestStatus {
    /// The status after `transition`, or why it is not allowed from here.
    /// `has_responses` tells where a reopened request goes.
    pub fn apply(
        self,
        transition: Transition,
        has_responses: bool,
    ) -> Result<HelpRequestStatus, IllegalTransition> {
        use HelpRequestStatus::*;
        use Transition::*;
        match (self, transition) {
            (Open | Answered, Respond) => Ok(Answered),
            // Peers may still add to a solved request; it stays solved.
            (Resolved, Respond) => Ok(Resolved),
            (Closed, Respond) => Err(IllegalTransition(
                "This request is closed: reopen it to take responses.",
            )),
            (Open, Accept) => Err(IllegalTransition("There is no response to accept yet.")),
            (Answered | Resolved, Accept) => Ok(Resolved),
            (Closed, Accept) => Err(IllegalTransition(
                "This request is closed: reopen it before accepting a response.",
            )),
            (Open | Answered, Close) => Ok(Closed),
            (Resolved, Close) => Err(IllegalTransition("This request is already resolved.")),
            (Closed, Close) => Err(IllegalTransition("This request is already closed.")),
            (Closed | Resolved, Reopen) => Ok(if has_responses { Answered } else { Open }),
            (Open | Answered, Reopen) => Err(IllegalTransition("This request is already open.")),
        }
    }

    /// Whether peers can still offer help.
    pub fn takes_offers(self) -> bool {
        matches!(self, HelpRequestStatus::Open | HelpRequestStatus::Answered)
    }
}

impl InNetwork for help_requests::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::HelpRequestStatus::*;
    use super::Transition::*;

    #[test]
    fn the_happy_path_goes_open_answered_resolved() {
        let answered = Open.apply(Respond, false).unwrap();
        assert_eq!(answered, Answered);
        assert_eq!(answered.apply(Accept, true).unwrap(), Resolved);
    }

    #[test]
    fn every_illegal_transition_is_refused_with_a_reason() {
        for (status, transition) in [
            (Closed, Respond),
            (Open, Accept),
            (Closed, Accept),
            (Resolved, Close),
            (Closed, Close),
            (Open, Reopen),
            (Answered, Reopen),
        ] {
            let refused = status.apply(transition, true).unwrap_err();
            assert!(!refused.0.is_empty(), "{status:?} {transition:?}");
        }
    }

    #[test]
    fn reopening_returns_to_where_the_responses_say() {
        assert_eq!(Closed.apply(Reopen, false).unwrap(), Open);
        assert_eq!(Closed.apply(Reopen, true).unwrap(), Answered);
        assert_eq!(Resolved.apply(Reopen, true).unwrap(), Answered);
    }
}
