//! Serving a resource's file: the current version or `?version=N`, as an attachment with its
//! detected type, an `ETag` (the content hash), conditional requests and byte ranges.

use super::queries;
use crate::entities::{resource_downloads, resources};
use crate::error::{ApiError, ApiResult};
use crate::files::media_type::content_disposition;
use crate::files::range::{self, RangeRequest};
use crate::ids::MemberId;
use crate::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

const CHUNK_BYTES: usize = 64 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// A version number; the current version when absent.
    pub version: Option<i32>,
    /// The link token of a signed `download_url` (instead of a Bearer header).
    pub token: Option<String>,
}

pub async fn download(
    state: &AppState,
    actor: MemberId,
    id: i64,
    query: DownloadQuery,
    req: &HttpRequest,
) -> ApiResult<HttpResponse> {
    let db = state.db.reader();
    let (resource, _) = crate::networks::access::load::<resources::Entity>(db, actor, id).await?;
    let number = query
        .version
        .or(resource.current_version)
        .ok_or(ApiError::NotFound)?;
    let version = queries::version(db, id, number)
        .await?
        .ok_or(ApiError::NotFound)?;
    let etag = format!("\"{}\"", version.sha256);
    let header_value = |name| req.headers().get(name).and_then(|v| v.to_str().ok());

    // If-None-Match compares weakly (RFC 9110 §13.1.2): `W/"x"` matches `"x"`.
    let matches = |value: &str| {
        value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
    };
    if header_value(header::IF_NONE_MATCH).is_some_and(matches) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "private, max-age=0, must-revalidate"))
            .finish());
    }
    let mut file = state.files.open(&version.sha256).await.map_err(|err| {
        ApiError::Internal(anyhow::Error::new(err).context(format!(
            "resource {id} version {number}: stored file missing"
        )))
    })?;
    let len = file
        .metadata()
        .await
        .map_err(|err| ApiError::Internal(err.into()))?
        .len();
    // A range applies only to the representation the client already has part of.
    let range_header = match header_value(header::IF_RANGE) {
        Some(if_range) if if_range.trim() != etag => None,
        _ => header_value(header::RANGE),
    };
    let (status, start, end) = match range::parse(range_header, len) {
        RangeRequest::Full => (actix_web::http::StatusCode::OK, 0, len.saturating_sub(1)),
        RangeRequest::Partial { start, end } => {
            (actix_web::http::StatusCode::PARTIAL_CONTENT, start, end)
        }
        RangeRequest::Unsatisfiable => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{len}")))
                .insert_header((header::ACCEPT_RANGES, "bytes"))
                .finish());
        }
    };
    if start == 0 {
        count_download(state, id, actor).await?;
    }
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(|err| ApiError::Internal(err.into()))?;
    let length = if len == 0 { 0 } else { end - start + 1 };
    let body = futures_util::stream::unfold((file, length), |(mut file, remaining)| async move {
        if remaining == 0 {
            return None;
        }
        let mut buffer = vec![0u8; CHUNK_BYTES.min(remaining as usize)];
        match file.read(&mut buffer).await {
            Ok(0) => Some((
                Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
                (file, 0),
            )),
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(Bytes::from(buffer)), (file, remaining - read as u64)))
            }
            Err(err) => Some((Err(err), (file, 0))),
        }
    });
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, version.media_type.clone()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&version.file_name),
        ))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=0, must-revalidate"))
        .no_chunking(length);
    if status == actix_web::http::StatusCode::PARTIAL_CONTENT {
        response.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")));
    }
    Ok(response.streaming(body))
}

/// Counts a download (a full one, or the first range of a resumable one) and remembers
/// who downloaded: digests do not recommend a resource to someone who already has it.
async fn count_download(state: &AppState, id: i64, member: MemberId) -> ApiResult<()> {
    let txn = crate::db::begin_write(state.db.writer()).await?;
    resources::Entity::update_many()
        .col_expr(
            resources::Column::DownloadCount,
            Expr::col(resources::Column::DownloadCount).add(1),
        )
        .filter(resources::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    resource_downloads::Entity::insert(resource_downloads::ActiveModel {
        resource_id: Set(id),
        member_id: Set(member.get()),
        first_at: Set(crate::clock::now()),
    })
    .on_conflict(
        OnConflict::columns([
            resource_downloads::Column::ResourceId,
            resource_downloads::Column::MemberId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}
