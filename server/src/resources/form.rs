//! Reading a resource's fields from JSON or from `multipart/form-data` with a `file` part.
//! The file is streamed to the file store as it arrives, never held in memory.

use crate::error::{ApiError, ApiResult};
use crate::files::media_type::sanitize_file_name;
use crate::files::{FileStore, Upload, UploadError};
use actix_multipart::Multipart;
use futures_util::StreamExt;
use serde::Deserialize;

/// Longest text field accepted in a multipart form.
const MAX_TEXT_FIELD_BYTES: usize = 64 * 1024;

/// Most parts accepted in one form (a resource has a dozen fields at most, lists included).
const MAX_PARTS: usize = 200;

/// Everything a client may send about a resource; which fields are required depends on
/// the operation (see `service.rs`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceFields {
    pub title: Option<String>,
    /// Markdown.
    pub description: Option<String>,
    /// `file`, `link`, `lesson_plan`, `tool` or `template`.
    pub kind: Option<String>,
    /// Required for links.
    pub url: Option<String>,
    pub tags: Option<Vec<String>>,
    pub grade_levels: Option<Vec<String>>,
    pub subjects: Option<Vec<String>>,
    /// What changed in this version (uploads only).
    pub note: Option<String>,
}

/// A received file: where it waits, and the sanitized name the client gave it.
pub struct ReceivedFile {
    pub upload: Upload,
    pub file_name: String,
}

pub struct ReceivedForm {
    pub fields: ResourceFields,
    pub file: Option<ReceivedFile>,
}

/// Consumes a multipart body: text fields into `ResourceFields`, the `file` part into the
/// store (refused past `limit` bytes, with nothing left behind).
pub async fn read_multipart(
    store: &FileStore,
    limit: u64,
    mut multipart: Multipart,
) -> ApiResult<ReceivedForm> {
    let mut fields = ResourceFields::default();
    let mut file: Option<ReceivedFile> = None;
    let mut parts = 0;
    while let Some(part) = multipart.next().await {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::invalid(
                "body",
                format!("a form has at most {MAX_PARTS} parts"),
            ));
        }
        let mut part = part.map_err(|err| {
            ApiError::BadRequest(format!("The multipart body is malformed: {err}"))
        })?;
        let name = part.name().unwrap_or_default().to_owned();
        if name == "file" {
            if file.is_some() {
                return Err(ApiError::invalid("file", "send one file per request"));
            }
            let disposition = part.content_disposition();
            let declared = disposition
                .and_then(|d| d.get_filename().map(str::to_owned))
                .or_else(|| {
                    disposition
                        .and_then(|d| d.get_filename_ext())
                        .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                });
            let file_name = sanitize_file_name(declared.as_deref().unwrap_or("file"));
            let upload = store
                .receive(&mut part, limit)
                .await
                .map_err(|err| match err {
                    UploadError::TooLarge => ApiError::PayloadTooLarge,
                    UploadError::Interrupted(detail) => {
                        ApiError::BadRequest(format!("The upload was interrupted: {detail}"))
                    }
                    UploadError::Io(io) => {
                        ApiError::Internal(anyhow::Error::new(io).context("storing an upload"))
                    }
                })?;
            file = Some(ReceivedFile { upload, file_name });
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|err| {
                ApiError::BadRequest(format!("The multipart body is malformed: {err}"))
            })?;
            if text.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
                return Err(ApiError::invalid(&name, "is too long"));
            }
            text.extend_from_slice(&chunk);
        }
        let text =
            String::from_utf8(text).map_err(|_| ApiError::invalid(&name, "must be UTF-8 text"))?;
        let slot = match name.as_str() {
            "title" => &mut fields.title,
            "description" => &mut fields.description,
            "kind" => &mut fields.kind,
            "url" => &mut fields.url,
            "note" => &mut fields.note,
            "tags" => {
                push_list(&mut fields.tags, &name, &text)?;
                continue;
            }
            "grade_levels" => {
                push_list(&mut fields.grade_levels, &name, &text)?;
                continue;
            }
            "subjects" => {
                push_list(&mut fields.subjects, &name, &text)?;
                continue;
            }
            other => return Err(ApiError::invalid(other, "is not a field of a resource")),
        };
        *slot = Some(text);
    }
    Ok(ReceivedForm { fields, file })
}

/// List fields arrive repeated (`tags=a&tags=b`), comma-separated, or as a JSON array.
fn push_list(list: &mut Option<Vec<String>>, name: &str, text: &str) -> ApiResult<()> {
    let items = list.get_or_insert_with(Vec::new);
    let trimmed = text.trim();
    if trimmed.starts_with('[') {
        let parsed: Vec<String> = serde_json::from_str(trimmed)
            .map_err(|_| ApiError::invalid(name, "must be a JSON array of strings"))?;
        items.extend(parsed);
    } else {
        items.extend(
            trimmed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    }
    if items.len() > 100 {
        return Err(ApiError::invalid(name, "has too many values"));
    }
    Ok(())
}
