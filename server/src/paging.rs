//! Lists keyed by id alone (invitations, replies, messages, notifications, members of a
//! network): the cursor is the id of the last row shown, and a page reads `limit + 1` rows
//! past it, the extra one only telling that more exist. `extract::Page` is what they answer.

use crate::error::ApiError;
use crate::extract::{split_page, Page, PageQuery};
use crate::ids::ApiId;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

/// Where a page of an id-ordered list starts: its size, and the id it goes on from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdPage {
    pub limit: u64,
    /// The id of the last row of the page before; `None` on the first page.
    pub past: Option<i64>,
}

impl IdPage {
    /// `?limit=&cursor=` of a list whose cursor is the id of its last row.
    pub fn of(query: &PageQuery) -> Result<IdPage, ApiError> {
        let limit = query.limit()?;
        let past: Option<ApiId> = query.cursor()?;
        Ok(IdPage {
            limit,
            past: past.map(|id| id.0),
        })
    }

    /// Oldest first: the rows of `select` after `past` by `id`, one more than fit.
    pub fn ascending<E: EntityTrait>(self, select: Select<E>, id: E::Column) -> Select<E> {
        let select = match self.past {
            Some(past) => select.filter(id.gt(past)),
            None => select,
        };
        select.order_by_asc(id).limit(self.limit + 1)
    }

    /// Newest first: the rows of `select` before `past` by `id`, one more than fit.
    pub fn descending<E: EntityTrait>(self, select: Select<E>, id: E::Column) -> Select<E> {
        let select = match self.past {
            Some(past) => select.filter(id.lt(past)),
            None => select,
        };
        select.order_by_desc(id).limit(self.limit + 1)
    }

    /// The rows of this page out of those read, and the cursor of the next page (the id of
    /// its last row), as `split_page` does.
    pub fn split<R>(self, rows: Vec<R>, id_of: impl Fn(&R) -> i64) -> (Vec<R>, Option<String>) {
        split_page(rows, self.limit, |row| ApiId(id_of(row)))
    }

    /// This page made of the rows read, as `Page::from_rows` does.
    pub fn page_of<R, T>(
        self,
        rows: Vec<R>,
        id_of: impl Fn(&R) -> i64,
        into_item: impl FnMut(R) -> T,
    ) -> Page<T> {
        Page::from_rows(rows, self.limit, |row| ApiId(id_of(row)), into_item)
    }
}
