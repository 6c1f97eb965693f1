//! A search for one caller: the scope comes from the networks they can see now, and every
//! hit and facet is checked against the same set before it leaves.

use super::document::{DocRef, DocType};
use super::engine::{EngineError, EngineHit, Facets, Scope};
use super::queries::{hit_owners, member_by_handle, members_still_shared, HitOwners};
use super::query::{SearchParams, SearchQuery};
use super::views::{SearchFacets, SearchHit, SearchResults};
use super::Search;
use crate::error::{ApiError, ApiResult};
use crate::ids::{ApiId, MemberId};
use crate::networks::visibility::{visible_networks, VisibleNetworks};
use chrono::DateTime;
use sea_orm::ConnectionTrait;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

const UNAVAILABLE: ApiError = ApiError::Unavailable {
    service: "Search",
    retry_after_secs: 5,
};

/// Searches every network `member` can see now; links in hits start with `public_url`.
pub async fn search(
    db: &impl ConnectionTrait,
    search: &Search,
    public_url: &str,
    member: MemberId,
    params: SearchParams,
) -> ApiResult<SearchResults> {
    let started = Instant::now();
    let mut query = SearchQuery::parse(params, &search.settings)?;
    let engine = search.engine().ok_or(UNAVAILABLE)?;
    // Decided now, for this caller, never from the request.
    let visible = visible_networks(db, member).await?;
    let (limit, offset) = (query.limit, query.offset);
    let mut scope = scope(&visible, query.network_id);
    if let Some(handle) = &query.author_handle {
        match member_by_handle(db, handle).await? {
            Some(author) => query.author_id = Some(author),
            // Nobody by that handle wrote anything.
            None => scope = Scope::Only(Vec::new()),
        }
    }
    let results = engine.search(query, scope).await.map_err(|err| match err {
        EngineError::Unavailable(_) => UNAVAILABLE,
        EngineError::Internal(err) => ApiError::Internal(err),
    })?;
    let members_seen = members_still_shared(db, &visible, &results.hits).await?;
    let mut owners = hit_owners(db, &results.hits, member.get()).await?;
    let hits = results
        .hits
        .into_iter()
        .filter_map(|hit| shown_hit(hit, &members_seen, &mut owners, public_url))
        .collect();
    Ok(SearchResults {
        hits,
        total: results.total,
        facets: shown_facets(results.facets, &visible),
        matched: results.matched,
        took_ms: started.elapsed().as_millis() as u64,
        limit,
        offset,
    })
}

/// Asking for one network narrows the scope to it, if it is visible at all: a filter must
/// never reach members' documents through networks the caller cannot see.
fn scope(visible: &VisibleNetworks, network_id: Option<i64>) -> Scope {
    match (network_id, visible) {
        (Some(network), visible) if visible.contains(network) => Scope::Only(vec![network]),
        (Some(_), _) => Scope::Only(Vec::new()),
        (None, VisibleNetworks::All) => Scope::All,
        (None, VisibleNetworks::Only(ids)) => Scope::Only(ids.clone()),
    }
}

/// A hit as the caller sees it, or `None` for a member who no longer shares a network with
/// them or a post whose thread is gone.
fn shown_hit(
    hit: EngineHit,
    members_seen: &HashSet<i64>,
    owners: &mut HitOwners,
    public_url: &str,
) -> Option<SearchHit> {
    let doc = DocRef::parse_key(&hit.key)?;
    if doc.doc_type == DocType::Member && !members_seen.contains(&doc.id) {
        return None;
    }
    let title = match doc.doc_type {
        DocType::Post => owners.thread_titles.remove(&doc.id)?,
        _ => hit.title,
    };
    Some(SearchHit {
        doc_type: doc.doc_type,
        id: ApiId(doc.id),
        // A member's networks are theirs to tell, not the search's.
        network_id: hit.network_id.map(ApiId),
        title,
        author: owners.authors.remove(&(doc.doc_type, doc.id)),
        snippet_html: hit.snippet_html,
        url: format!("{public_url}{}", hit.url),
        score: hit.score,
        reply_count: hit.replies,
        helpful_count: hit.helpful,
        last_activity_at: DateTime::from_timestamp_millis(hit.activity_at)
            .filter(|_| hit.activity_at > 0),
    })
}

/// Member documents count in every network of theirs: keep only the networks the caller
/// can see.
fn shown_facets(facets: Facets, visible: &VisibleNetworks) -> SearchFacets {
    let network_id: BTreeMap<String, u64> = facets
        .network_id
        .into_iter()
        .filter(|(network, _)| visible.contains(*network))
        .map(|(network, count)| (network.to_string(), count))
        .collect();
    SearchFacets {
        doc_type: facets.doc_type,
        tags: facets.tags,
        network_id,
        status: facets.status,
    }
}
