//! One-click unsubscribe tokens (RFC 8058): each names one member and one kind of email (the
//! digest, or one kind of notification email), expires, and is signed with a key derived
//! from the instance secret for this purpose only, so no access token is ever an
//! unsubscribe token and no unsubscribe token signs anyone in.

use crate::purpose_tokens::PurposeKeys;
use sea_orm::{DatabaseConnection, DbErr};

/// How long a link in an email keeps working: mail is read late.
const TTL_DAYS: i64 = 90;

/// What a token turns off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsubscribe {
    Digest,
    Notification(EmailKind),
}

impl Unsubscribe {
    fn as_str(self) -> &'static str {
        match self {
            Unsubscribe::Digest => "digest",
            Unsubscribe::Notification(kind) => kind.as_str(),
        }
    }

    fn parse(scope: &str) -> Option<Unsubscribe> {
        if scope == "digest" {
            return Some(Unsubscribe::Digest);
        }
        EmailKind::parse(scope).map(Unsubscribe::Notification)
    }

    /// How the confirmation page names it.
    pub fn describe(self) -> &'static str {
        match self {
            Unsubscribe::Digest => "the Staffroom digest",
            Unsubscribe::Notification(kind) => kind.describe(),
        }
    }
}

/// Turns off what a token names for its member; doing it twice is harmless. The capability
/// that keeps members' email preferences provides it when the routes are assembled
/// (`lib.rs`), so mail does not know where they are kept.
#[async_trait::async_trait]
pub trait TurnOff: Send + Sync {
    async fn turn_off(
        &self,
        db: &DatabaseConnection,
        member_id: i64,
        what: Unsubscribe,
    ) -> Result<(), DbErr>;
}

/// The kinds of notification email a member can turn on or off. The names are part of the
/// API (`email_notifications` on the profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EmailKind {
    Mentioned,
    HelpResponded,
    AnswerAccepted,
    ExpertiseRequested,
    ActionItemAssigned,
    DirectMessage,
}

impl EmailKind {
    pub const ALL: [EmailKind; 6] = [
        EmailKind::Mentioned,
        EmailKind::HelpResponded,
        EmailKind::AnswerAccepted,
        EmailKind::ExpertiseRequested,
        EmailKind::ActionItemAssigned,
        EmailKind::DirectMessage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Mentioned => "mentioned",
            EmailKind::HelpResponded => "help_responded",
            EmailKind::AnswerAccepted => "answer_accepted",
            EmailKind::ExpertiseRequested => "expertise_requested",
            EmailKind::ActionItemAssigned => "action_item_assigned",
            EmailKind::DirectMessage => "direct_message",
        }
    }

    pub fn parse(name: &str) -> Option<EmailKind> {
        EmailKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn describe(self) -> &'static str {
        match self {
            EmailKind::Mentioned => "emails when someone mentions you or replies to you",
            EmailKind::HelpResponded => {
                "emails when someone answers or offers help on your help request"
            }
            EmailKind::AnswerAccepted => "emails when your answer is accepted",
            EmailKind::ExpertiseRequested => "emails when someone needs your expertise",
            EmailKind::ActionItemAssigned => "emails when an action item is assigned to you",
            EmailKind::DirectMessage => "emails about direct messages",
        }
    }
}

pub struct UnsubscribeKeys(PurposeKeys);

impl UnsubscribeKeys {
    pub fn new(secret: &[u8]) -> UnsubscribeKeys {
        UnsubscribeKeys(PurposeKeys::new(
            secret,
            b"staffroom unsubscribe tokens v1",
            "unsubscribe",
        ))
    }

    pub fn issue(&self, member_id: i64, what: Unsubscribe) -> String {
        self.0
            .issue(member_id, what.as_str(), chrono::Duration::days(TTL_DAYS))
    }

    /// The member and what to turn off, for a valid, unexpired token.
    pub fn verify(&self, token: &str) -> Option<(i64, Unsubscribe)> {
        let (member, scope) = self.0.verify(token)?;
        Some((member, Unsubscribe::parse(&scope)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_one_member_and_one_kind() {
        let keys = UnsubscribeKeys::new(b"secret");
        let token = keys.issue(7, Unsubscribe::Notification(EmailKind::Mentioned));
        assert_eq!(
            keys.verify(&token),
            Some((7, Unsubscribe::Notification(EmailKind::Mentioned)))
        );
        assert_eq!(
            keys.verify(&keys.issue(7, Unsubscribe::Digest)),
            Some((7, Unsubscribe::Digest))
        );
        assert_eq!(UnsubscribeKeys::new(b"other").verify(&token), None);
        let mut tampered = token.clone();
        tampered.insert(tampered.len() - 2, 'x');
        assert_eq!(keys.verify(&tampered), None);
    }
}
