//! Listing a member's notifications and marking them read; both answer with the unread
//! count as the member may see it now.

use super::groups;
use super::queries::{self, NotificationView};
use super::settle::settle_ids;
use crate::db::Writer;
use crate::error::{ApiError, ApiResult};
use crate::extract::PageQuery;
use crate::ids::{ApiId, MemberId};
use crate::networks::visibility::visible_network_ids;
use crate::paging::IdPage;
use crate::tx::Tx;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    /// Unread new posts and replies in one thread as one item (`subject_type: thread`,
    /// with `count` and `ids`), where the newest of them stands; mentions stay apart.
    pub grouped: Option<bool>,
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
    let is_grouped = query.grouped.unwrap_or(false);
    let listed = if is_grouped {
        condition().add(groups::representatives())
    } else {
        condition()
    };
    let rows = queries::page(db, listed, query.unread.unwrap_or(false), page).await?;
    let (rows, next_cursor) = page.split(rows, |n| n.id);
    let mut items = queries::views(db, rows.clone()).await?;
    if is_grouped {
        items = groups::group(db, condition(), &rows, items).await?;
    }
    Ok(NotificationPage {
        items,
        next_cursor,
        unread_count: queries::unread_count(db, condition()).await?,
    })
}

/// Marks the notifications named (or all) of `member` read, telling their other tabs
/// (`notification.read`).
pub async fn mark_read(db: &Writer, member: MemberId, body: &MarkRead) -> ApiResult<UnreadCount> {
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
    let txn = Tx::begin(db).await?;
    settle_ids(&txn, member, ids.as_deref()).await?;
    let unread = unread_count(&txn, member).await?;
    txn.commit().await?;
    Ok(unread)
}

/// `member`'s unread notifications, as they may see them now.
pub async fn unread_count(db: &impl ConnectionTrait, member: MemberId) -> ApiResult<UnreadCount> {
    let networks = visible_network_ids(db, member).await?;
    let unread_count = queries::unread_count(db, queries::visible(member.get(), &networks)).await?;
    Ok(UnreadCount { unread_count })
}
