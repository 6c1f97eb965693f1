//! The emails Staffroom sends, each as subject + plain text + HTML.

use super::OutgoingEmail;

use crate::text::escape_html as escape;

pub fn magic_link(display_name: &str, link: &str, token: &str, ttl_minutes: u64) -> OutgoingEmail {
    OutgoingEmail {
        subject: "Your Staffroom sign-in link".to_owned(),
        text: format!(
            "Hello {display_name},\n\nSign in to Staffroom with this link (valid for {ttl_minutes} minutes, once):\n\n{link}\n\nSign-in code: {token}\n\nIf you did not ask for it, ignore this email.\n"
        ),
        html: format!(
            "<p>Hello {name},</p><p><a href=\"{link}\">Sign in to Staffroom</a> (valid for {ttl_minutes} minutes, once).</p><p>Sign-in code: <code>{token}</code></p><p>If you did not ask for it, ignore this email.</p>",
            name = escape(display_name),
            link = escape(link),
            token = escape(token),
        ),
    }
}

pub fn invitation(
    inviter: &str,
    network: &str,
    link: &str,
    token: &str,
    ttl_days: u64,
) -> OutgoingEmail {
    OutgoingEmail {
        subject: format!("{inviter} invited you to {network} on Staffroom"),
        text: format!(
            "{inviter} invited you to join {network} on Staffroom, where peers share resources, ask for help and keep working together between convenings.\n\nAccept the invitation (valid for {ttl_days} days):\n\n{link}\n\nInvitation code: {token}\n"
        ),
        html: format!(
            "<p>{inviter} invited you to join <strong>{network}</strong> on Staffroom, where peers share resources, ask for help and keep working together between convenings.</p><p><a href=\"{link}\">Accept the invitation</a> (valid for {ttl_days} days).</p><p>Invitation code: <code>{token}</code></p>",
            inviter = escape(inviter),
            network = escape(network),
            link = escape(link),
            token = escape(token),
        ),
    }
}
