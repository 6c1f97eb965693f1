//! `GET /search` parameters, parsed once into a query both engines run.

use super::document::DocType;
use super::operators;
use super::settings::IndexSettings;
use crate::error::{ApiError, ApiResult, FieldCollector};
use crate::ids::ApiId;
use crate::tags::Tag;
use serde::{Deserialize, Serialize};

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
    /// What to look for: 1 to 200 characters; `"quoted phrases"` match as phrases.
    pub q: Option<String>,
    /// Comma-separated: `thread`, `post`, `resource`, `help_request`, `convening`, `member`.
    pub types: Option<String>,
    /// Only this network (one you can see; any other gives no hits).
    pub network_id: Option<String>,
    /// Comma-separated tags; hits carry every one of them.
    pub tags: Option<String>,
    /// A type and one of its statuses, as the `status` facet names them:
    /// `help_request:open|answered|resolved|closed`, `convening:scheduled|cancelled`,
    /// `initiative:active|completed|archived`,
    /// `test_of_change:planning|doing|studying|acted`, `poll:open|closed`.
    pub status: Option<String>,
    /// 1 to 50, default 20.
    pub limit: Option<String>,
    /// Hits to skip; `offset + limit` at most 1000.
    pub offset: Option<String>,
    /// `relevance` (default): best match first, then the conversations members engaged
    /// with most, then the newest. `latest`: newest activity first.
    pub sort: Option<String>,
}

/// How many of a query's words a hit must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Matching {
    /// Every word (or a synonym of it): what a search asks first.
    #[default]
    All,
    /// At least one, those holding the most words first: asked when nothing holds every
    /// word ("ideas for attendance incentives").
    Some,
}

/// The order of hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best text match first; among equal matches, what members engaged with most
    /// (`Signals::engagement`), then the newest.
    #[default]
    Relevance,
    /// Newest activity first.
    Latest,
}

impl Sort {
    fn parse(raw: Option<&str>) -> ApiResult<Sort> {
        match raw.map(str::trim) {
            None | Some("") | Some("relevance") => Ok(Sort::Relevance),
            Some("latest") => Ok(Sort::Latest),
            Some(_) => Err(ApiError::invalid("sort", "must be relevance or latest")),
        }
    }
}

/// A valid search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Lower-case words, in order, stop words removed (unless nothing else is left).
    pub words: Vec<String>,
    /// The `"quoted phrases"`. Their words are in `words` as well.
    pub phrases: Vec<Phrase>,
    /// Empty: every type.
    pub types: Vec<DocType>,
    pub network_id: Option<i64>,
    /// Every one of these tags (from `tags` and `#tag` in `q`).
    pub tags: Vec<String>,
    /// Any one of these statuses (`status`, and `status:` in `q`: both must hold).
    pub statuses: Vec<String>,
    /// `@handle` in `q`: only what that member wrote (`author_id`, once resolved).
    pub author_handle: Option<String>,
    /// The member `author_handle` names; set by the service, which can look them up.
    pub author_id: Option<i64>,
    /// `in:title` in `q`: the words in titles only.
    pub title_only: bool,
    pub limit: usize,
    pub offset: usize,
    pub matching: Matching,
    pub sort: Sort,
}

impl SearchQuery {
    /// Whether asking for some of the words could find what asking for all of them did not.
    pub fn could_match_some(&self) -> bool {
        self.matching == Matching::All && self.words.len() >= 2
    }

    /// The same search, for hits holding at least one of the words.
    pub fn matching_some(&self) -> SearchQuery {
        SearchQuery {
            matching: Matching::Some,
            ..self.clone()
        }
    }

    pub fn parse(params: SearchParams, settings: &IndexSettings) -> ApiResult<SearchQuery> {
        let mut errors = FieldCollector::default();
        let operators = errors.take(
            checked_q(params.q.as_deref())
                .and_then(|q| operators::split(q).map_err(|why| ApiError::invalid("q", why))),
        );
        let words = operators.as_ref().and_then(|found| {
            let filters =
                found.author.is_some() || !found.tags.is_empty() || !found.statuses.is_empty();
            errors.take(parse_words(&found.text, filters, settings))
        });
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
        let status: Option<Option<String>> = errors.take(
            params
                .status
                .map(|raw| {
                    let every = super::document::every_status();
                    if every.contains(&raw) {
                        Ok(raw)
                    } else {
                        Err(ApiError::invalid(
                            "status",
                            format!(
                                "must be a type and one of its statuses, as the status facet names them: {}",
                                every.join(", ")
                            ),
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
        let sort = errors.take(Sort::parse(params.sort.as_deref()));
        if let (Some(limit), Some(offset)) = (limit, offset) {
            if limit + offset > MAX_DEPTH {
                errors.take::<()>(Err(ApiError::invalid(
                    "offset",
                    format!("offset + limit may be at most {MAX_DEPTH}; refine the search instead"),
                )));
            }
        }
        errors.finish()?;
        match (
            operators, words, types, network_id, tags, status, limit, offset, sort,
        ) {
            (
                Some(operators),
                Some(words),
                Some(types),
                Some(network_id),
                Some(mut tags),
                Some(status),
                Some(limit),
                Some(offset),
                Some(sort),
            ) => {
                for tag in operators.tags {
                    if !tags.contains(&tag) {
                        tags.push(tag);
                    }
                }
                let statuses = match (status, operators.statuses) {
                    // Both asked: what both allow. When they disagree nothing can match,
                    // and no document has an empty status.
                    (Some(asked), written) if !written.is_empty() => {
                        let agreed = written.contains(&asked);
                        vec![if agreed { asked } else { String::new() }]
                    }
                    (Some(asked), _) => vec![asked],
                    (None, written) => written,
                };
                Ok(SearchQuery {
                    phrases: parse_phrases(&operators.text, settings),
                    types,
                    network_id,
                    tags,
                    statuses,
                    author_handle: operators.author,
                    author_id: None,
                    title_only: operators.title_only,
                    limit,
                    offset,
                    matching: Matching::All,
                    // Without words nothing is more relevant than anything else: newest first.
                    sort: if words.is_empty() { Sort::Latest } else { sort },
                    words,
                })
            }
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

/// A quoted phrase.
#[derive(Debug, Clone, PartialEq)]
pub struct Phrase {
    /// Its words as typed, lower-cased, stop words included (for Meilisearch, which reads
    /// phrases itself).
    pub text: String,
    /// Its words that must stand in this order, each at its offset from the first (a stop
    /// word keeps its place but need not match).
    pub words: Vec<(usize, String)>,
}

/// At most this many quoted phrases count; the rest are plain words.
const MAX_PHRASES: usize = 5;

/// The phrases between double quotes (straight or curly) of two words or more.
fn parse_phrases(raw: &str, settings: &IndexSettings) -> Vec<Phrase> {
    let quotes = |c: char| matches!(c, '"' | '\u{201C}' | '\u{201D}');
    raw.split(quotes)
        // Between an opening and a closing quote: every second piece.
        .skip(1)
        .step_by(2)
        .filter_map(|quoted| {
            let all: Vec<String> = words_of(quoted).map(|(_, w)| w.to_lowercase()).collect();
            let words: Vec<(usize, String)> = all
                .iter()
                .cloned()
                .enumerate()
                .filter(|(_, w)| !settings.stop_words.contains(w))
                .collect();
            let first = words.first()?.0;
            (words.len() >= 2).then(|| Phrase {
                text: all.join(" "),
                words: words.into_iter().map(|(at, w)| (at - first, w)).collect(),
            })
        })
        .take(MAX_PHRASES)
        .collect()
}

/// `q` present, not blank, not too long.
fn checked_q(raw: Option<&str>) -> ApiResult<&str> {
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
    Ok(raw)
}

/// The words of `raw` (what is left of `q` once its operators are out). None at all is
/// fine when a filter (`#tag`, `@handle`, `status:`) says what to find.
fn parse_words(raw: &str, has_filters: bool, settings: &IndexSettings) -> ApiResult<Vec<String>> {
    let all: Vec<String> = words_of(raw).map(|(_, w)| w.to_lowercase()).collect();
    if all.is_empty() && has_filters {
        return Ok(all);
    }
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
            sort: None,
        }
    }

    #[test]
    fn quoted_phrases_keep_their_order_and_the_places_of_stop_words() {
        let settings = IndexSettings::shipped();
        let phrases = |q: &str| SearchQuery::parse(params(q), &settings).unwrap().phrases;
        let found = phrases("\"Rate of Attendance\" fall \u{201C}chronic absence\u{201D}");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].text, "rate of attendance");
        assert_eq!(
            found[0].words,
            [(0, "rate".to_owned()), (2, "attendance".to_owned())]
        );
        assert_eq!(found[1].text, "chronic absence");
        // One word in quotes is a word; an unclosed quote still quotes to the end.
        assert!(phrases("\"attendance\" data").is_empty());
        assert_eq!(phrases("data \"chronic absence").len(), 1);
        assert!(
            phrases("\"of the\" \"a data\"").is_empty(),
            "under two words left"
        );
        assert_eq!(phrases(&"\"ab cd\" ".repeat(8)).len(), MAX_PHRASES);
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
                sort: Some("oldest".into()),
                ..params("a")
            },
            "sort",
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
