//! Profile settings: how a member wants to hear from Staffroom (digests, notification
//! emails). Each constructor is the only way to get a value, so a stored profile is valid.

use crate::error::ApiError;
use crate::mail::unsubscribe::EmailKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DigestFrequency {
    Off,
    Daily,
    Weekly,
}

impl DigestFrequency {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestFrequency::Off => "off",
            DigestFrequency::Daily => "daily",
            DigestFrequency::Weekly => "weekly",
        }
    }

    pub fn from_stored(stored: &str) -> DigestFrequency {
        match stored {
            "off" => DigestFrequency::Off,
            "daily" => DigestFrequency::Daily,
            _ => DigestFrequency::Weekly,
        }
    }
}

/// When the digest goes out, in the member's own timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DigestPreferences {
    pub frequency: DigestFrequency,
    /// 0 = Sunday … 6 = Saturday; used by weekly digests.
    pub weekday: u8,
    /// Local hour, 0 to 23.
    pub hour: u8,
}

impl DigestPreferences {
    pub fn validate(self) -> Result<DigestPreferences, ApiError> {
        if self.weekday > 6 {
            return Err(ApiError::invalid(
                "digest.weekday",
                "must be 0 (Sunday) to 6 (Saturday)",
            ));
        }
        if self.hour > 23 {
            return Err(ApiError::invalid("digest.hour", "must be 0 to 23"));
        }
        Ok(self)
    }
}

/// Which kinds of notification email a member gets (`email_notifications` on the profile);
/// all on unless turned off. Stored as opt-outs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EmailNotifications {
    /// Someone mentions you or replies to your post.
    pub mentioned: bool,
    /// Someone answers (or offers help on) your help request.
    pub help_responded: bool,
    /// Your answer is accepted.
    pub answer_accepted: bool,
    /// A help request matches your expertise.
    pub expertise_requested: bool,
    /// An action item is assigned to you.
    pub action_item_assigned: bool,
    /// A direct message.
    pub direct_message: bool,
}

impl EmailNotifications {
    /// Everything on except `opted_out`.
    pub fn without(opted_out: impl IntoIterator<Item = EmailKind>) -> EmailNotifications {
        let mut prefs = EmailNotifications {
            mentioned: true,
            help_responded: true,
            answer_accepted: true,
            expertise_requested: true,
            action_item_assigned: true,
            direct_message: true,
        };
        for kind in opted_out {
            *prefs.slot(kind) = false;
        }
        prefs
    }

    pub fn is_on(mut self, kind: EmailKind) -> bool {
        *self.slot(kind)
    }

    fn slot(&mut self, kind: EmailKind) -> &mut bool {
        match kind {
            EmailKind::Mentioned => &mut self.mentioned,
            EmailKind::HelpResponded => &mut self.help_responded,
            EmailKind::AnswerAccepted => &mut self.answer_accepted,
            EmailKind::ExpertiseRequested => &mut self.expertise_requested,
            EmailKind::ActionItemAssigned => &mut self.action_item_assigned,
            EmailKind::DirectMessage => &mut self.direct_message,
        }
    }
}

/// `PATCH /me` `email_notifications`: the kinds named are turned on or off, the others stay.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailNotificationsUpdate {
    pub mentioned: Option<bool>,
    pub help_responded: Option<bool>,
    pub answer_accepted: Option<bool>,
    pub expertise_requested: Option<bool>,
    pub action_item_assigned: Option<bool>,
    pub direct_message: Option<bool>,
}

impl EmailNotificationsUpdate {
    /// `(kind, on)` for each kind named.
    pub fn changes(self) -> Vec<(EmailKind, bool)> {
        [
            (EmailKind::Mentioned, self.mentioned),
            (EmailKind::HelpResponded, self.help_responded),
            (EmailKind::AnswerAccepted, self.answer_accepted),
            (EmailKind::ExpertiseRequested, self.expertise_requested),
            (EmailKind::ActionItemAssigned, self.action_item_assigned),
            (EmailKind::DirectMessage, self.direct_message),
        ]
        .into_iter()
        .filter_map(|(kind, on)| Some((kind, on?)))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_hours_and_weekdays_are_bounded() {
        let ok = DigestPreferences {
            frequency: DigestFrequency::Weekly,
            weekday: 1,
            hour: 7,
        };
        assert!(ok.validate().is_ok());
        assert!(DigestPreferences { hour: 24, ..ok }.validate().is_err());
        assert!(DigestPreferences { weekday: 7, ..ok }.validate().is_err());
    }
}
