//! The one error type of the HTTP API, rendered as RFC 9457 `application/problem+json`.
//!
//! Every variant maps deliberately to a status. Internal causes are logged, never sent: a
//! client sees a stable `type` and a human `detail`, nothing about our tables or queries.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Field name → human message, for 422 responses.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Missing, or not visible to the caller: the two are deliberately indistinguishable.
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    /// It existed and no longer works (an invitation link expired, used up or revoked).
    #[error("gone: {0}")]
    Gone(&'static str),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("validation failed")]
    Validation(FieldErrors),
    /// A file refused whole (a CSV import): its first bad rows, with why, and how many more.
    #[error("invalid rows")]
    InvalidRows(InvalidRows),
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// Too busy right now (bounded work queues are full); try again shortly.
    #[error("overloaded")]
    Overloaded { retry_after_secs: u64 },
    /// A service this request needs (the search engine) cannot be reached; everything else
    /// still works.
    #[error("{service} unavailable")]
    Unavailable {
        service: &'static str,
        retry_after_secs: u64,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A 422 with a single field message.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_owned(), message.into());
        ApiError::Validation(errors)
    }

    /// Stable, machine-readable problem type (the last segment of the `type` URI).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Gone(_) => "gone",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Validation(_) | ApiError::InvalidRows(_) => "validation_failed",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Overloaded { .. } => "overloaded",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "Malformed request",
            ApiError::Unauthorized(_) => "Authentication required",
            ApiError::Forbidden(_) => "Not allowed",
            ApiError::NotFound => "Not found",
            ApiError::Conflict(_) => "Conflict",
            ApiError::Gone(_) => "No longer available",
            ApiError::MethodNotAllowed => "Method not allowed",
            ApiError::PayloadTooLarge => "Payload too large",
            ApiError::UnsupportedMediaType(_) => "Unsupported media type",
            ApiError::Validation(_) | ApiError::InvalidRows(_) => "Validation failed",
            ApiError::RateLimited { .. } => "Too many requests",
            ApiError::Overloaded { .. } => "Service busy",
            ApiError::Unavailable { .. } => "Temporarily unavailable",
            ApiError::Internal(_) => "Internal server error",
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(detail) | ApiError::Conflict(detail) => detail.clone(),
            ApiError::Unauthorized(detail)
            | ApiError::Forbidden(detail)
            | ApiError::Gone(detail) => (*detail).to_owned(),
            ApiError::NotFound => "The resource does not exist or is not visible to you.".into(),
            ApiError::MethodNotAllowed => "This path does not support that method.".into(),
            ApiError::PayloadTooLarge => "The request body exceeds the configured limit.".into(),
            ApiError::UnsupportedMediaType(detail) => detail.clone(),
            ApiError::Validation(_) => "One or more fields are invalid.".into(),
            ApiError::InvalidRows(invalid) => invalid.detail(),
            ApiError::RateLimited { retry_after_secs } => {
                format!("Too many attempts; try again in {retry_after_secs} seconds.")
            }
            ApiError::Overloaded { retry_after_secs } => {
                format!("The server is busy; try again in {retry_after_secs} seconds.")
            }
            ApiError::Unavailable {
                service,
                retry_after_secs,
            } => format!(
                "{service} is unavailable right now; try again in {retry_after_secs} seconds."
            ),
            ApiError::Internal(_) => "Something went wrong on our side.".into(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError::Internal(anyhow::Error::new(err))
    }
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(err: sea_orm::TransactionError<ApiError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(api) => api,
        }
    }
}

/// Gathers the outcome of several independent field parses so that a 422 names every
/// invalid field at once.
#[derive(Default)]
pub struct FieldCollector(FieldErrors);

impl FieldCollector {
    /// The parsed value, or `None` after recording why it is invalid.
    pub fn take<T>(&mut self, parsed: ApiResult<T>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(ApiError::Validation(fields)) => {
                self.0.extend(fields);
                None
            }
            Err(other) => {
                self.0.insert("body".to_owned(), other.to_string());
                None
            }
        }
    }

    pub fn reject(&mut self, field: &str, message: &str) {
        self.0.insert(field.to_owned(), message.to_owned());
    }

    pub fn errors(&mut self) -> &mut FieldErrors {
        &mut self.0
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// Runs three independent parses and reports every failing field at once.
pub fn collect_errors3<A, B, C>(
    a: ApiResult<A>,
    b: ApiResult<B>,
    c: ApiResult<C>,
) -> ApiResult<(A, B, C)> {
    match (a, b, c) {
        (Ok(a), Ok(b), Ok(c)) => Ok((a, b, c)),
        (a, b, c) => {
            let mut errors = FieldErrors::new();
            for err in [a.err(), b.err(), c.err()].into_iter().flatten() {
                match err {
                    ApiError::Validation(fields) => errors.extend(fields),
                    other => return Err(other),
                }
            }
            Err(ApiError::Validation(errors))
        }
    }
}

/// The problem+json body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI identifying the problem type, e.g. `https://staffroom.dev/problems/not_found`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field name → message (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, String>>,
    /// The first 100 problems of a refused file, by row (422 of a CSV import only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<RowError>>,
    /// How many problems of a refused file `rows` leaves out (422 of a CSV import only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_row_errors: Option<usize>,
}

/// Why a file was refused, bounded: a file of 10,000 bad rows gets an answer a person can
/// read and a client can show, not 40,000 messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRows {
    /// The first `InvalidRows::LISTED` problems, by row.
    pub listed: Vec<RowError>,
    /// The problems left out of `listed`.
    pub unlisted: usize,
    /// Rows with at least one problem (the header counts when it has one).
    pub bad_rows: usize,
}

impl InvalidRows {
    /// The most problems a refusal lists.
    pub const LISTED: usize = 100;

    /// Every problem found, and how many rows have one.
    pub fn new(mut problems: Vec<RowError>, bad_rows: usize) -> InvalidRows {
        problems.sort_by_key(|problem| problem.row);
        let unlisted = problems.len().saturating_sub(InvalidRows::LISTED);
        problems.truncate(InvalidRows::LISTED);
        InvalidRows {
            listed: problems,
            unlisted,
            bad_rows,
        }
    }

    /// A file refused for one problem on one row.
    pub fn one(problem: RowError) -> InvalidRows {
        InvalidRows::new(vec![problem], 1)
    }

    fn detail(&self) -> String {
        let rows = if self.bad_rows == 1 {
            "1 row is invalid".to_owned()
        } else {
            format!("{} rows are invalid", self.bad_rows)
        };
        if self.unlisted == 0 {
            format!("{rows}; nothing was imported.")
        } else {
            format!(
                "{rows}; nothing was imported. The first {} problems are listed, {} more are not.",
                self.listed.len(),
                self.unlisted
            )
        }
    }
}

/// Why one row of an uploaded file is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// The row's line in the file (the header is line 1).
    pub row: u64,
    /// The column, or `row` for the row as a whole.
    pub field: String,
    pub message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) | ApiError::InvalidRows(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Overloaded { .. } | ApiError::Unavailable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?ErrorChain(cause), "request failed");
        }
        let status = self.status_code();
        let problem = Problem {
            problem_type: format!("https://staffroom.dev/problems/{}", self.code()),
            title: self.title().to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            errors: match self {
                ApiError::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
            rows: match self {
                ApiError::InvalidRows(invalid) => Some(invalid.listed.clone()),
                _ => None,
            },
            more_row_errors: match self {
                ApiError::InvalidRows(invalid) => Some(invalid.unlisted),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            ApiError::RateLimited { retry_after_secs }
            | ApiError::Overloaded { retry_after_secs }
            | ApiError::Unavailable {
                retry_after_secs, ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        response.json(problem)
    }
}

/// Prints an error with every "Caused by:" in its chain, for logs.
pub struct ErrorChain<'a>(pub &'a anyhow::Error);

impl fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        for cause in self.0.chain().skip(1) {
            write!(f, "\n  Caused by: {cause}")?;
        }
        Ok(())
    }
}
