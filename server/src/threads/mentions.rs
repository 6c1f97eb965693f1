//! `@handle` mentions: found in a post's markdown (`markdown::mentions`), resolved to
//! members of the thread's network (mentioning someone outside it does nothing, and reveals
//! nothing), recorded so an edit notifies only those it newly mentions.

use crate::entities::{members, network_members, post_mentions};
use crate::ids::{MemberId, NetworkId, PostId};
use crate::markdown::mentions::{extract_handles, MentionLink, MentionLinks, FACILITATORS};
use crate::role::Role;
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};

/// What the `@words` of a body name in one network.
#[derive(Debug, Default)]
pub struct Mentions {
    /// How each resolved handle renders (lowercased handle as written → link).
    pub links: MentionLinks,
    /// Members to notify: those named, and the facilitators for `@facilitators`; never the
    /// author.
    pub member_ids: Vec<i64>,
    /// Each `@word` (lowercased, as written) that names nobody in the network.
    pub unresolved: Vec<String>,
}

/// Resolves the mentions of `body` against the members of `network_id`. Handles compare
/// case-insensitively: `@Roxy-Heiser` is `roxy-heiser`, whatever case a handle was stored
/// in. `@facilitators` always means the network's facilitators, never a member so named.
pub async fn resolve(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    author_id: MemberId,
    body: &str,
) -> Result<Mentions, DbErr> {
    let handles = extract_handles(body);
    let mut mentions = Mentions::default();
    if handles.is_empty() {
        return Ok(mentions);
    }
    let names_facilitators = handles.iter().any(|h| h == FACILITATORS);
    let personal: Vec<String> = handles
        .iter()
        .filter(|h| *h != FACILITATORS)
        .cloned()
        .collect();
    let in_network = Query::select()
        .column(network_members::Column::MemberId)
        .from(network_members::Entity)
        .and_where(network_members::Column::NetworkId.eq(network_id))
        .to_owned();
    let found: Vec<(i64, String)> = if personal.is_empty() {
        Vec::new()
    } else {
        // Handles are made lowercase, so this matches what `extract_handles` lowercased;
        // LOWER() keeps a handle stored with capitals (by hand, or an older import)
        // reachable too. SQLite's LOWER() folds ASCII only, which is all a capital in a
        // stored handle could be: made handles fold with Unicode rules before storing.
        members::Entity::find()
            .select_only()
            .columns([members::Column::Id, members::Column::Handle])
            .filter(Expr::expr(Func::lower(Expr::col(members::Column::Handle))).is_in(personal))
            .filter(members::Column::Id.in_subquery(in_network.clone()))
            .into_tuple()
            .all(db)
            .await?
    };
    for (id, handle) in found {
        let key = handle.to_lowercase();
        if key != FACILITATORS {
            if id != author_id.get() {
                mentions.member_ids.push(id);
            }
            mentions
                .links
                .insert(key, MentionLink::Member { id, handle });
        }
    }
    if names_facilitators {
        let facilitators: Vec<i64> = network_members::Entity::find()
            .select_only()
            .column(network_members::Column::MemberId)
            .filter(network_members::Column::NetworkId.eq(network_id))
            .filter(network_members::Column::Role.eq(Role::Facilitator.as_str()))
            .into_tuple()
            .all(db)
            .await?;
        for id in facilitators {
            if id != author_id.get() && !mentions.member_ids.contains(&id) {
                mentions.member_ids.push(id);
            }
        }
        mentions
            .links
            .insert(FACILITATORS.to_owned(), MentionLink::Facilitators);
    }
    mentions.unresolved = handles
        .into_iter()
        .filter(|h| !mentions.links.contains_key(h))
        .collect();
    Ok(mentions)
}

/// Records mentions of `post_id` not yet recorded; returns the newly mentioned members.
pub async fn record(
    db: &impl ConnectionTrait,
    post_id: PostId,
    mentioned: &[i64],
) -> Result<Vec<i64>, DbErr> {
    let existing: Vec<i64> = post_mentions::Entity::find()
        .filter(post_mentions::Column::PostId.eq(post_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.member_id)
        .collect();
    let new: Vec<i64> = mentioned
        .iter()
        .copied()
        .filter(|id| !existing.contains(id))
        .collect();
    if !new.is_empty() {
        post_mentions::Entity::insert_many(new.iter().map(|member_id| {
            post_mentions::ActiveModel {
                post_id: Set(post_id.get()),
                member_id: Set(*member_id),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(new)
}
