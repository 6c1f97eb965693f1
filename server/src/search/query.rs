//! `GET /search` parameters, parsed once into a query both engines run.

use super::document::DocType;
use super::settings::IndexSettings;
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::ids::ApiId;
use crate::tags::Tag;
use serde::Deserialize;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words of a query that are searched for.
pub const MAX_WORDS: usize = 10;
/// Deepest result reachable by paging (`offset + limit`).
pub const MAX_DEPTH: usize = 1000;
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 50;

/// As sent. Unknown parameters are refused (422), so a misspelt filter never silently
/// widens a search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// What to look for: 1 to 200 characters.
    pub q: Option<String>,
    /// Comma-separated: `thread`, `post`, `resource`, `help_request`, `convening`, `member`.
    pub types: Option<String>,
    /// Only this network (one you can see; any other gives no hits).
    pub network_id: Option<String>,
    /// Comma-separated tags; hits carry every one of them.
    pub tags: Option<String>,
    /// Help requests: `open`, `answered`, `resolved`, `closed`; convenings: `scheduled`,
    /// `cancelled`.
    pub status: Option<String>,
    /// 1 to 50, default 20.
    pub limit: Option<String>,
    /// Hits to skip; `offset + limit` at most 1000.
    pub offset: Option<String>,
}

const STATUSES: [&str; 6] = [
    "open",
    "answered",
    "resolved",
    "closed",
    "scheduled",
    "cancelled",
];

/// A valid search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Lower-case words, in order, stop words removed (unless nothing else is left).
    pub words: Vec<String>,
    /// Empty: every type.
    pub types: Vec<DocType>,
    pub network_id: Option<i64>,
    pub tags: Vec<String>,
    pub status: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

impl SearchQuery {
    pub fn parse(params: SearchParams, settings: &IndexSettings) -> ApiResult<SearchQuery> {
        let mut errors = FieldCollector::default();
        let words = errors.take(parse_words(params.q.as_deref(), settings));
        let types = errors.take(parse_types(params.types.as_deref()));
        let network_id = errors.take(
            params
                .network_id
                .as_deref()
                .map(|raw| {
                    raw.parse::<ApiId>()
                        .map(|id| id.0)
                        .map_err(|_| ApiError::invalid("network_id", "is not an id"))
                })
                .transpose(),
        );
        let tags = errors.take(parse_tags(params.tags.as_deref()));
        let status = errors.take(
            params
                .status
                .map(|raw| {
                    if STATUSES.contains(&raw.as_str()) {
                        Ok(raw)
                    } else {
                        Err(ApiError::invalid(
                            "status",
                            format!("must be one of {}", STATUSES.join(", ")),
                        ))
                    }
                })
                .transpose(),
        );
        let limit = errors.take(number(
            "limit",
            params.limit.as_deref(),
            DEFAULT_LIMIT,
            1,
            MAX_LIMIT,
        ));
        let offset = errors.take(number("offset", params.offset.as_deref(), 0, 0, MAX_DEPTH));
        if let (Some(limit), Some(offset)) = (limit, offset) {
            if limit + offset > MAX_DEPTH {
                errors.take::<()>(Err(ApiError::invalid(
                    "offset",
                    format!("offset + limit may be at most {MAX_DEPTH}; refine the search instead"),
                )));
            }
        }
        errors.finish()?;
        match (words, types, network_id, tags, status, limit, offset) {
            (
                Some(words),
                Some(types),
                Some(network_id),
                Some(tags),
                Some(status),
                Some(limit),
                Some(offset),
            ) => Ok(SearchQuery {
                words,
                types,
                network_id,
                tags,
                status,
                limit,
                offset,
            }),
            _ => Err(ApiError::invalid("query", "is invalid")),
        }
    }
}

/// Splits text into the words the index holds: runs of letters and digits, lower-cased.
/// Both engines and the highlighter cut text this way.
pub fn words_of(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

fn parse_words(raw: Option<&str>, settings: &IndexSettings) -> ApiResult<Vec<String>> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Err(ApiError::invalid("q", "is required"));
    }
    if raw.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("may be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let all: Vec<String> = words_of(raw).map(|(_, w)| w.to_lowercase()).collect();
    if all.is_empty() {
        return Err(ApiError::invalid(
            "q",
            "has no letters or digits to search for",
        ));
    }
    let meaningful: Vec<String> = all
        .iter()
        .filter(|w| !settings.stop_words.contains(*w))
        .cloned()
        .collect();
    let mut words = if meaningful.is_empty() {
        all
    } else {
        meaningful
    };
    words.truncate(MAX_WORDS);
    Ok(words)
}

fn parse_types(raw: Option<&str>) -> ApiResult<Vec<DocType>> {
    let mut types = Vec::new();
    for name in list(raw) {
        let doc_type = DocType::parse(name).ok_or_else(|| {
            let known: Vec<&str> = DocType::ALL.iter().map(|t| t.as_str()).collect();
            ApiError::invalid(
                "types",
                format!("{name:?} is not one of {}", known.join(", ")),
            )
        })?;
        if !types.contains(&doc_type) {
            types.push(doc_type);
        }
    }
    Ok(types)
}

fn parse_tags(raw: Option<&str>) -> ApiResult<Vec<String>> {
    list(raw)
        .map(|tag| {
            Tag::parse(tag)
                .map(|t| t.as_str().to_owned())
                .map_err(|message| ApiError::invalid("tags", message))
        })
        .collect()
}

fn list(raw: Option<&str>) -> impl Iterator<Item = &str> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn number(
    field: &str,
    raw: Option<&str>,
    default: usize,
    min: usize,
    max: usize,
) -> ApiResult<usize> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    match raw.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::invalid(
            field,
            format!("must be a number from {min} to {max}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> SearchParams {
        SearchParams {
            q: Some(q.to_owned()),
            types: None,
            network_id: None,
            tags: None,
            status: None,
            limit: None,
            offset: None,
        }
    }

    #[test]
    fn words_are_lower_cased_and_stop_words_dropped_unless_alone() {
        let settings = IndexSettings::shipped();
        let query = SearchQuery::parse(
            params("The Attendance-incentives of 9th graders"),
            &settings,
        )
        .unwrap();
        assert_eq!(query.words, ["attendance", "incentives", "9th", "graders"]);
        assert_eq!(
            SearchQuery::parse(params("the"), &settings).unwrap().words,
            ["the"]
        );
        let offsets: Vec<_> = words_of("ab, cd").collect();
        assert_eq!(offsets, [(0, "ab"), (4, "cd")]);
    }

    #[test]
    fn bad_parameters_name_their_field() {
        let settings = IndexSettings::shipped();
        let refused = |p: SearchParams, field: &str| match SearchQuery::parse(p, &settings) {
            Err(ApiError::Validation(fields)) => assert!(fields.contains_key(field), "{fields:?}"),
            other => panic!("{other:?}"),
        };
        refused(params("   "), "q");
        refused(params(&"x".repeat(201)), "q");
        refused(params("?!"), "q");
        refused(
            SearchParams {
                types: Some("thread,network".into()),
                ..params("a")
            },
            "types",
        );
        refused(
            SearchParams {
                limit: Some("0".into()),
                ..params("a")
            },
            "limit",
        );
        refused(
            SearchParams {
                limit: Some("51".into()),
                ..params("a")
            },
            "limit",
        );
        refused(
            SearchParams {
                offset: Some("990".into()),
                ..params("a")
            },
            "offset",
        );
        refused(
            SearchParams {
                status: Some("pending".into()),
                ..params("a")
            },
            "status",
        );
        refused(
            SearchParams {
                network_id: Some("x".into()),
                ..params("a")
            },
            "network_id",
        );
    }
}
