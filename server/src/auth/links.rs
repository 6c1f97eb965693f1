//! Signed, expiring links for what a browser or calendar app fetches without a Bearer
//! header: file downloads, `.ics` files, run-chart images and images in posts. The API returns them (`download_url`,
//! `calendar_url`) to a member who may fetch the thing now; each names that member and one
//! thing, expires, and is signed with a key derived from the instance secret for this
//! purpose only (no access token is a link token, and no link token signs anyone in).
//! Following one re-checks the member's access at that moment, so a member removed from the
//! network gets nothing from a link they kept.

use crate::extract::Page;
use crate::purpose_tokens::PurposeKeys;

/// How long a link works: long enough for a page left open over a working day.
pub const TTL_HOURS: i64 = 12;

/// What a link lets its member fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linked {
    /// Any version of a resource's file.
    Download { resource_id: i64 },
    /// A convening's `.ics`.
    Calendar { convening_id: i64 },
    /// An initiative's run charts as SVG (the network's and each team's).
    Chart { initiative_id: i64 },
    /// An image in a post (either size).
    Image { image_id: i64 },
}

impl Linked {
    fn scope(self) -> String {
        match self {
            Linked::Download { resource_id } => format!("download:{resource_id}"),
            Linked::Calendar { convening_id } => format!("calendar:{convening_id}"),
            Linked::Chart { initiative_id } => format!("chart:{initiative_id}"),
            Linked::Image { image_id } => format!("image:{image_id}"),
        }
    }
}

pub struct LinkKeys(PurposeKeys);

impl LinkKeys {
    pub fn new(secret: &[u8]) -> LinkKeys {
        LinkKeys(PurposeKeys::new(
            secret,
            b"staffroom signed links v1",
            "link",
        ))
    }

    /// A token letting `member_id` fetch `what` for the next `TTL_HOURS`.
    pub fn issue(&self, member_id: i64, what: Linked) -> String {
        self.0
            .issue(member_id, &what.scope(), chrono::Duration::hours(TTL_HOURS))
    }

    /// The member a valid, unexpired token for exactly `what` was issued to.
    pub fn verify(&self, token: &str, what: Linked) -> Option<i64> {
        let (member, scope) = self.0.verify(token)?;
        (scope == what.scope()).then_some(member)
    }
}

/// A view holding links that a browser follows without a Bearer header: handlers sign them
/// for the member they answer, as the last step, so no stored or broadcast view carries a
/// token.
pub trait SignedLinks: Sized {
    /// The view with its links signed for `member`.
    fn with_signed_links(self, keys: &LinkKeys, member: i64) -> Self;
}

impl<T: SignedLinks> SignedLinks for Vec<T> {
    fn with_signed_links(self, keys: &LinkKeys, member: i64) -> Self {
        self.into_iter()
            .map(|view| view.with_signed_links(keys, member))
            .collect()
    }
}

impl<T: SignedLinks> SignedLinks for Page<T> {
    fn with_signed_links(self, keys: &LinkKeys, member: i64) -> Self {
        Page {
            items: self.items.with_signed_links(keys, member),
            next_cursor: self.next_cursor,
        }
    }
}

/// Who is fetching: the bearer of a valid access token, else the member a valid link token
/// for `what` names; 401 when neither.
pub fn fetcher(
    auth: Option<super::AuthMember>,
    keys: &LinkKeys,
    token: Option<&str>,
    what: Linked,
) -> Result<i64, crate::error::ApiError> {
    if let Some(auth) = auth {
        return Ok(auth.id);
    }
    token
        .and_then(|token| keys.verify(token, what))
        .ok_or(crate::error::ApiError::Unauthorized(
            "Send an access token, or follow a link the API gave you before it expires.",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tokens::TokenKeys;
    use crate::mail::unsubscribe::{Unsubscribe, UnsubscribeKeys};

    #[test]
    fn a_link_opens_one_thing_for_one_member() {
        let keys = LinkKeys::new(b"secret");
        let download = Linked::Download { resource_id: 4 };
        let token = keys.issue(7, download);
        assert_eq!(keys.verify(&token, download), Some(7));
        assert_eq!(
            keys.verify(&token, Linked::Download { resource_id: 5 }),
            None
        );
        assert_eq!(
            keys.verify(&token, Linked::Calendar { convening_id: 4 }),
            None
        );
        assert_eq!(LinkKeys::new(b"other").verify(&token, download), None);
        let mut tampered = token.clone();
        tampered.insert(tampered.len() - 2, 'x');
        assert_eq!(keys.verify(&tampered, download), None);
    }

    #[test]
    fn links_unsubscribe_tokens_and_access_tokens_do_not_mix() {
        let access = TokenKeys::new(b"secret", 60);
        let links = LinkKeys::new(b"secret");
        let unsubscribe = UnsubscribeKeys::new(b"secret");
        let download = Linked::Download { resource_id: 4 };
        assert_eq!(links.verify(&access.issue_access(7), download), None);
        assert_eq!(access.verify_access(&links.issue(7, download)), None);
        assert_eq!(
            links.verify(&unsubscribe.issue(7, Unsubscribe::Digest), download),
            None
        );
        assert_eq!(unsubscribe.verify(&links.issue(7, download)), None);
    }
}
