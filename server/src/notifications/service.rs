//! Listing a member's notifications and marking them read; both answer with the unread
//! count as the member may see it now.

use super::queries::{self, NotificationView};
use crate::error::{ApiError, ApiResult};
use crate::extract::PageQuery;
use crate::ids::{ApiId, MemberId};
use crate::networks::visibility::visible_network_ids;
use crate::paging::IdPage;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// `{items, next_cursor, unread_count}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub next_cursor: Option<String>,
    pub unread_count: u64,
}

/// `{ids: [...]}` or `{all: true}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    #[serde(default)]
    pub ids: Vec<ApiId>,
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnreadCount {
    pub unread_count: u64,
}

/// A page of `member`'s notifications, newest first, hiding those from networks they
/// left.
pub async fn list(
    db: &impl ConnectionTrait,
    member: MemberId,
    query: &NotificationQuery,
) -> ApiResult<NotificationPage> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let page = IdPage::of(&page)?;
    let networks = visible_network_ids(db, member).await?;
    let condition = || queries::visible(member.get(), &networks);
    let rows = queries::page(db, condition(), query.unread.unwrap_or(false), page).await?;
    let (rows, next_cursor) = page.split(rows, |n| n.id);
    Ok(NotificationPage {
        items: queries::views(db, rows).await?,
        next_cursor,
        unread_count: queries::unread_count(db, condition()).await?,
    })
}

/// Marks the notifications named (or all) of `member` read.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    member: MemberId,
    body: &MarkRead,
) -> ApiResult<UnreadCount> {
    if !body.all && body.ids.is_empty() {
        return Err(ApiError::invalid(
            "ids",
            "give the ids to mark read, or `all: true`",
        ));
    }
    if body.ids.len() > 500 {
        return Err(ApiError::invalid("ids", "at most 500 at a time"));
    }
    let ids: Option<Vec<i64>> = (!body.all).then(|| body.ids.iter().map(|id| id.0).collect());
    queries::mark_read(db, member.get(), ids.as_deref()).await?;
    let networks = visible_network_ids(db, member).await?;
    let unread_count = queries::unread_count(db, queries::visible(member.get(), &networks)).await?;
    Ok(UnreadCount { unread_count })
}
