//! `@handle` mentions: found in a post's markdown, resolved to members of the thread's
//! network (mentioning someone outside it does nothing, and reveals nothing).

use crate::entities::{members, network_members, post_mentions};
use crate::ids::{MemberId, NetworkId, PostId};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

const MAX_MENTIONS: usize = 20;

/// Handles mentioned in `body`, lowercased and deduplicated. An `@` counts only at the start
/// or after a character that cannot be part of a word (so emails are not mentions), and
/// not inside inline or fenced code.
pub fn extract_handles(body: &str) -> Vec<String> {
    let mut handles = Vec::new();
    let mut in_fence = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let mut in_code = false;
        let mut previous: Option<char> = None;
        for (index, c) in line.char_indices() {
            if c == '`' {
                in_code = !in_code;
            } else if c == '@'
                && !in_code
                && previous.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '.'))
            {
                let rest = &line[index + 1..];
                let handle: String = rest
                    .chars()
                    .take_while(|ch| ch.is_alphanumeric() || *ch == '-')
                    .collect::<String>()
                    .trim_end_matches('-')
                    .to_lowercase();
                if !handle.is_empty() && !handles.contains(&handle) {
                    handles.push(handle);
                    if handles.len() == MAX_MENTIONS {
                        return handles;
                    }
                }
            }
            previous = Some(c);
        }
    }
    handles
}

/// Members of `network_id` mentioned in `body`, excluding the author.
pub async fn resolve(
    db: &impl ConnectionTrait,
    network_id: NetworkId,
    author_id: MemberId,
    body: &str,
) -> Result<Vec<members::Model>, DbErr> {
    let handles = extract_handles(body);
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    members::Entity::find()
        .filter(members::Column::Handle.is_in(handles))
        .filter(members::Column::Id.ne(author_id))
        .filter(
            members::Column::Id.in_subquery(
                Query::select()
                    .column(network_members::Column::MemberId)
                    .from(network_members::Entity)
                    .and_where(network_members::Column::NetworkId.eq(network_id))
                    .to_owned(),
            ),
        )
        .all(db)
        .await
}

/// Records mentions of `post_id` not yet recorded; returns the newly mentioned members.
pub async fn record(
    db: &impl ConnectionTrait,
    post_id: PostId,
    mentioned: &[members::Model],
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
        .map(|m| m.id)
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

#[cfg(test)]
mod tests {
    use super::extract_handles;

    #[test]
    fn finds_handles_but_not_emails_or_code() {
        let body = "Thanks @roxy-heiser and @Lauren! Mail me at ana@school.org.\n`@not-this` \n```\n@nor-this\n```\n@roxy-heiser again";
        assert_eq!(extract_handles(body), vec!["roxy-heiser", "lauren"]);
    }

    #[test]
    fn trailing_hyphens_and_punctuation_are_not_part_of_a_handle() {
        assert_eq!(extract_handles("cc @ana-, @bo."), vec!["ana", "bo"]);
    }
}
