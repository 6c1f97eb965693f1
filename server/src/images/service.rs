//! Receiving an image into a network and serving it back to those who may see it.

use super::process::{self, Processed, Refused, Rules};
use crate::entities::images;
use crate::error::{ApiError, ApiResult};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::networks::network_access;
use crate::tx::Tx;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::HttpResponse;
use bytes::Bytes;
use futures_util::StreamExt;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

/// An image as the upload answers it: `url` is what `![alt](url)` in a post of its network
/// shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImageView {
    pub id: ApiId,
    pub network_id: ApiId,
    /// `/api/v1/images/{id}`: the display size; `?size=full` the whole image as kept.
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub display_width: i32,
    pub display_height: i32,
    pub media_type: String,
}

impl From<&images::Model> for ImageView {
    fn from(row: &images::Model) -> Self {
        ImageView {
            id: ApiId(row.id),
            network_id: ApiId(row.network_id),
            url: format!("/api/v1/images/{}", row.id),
            width: row.width,
            height: row.height,
            display_width: row.display_width,
            display_height: row.display_height,
            media_type: row.media_type.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImageQuery {
    /// `full` for the image as kept; the display size otherwise.
    pub size: Option<String>,
    /// The link token of a signed address in a post's `body_html`.
    pub token: Option<String>,
}

/// Receives the `file` part of `multipart` into network `network_id` as `actor`, who must
/// belong to it.
pub async fn upload(
    state: &AppState,
    actor: MemberId,
    network_id: NetworkId,
    multipart: Multipart,
) -> ApiResult<ImageView> {
    network_access(state.db.reader(), actor, network_id).await?;
    let config = &state.config.images;
    let bytes = file_part(multipart, config.max_bytes).await?;
    let rules = Rules {
        max_pixels: config.max_pixels,
        max_side: config.max_side,
        display_side: config.display_side,
    };
    // Decoding takes memory and processor time in proportion to the pixels: a few at once,
    // off the async workers.
    // The permit goes with the decoding itself: a client that hangs up does not free it
    // while the pixels are still being decoded.
    let permit = state
        .image_decoding
        .clone()
        .acquire_owned()
        .await
        .map_err(|err| ApiError::Internal(err.into()))?;
    let processed = tokio::task::spawn_blocking(move || {
        let processed = process::process(&bytes, rules);
        drop(permit);
        processed
    })
    .await
    .map_err(|err| ApiError::Internal(err.into()))?;
    let Processed { full, display } = processed.map_err(|refused| match refused {
        Refused::NotAnImage => {
            ApiError::UnsupportedMediaType("Send a JPEG, PNG, WebP or GIF image.".into())
        }
        Refused::TooLarge { .. } => ApiError::PayloadTooLarge,
    })?;
    let full_sha = keep(state, full.bytes).await?;
    let display_sha = keep(state, display.bytes).await?;
    let to_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let txn = Tx::begin(state.db.writer()).await?;
    let row = images::ActiveModel {
        network_id: Set(network_id.get()),
        uploaded_by: Set(actor.get()),
        sha256: Set(full_sha),
        media_type: Set(full.media_type.to_owned()),
        width: Set(to_i32(full.width)),
        height: Set(to_i32(full.height)),
        display_sha256: Set(display_sha),
        display_media_type: Set(display.media_type.to_owned()),
        display_width: Set(to_i32(display.width)),
        display_height: Set(to_i32(display.height)),
        created_at: Set(crate::clock::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(ImageView::from(&row))
}

/// The bytes of the `file` part, refused past `limit`; other parts are ignored.
async fn file_part(mut multipart: Multipart, limit: u64) -> ApiResult<Vec<u8>> {
    while let Some(part) = multipart.next().await {
        let mut part =
            part.map_err(|err| ApiError::BadRequest(format!("Not a valid form: {err}")))?;
        if part.name() != Some("file") {
            while part.next().await.is_some() {}
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk
                .map_err(|err| ApiError::BadRequest(format!("The upload broke off: {err}")))?;
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(ApiError::PayloadTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Err(ApiError::invalid(
        "file",
        "is required: send the image as the `file` part",
    ))
}

/// Stores `bytes` by content; their hash.
async fn keep(state: &AppState, bytes: Vec<u8>) -> ApiResult<String> {
    let len = bytes.len() as u64;
    let body =
        futures_util::stream::iter([Ok::<Bytes, std::convert::Infallible>(Bytes::from(bytes))]);
    let upload = state
        .files
        .receive(body, len)
        .await
        .map_err(|err| ApiError::Internal(anyhow::Error::new(err)))?;
    let sha256 = upload.sha256.clone();
    state
        .files
        .keep(upload)
        .await
        .map_err(|err| ApiError::Internal(anyhow::Error::new(err)))?;
    Ok(sha256)
}

/// Image `id` for `member`, if they may see its network now: 404 otherwise.
pub async fn serve(
    state: &AppState,
    member: MemberId,
    id: i64,
    full: bool,
) -> ApiResult<HttpResponse> {
    let db = state.db.reader();
    let image = images::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    network_access(db, member, NetworkId(image.network_id)).await?;
    let (sha256, media_type) = if full {
        (&image.sha256, &image.media_type)
    } else {
        (&image.display_sha256, &image.display_media_type)
    };
    let mut file = state.files.open(sha256).await.map_err(|err| {
        ApiError::Internal(
            anyhow::Error::new(err).context(format!("image {id}: stored file missing")),
        )
    })?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .await
        .map_err(|err| ApiError::Internal(err.into()))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, media_type.as_str()))
        .insert_header((header::ETAG, format!("\"{sha256}\"")))
        // Private: the link is signed for one reader, and their access is checked anew
        // once this expires.
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}
