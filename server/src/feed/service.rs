//! Reading a page of the feed: the query's rows turned into items for the member.

use super::model::{FeedFilter, FeedKind};
use super::queries::{self, FeedCursor, FeedRow};
use super::views::{FeedActor, FeedItem, FeedNetwork, FeedPage};
use crate::entities::members;
use crate::error::{ApiError, ApiResult};
use crate::extract::{decode_cursor, plausible_time, split_page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::help_requests::views::AnonymousAsker;
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::markdown::one_line;
use crate::members::views::MemberRef;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::Deserialize;

/// `GET /me/feed`'s query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `latest` (default), `unread` or `new`.
    pub filter: Option<FeedFilter>,
    /// Only this network (404 if I cannot see it).
    pub network_id: Option<ApiId>,
    /// Items per page: 1 to 100, default 20.
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Excerpts are this many characters at most.
const EXCERPT_CHARS: usize = 200;

pub async fn feed(
    db: &impl ConnectionTrait,
    member: MemberId,
    query: FeedQuery,
) -> ApiResult<FeedPage> {
    let limit = match query.limit {
        None => DEFAULT_PAGE_SIZE,
        Some(limit) if (1..=MAX_PAGE_SIZE as u32).contains(&limit) => u64::from(limit),
        Some(_) => return Err(ApiError::invalid("limit", "must be between 1 and 100")),
    };
    let cursor: Option<FeedCursor> = query.cursor.as_deref().map(decode_cursor).transpose()?;
    if let Some(cursor) = &cursor {
        plausible_time(cursor.last_activity_at)?;
        if FeedKind::from_stored(&cursor.kind).is_none() {
            return Err(ApiError::invalid(
                "cursor",
                "is not a cursor returned by this list",
            ));
        }
    }
    let network = query.network_id.map(|id| NetworkId(id.0));
    if let Some(network) = network {
        // 404 for a network I cannot see; the page's query guards itself as well.
        if !queries::reads_network(db, member, network).await? {
            return Err(ApiError::NotFound);
        }
    }
    let rows = queries::feed_page(
        db,
        member,
        network,
        query.filter.unwrap_or_default(),
        cursor.as_ref(),
        limit,
    )
    .await?;
    let last_visit_at = match rows.first() {
        Some(row) => row.previous_visit_at,
        // An empty page has no row to carry it.
        None => {
            members::Entity::find_by_id(member.get())
                .one(db)
                .await?
                .ok_or(ApiError::NotFound)?
                .previous_visit_at
        }
    };
    let (rows, next_cursor) = split_page(rows, limit, |row| row.cursor.clone());
    Ok(FeedPage {
        items: rows.into_iter().map(|row| item_of(row, member)).collect(),
        next_cursor,
        last_visit_at,
    })
}

fn item_of(row: FeedRow, viewer: MemberId) -> FeedItem {
    let url = row.kind.url(row.id);
    let first_unread_url = match (row.is_unread, row.thread_id, row.first_unread_post) {
        (true, Some(thread), Some(number)) => format!("/threads/{thread}#post-{number}"),
        _ => url.clone(),
    };
    // An anonymous asker stays anonymous to everyone but themselves, as on every other
    // read path; their own responses included.
    let hides_asker = row.is_anonymous && row.author_id != viewer.get();
    let last_actor = if hides_asker && row.last_actor_id == Some(row.author_id) {
        Some(FeedActor::Anonymous(AnonymousAsker::of_network(
            &row.network_name,
        )))
    } else {
        row.last_actor_id
            .zip(row.last_actor_handle)
            .zip(row.last_actor_name)
            .map(|((id, handle), display_name)| {
                FeedActor::Member(MemberRef {
                    id: ApiId(id),
                    handle,
                    display_name,
                })
            })
    };
    let unread_count = match (row.is_unread, row.kind) {
        (false, _) => 0,
        (true, FeedKind::Thread) => row.unread_units,
        (true, _) => row.unread_units + i64::from(!row.is_opened),
    };
    FeedItem {
        kind: row.kind,
        id: ApiId(row.id),
        network: FeedNetwork {
            id: ApiId(row.network_id),
            name: row.network_name,
        },
        title: row.title,
        url,
        excerpt: one_line(row.body.as_deref().unwrap_or_default(), EXCERPT_CHARS),
        last_activity_at: row.last_activity_at,
        last_actor,
        reply_count: row.reply_count,
        helpful_count: row.helpful_count,
        unread_count,
        first_unread_url,
        is_new: row.is_new,
    }
}
