//! Request extractors shared by every capability: JSON bodies with per-field errors, and
//! list pagination (lists keyed by id alone page through `paging::IdPage`).

use crate::error::{ApiError, FieldErrors};
use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Largest JSON body accepted by any endpoint.
pub const JSON_LIMIT_BYTES: usize = 1024 * 1024;

/// A JSON body. Unlike `web::Json`, a body that parses as JSON but has the wrong shape is a
/// 422 naming the offending field, not an opaque 400.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<mime_guess_lite::Mime>().ok())
            .is_some_and(|mime| mime.is_json());
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType(
                    "Send the body as application/json.".into(),
                ));
            }
            let bytes = body.await.map_err(|err| {
                if err.as_response_error().status_code() == 413 {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest("The request body could not be read.".into())
                }
            })?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// Parses a JSON document, reporting shape errors per field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return ApiError::BadRequest(format!("The body is not valid JSON: {inner}"));
        }
        let message = inner.to_string();
        // serde reports a missing field at its parent; name the field itself instead.
        let (field, message) = match message.strip_prefix("missing field `") {
            Some(rest) => {
                let name = rest.split('`').next().unwrap_or_default();
                let field = if path == "." {
                    name.to_owned()
                } else {
                    format!("{path}.{name}")
                };
                (field, "is required".to_owned())
            }
            None => {
                let field = if path == "." { "body".to_owned() } else { path };
                (field, strip_position(&message))
            }
        };
        let mut errors = FieldErrors::new();
        errors.insert(field, message);
        ApiError::Validation(errors)
    })
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// Just enough media-type parsing to tell JSON from the rest without another dependency.
mod mime_guess_lite {
    pub struct Mime(String);

    impl std::str::FromStr for Mime {
        type Err = ();
        fn from_str(s: &str) -> Result<Self, ()> {
            let essence = s.split(';').next().unwrap_or_default().trim();
            if essence.contains('/') {
                Ok(Mime(essence.to_ascii_lowercase()))
            } else {
                Err(())
            }
        }
    }

    impl Mime {
        pub fn is_json(&self) -> bool {
            super::is_json(&self.0)
        }
    }
}

/// `?limit=&cursor=` of every list endpoint.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page: 1 to 100, default 20.
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

impl PageQuery {
    pub fn limit(&self) -> Result<u64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_PAGE_SIZE),
            Some(limit) if (1..=MAX_PAGE_SIZE as u32).contains(&limit) => Ok(u64::from(limit)),
            Some(_) => Err(ApiError::invalid("limit", "must be between 1 and 100")),
        }
    }

    pub fn cursor<C: DeserializeOwned>(&self) -> Result<Option<C>, ApiError> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

/// One page of a list: `{items, next_cursor}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Splits `limit + 1` fetched rows into one page's rows and the cursor of the next page:
/// the extra row only tells that more exist.
pub fn split_page<R, C: Serialize>(
    mut rows: Vec<R>,
    limit: u64,
    cursor_of: impl Fn(&R) -> C,
) -> (Vec<R>, Option<String>) {
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(|row| encode_cursor(&cursor_of(row)))
    } else {
        None
    };
    (rows, next_cursor)
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows (see `split_page`).
    pub fn from_rows<R, C: Serialize>(
        rows: Vec<R>,
        limit: u64,
        cursor_of: impl Fn(&R) -> C,
        into_item: impl FnMut(R) -> T,
    ) -> Page<T> {
        let (rows, next_cursor) = split_page(rows, limit, cursor_of);
        Page {
            items: rows.into_iter().map(into_item).collect(),
            next_cursor,
        }
    }
}

/// Timestamps taken from a client's cursor must be ones we could have written (and that
/// every database can compare).
pub fn plausible_time(
    at: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    use chrono::Datelike;
    if (2000..=9999).contains(&at.year()) {
        Ok(at)
    } else {
        Err(ApiError::invalid(
            "cursor",
            "is not a cursor returned by this list",
        ))
    }
}

pub fn encode_cursor<C: Serialize>(cursor: &C) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

pub fn decode_cursor<C: DeserializeOwned>(raw: &str) -> Result<C, ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor returned by this list"))
}

/// The request's media type, lower-cased, without parameters (`text/csv`); empty without
/// one.
pub fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Whether `media_type` (lower-cased, without parameters) labels JSON.
pub fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
}

/// Whether `media_type` labels a CSV file: browsers label them differently by platform.
pub fn is_csv(media_type: &str) -> bool {
    matches!(
        media_type,
        "text/csv" | "text/plain" | "application/csv" | "application/vnd.ms-excel"
    )
}

/// Reads a request body of at most `limit` bytes; 413 beyond, without reading the rest.
pub async fn read_bounded(
    mut payload: actix_web::web::Payload,
    limit: usize,
) -> Result<actix_web::web::BytesMut, ApiError> {
    use futures_util::StreamExt;
    let mut body = actix_web::web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|_| ApiError::BadRequest("The request body could not be read.".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// For `#[serde(default, deserialize_with = "crate::extract::present")]` on an
/// `Option<Option<T>>` field: tells an explicit `null` (clear it) from an absent field
/// (leave it).
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        tags: Vec<String>,
    }

    fn field_errors(json: &str) -> FieldErrors {
        match parse_json::<Body>(json.as_bytes()) {
            Err(ApiError::Validation(errors)) => errors,
            other => panic!("expected a validation error, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn missing_field_is_named() {
        assert_eq!(field_errors(r#"{"tags":[]}"#)["title"], "is required");
    }

    #[test]
    fn wrong_type_is_named_by_path() {
        let errors = field_errors(r#"{"title":"t","tags":[1]}"#);
        assert!(errors.contains_key("tags[0]"), "{errors:?}");
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        assert!(matches!(
            parse_json::<Body>(b"{\"title\":"),
            Err(ApiError::BadRequest(_))
        ));
    }
}
