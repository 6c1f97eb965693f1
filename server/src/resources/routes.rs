//! `/networks/{id}/resources` and `/resources/*`.

use super::download::{self, DownloadQuery};
use super::form::{read_multipart, ResourceFields};
use super::service::{self, ResourceListQuery};
use super::views::ResourceView;
use super::{versions, votes};
use crate::auth::links::{fetcher, Linked, SignedLinks};
use crate::auth::AuthMember;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{parse_json, ApiJson, Page, JSON_LIMIT_BYTES};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::networks::network_access;
use crate::notifications::service::UnreadCount;
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/networks/{id}/resources")
            .get(list_resources)
            .post(create_resource),
    )
    .service(
        web::resource("/resources/{id}")
            .get(get_resource)
            .patch(update_resource)
            .delete(delete_resource),
    )
    .service(web::resource("/resources/{id}/download").get(download_resource))
    .service(web::resource("/resources/{id}/versions").post(add_version))
    .service(
        web::resource("/resources/{id}/helpful")
            .put(mark_helpful)
            .delete(unmark_helpful),
    )
    .service(web::resource("/resources/{id}/read").post(read_resource));
}

enum Body {
    Json,
    Multipart,
}

fn body_kind(req: &HttpRequest) -> ApiResult<Body> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        Ok(Body::Multipart)
    } else if content_type.starts_with("application/json") {
        Ok(Body::Json)
    } else {
        Err(ApiError::UnsupportedMediaType(
            "Send application/json, or multipart/form-data with a `file` part.".into(),
        ))
    }
}

/// Refuses an upload whose declared size is already over the limit, before reading it.
fn check_declared_length(req: &HttpRequest, limit: u64) -> ApiResult<()> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Multipart framing and text fields add a little on top of the file itself.
    match declared {
        Some(length) if length > limit.saturating_add(256 * 1024) => Err(ApiError::PayloadTooLarge),
        _ => Ok(()),
    }
}

async fn read_json(payload: web::Payload) -> ApiResult<ResourceFields> {
    parse_json(&crate::extract::read_bounded(payload, JSON_LIMIT_BYTES).await?)
}

/// Newest first by default; `sort=helpful|downloads`; filters `kind`, `tag`, `subject`, `grade_level`.
#[utoipa::path(get, path = "/api/v1/networks/{id}/resources", tag = "resources", params(("id" = String, Path), ResourceListQuery),
    responses((status = 200, body = Page<ResourceView>), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_resources(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<ResourceListQuery>,
) -> ApiResult<web::Json<Page<ResourceView>>> {
    let page = service::list(
        state.db.reader(),
        auth.member_id(),
        NetworkId(id.0),
        query.into_inner(),
    )
    .await?;
    Ok(web::Json(page.with_signed_links(&state.links, auth.id)))
}

/// Share a resource: JSON for links and files-less resources, or `multipart/form-data` with a
/// `file` part plus the same fields (lists repeated, comma-separated or as a JSON array).
#[utoipa::path(post, path = "/api/v1/networks/{id}/resources", tag = "resources", params(("id" = String, Path)), request_body = ResourceFields,
    responses((status = 201, body = ResourceView), (status = 404, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_resource(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    // Outsiders are turned away (404) before anything else is looked at, and before a
    // single byte of their upload is read.
    network_access(state.db.reader(), auth.member_id(), NetworkId(id.0)).await?;
    let kind = body_kind(&req)?;
    let (fields, file) = match kind {
        Body::Json => (read_json(payload).await?, None),
        Body::Multipart => {
            check_declared_length(&req, state.config.max_upload_bytes)?;
            let form = read_multipart(
                &state.files,
                state.config.max_upload_bytes,
                Multipart::new(req.headers(), payload),
            )
            .await?;
            (form.fields, form.file)
        }
    };
    let view = service::create(&state, auth.member_id(), NetworkId(id.0), fields, file).await?;
    Ok(HttpResponse::Created().json(view.with_signed_links(&state.links, auth.id)))
}

#[utoipa::path(get, path = "/api/v1/resources/{id}", tag = "resources", params(("id" = String, Path)),
    responses((status = 200, body = ResourceView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_resource(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<ResourceView>> {
    let view = service::get(state.db.reader(), auth.member_id(), id.0).await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

#[utoipa::path(patch, path = "/api/v1/resources/{id}", tag = "resources", params(("id" = String, Path)), request_body = ResourceFields,
    responses((status = 200, body = ResourceView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_resource(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(fields): ApiJson<ResourceFields>,
) -> ApiResult<web::Json<ResourceView>> {
    let view = service::update(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        id.0,
        fields,
    )
    .await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

#[utoipa::path(delete, path = "/api/v1/resources/{id}", tag = "resources", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_resource(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    service::delete(state.db.writer(), auth.member_id(), id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The file, as an attachment; `Range` and `If-None-Match` supported; counts downloads.
/// With a Bearer token, or through the signed `download_url` of a version (no header
/// needed), which works for its member while they may still see the resource.
#[utoipa::path(get, path = "/api/v1/resources/{id}/download", tag = "resources", params(("id" = String, Path), DownloadQuery),
    responses((status = 200, description = "The file"), (status = 206, description = "Part of the file"), (status = 304, description = "Not modified"),
        (status = 404, body = Problem), (status = 416, description = "Range not satisfiable")),
    security(("bearer" = [])))]
pub async fn download_resource(
    state: web::Data<AppState>,
    auth: Option<AuthMember>,
    id: web::Path<ApiId>,
    query: web::Query<DownloadQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let member = fetcher(
        auth,
        &state.links,
        query.token.as_deref(),
        Linked::Download { resource_id: id.0 },
    )?;
    download::download(&state, MemberId(member), id.0, query, &req).await
}

/// Upload a new version (`multipart/form-data`: `file` and an optional `note`).
#[utoipa::path(post, path = "/api/v1/resources/{id}/versions", tag = "resources", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`file` and an optional `note`"),
    responses((status = 201, body = ResourceView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_version(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    // Who may add a version is settled before the upload is read.
    let (resource, access) = crate::networks::access::load::<crate::entities::resources::Entity>(
        state.db.reader(),
        auth.member_id(),
        id.0,
    )
    .await?;
    access.require_author_or_facilitator(MemberId(resource.author_id))?;
    if !matches!(body_kind(&req)?, Body::Multipart) {
        return Err(ApiError::UnsupportedMediaType(
            "Send multipart/form-data with a `file` part.".into(),
        ));
    }
    check_declared_length(&req, state.config.max_upload_bytes)?;
    let form = read_multipart(
        &state.files,
        state.config.max_upload_bytes,
        Multipart::new(req.headers(), payload),
    )
    .await?;
    let view =
        versions::add_version(&state, auth.member_id(), id.0, form.fields, form.file).await?;
    Ok(HttpResponse::Created().json(view.with_signed_links(&state.links, auth.id)))
}

#[utoipa::path(put, path = "/api/v1/resources/{id}/helpful", tag = "resources", params(("id" = String, Path)),
    responses((status = 200, body = ResourceView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn mark_helpful(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<ResourceView>> {
    let view = votes::set_helpful(state.db.writer(), auth.member_id(), id.0, true).await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

#[utoipa::path(delete, path = "/api/v1/resources/{id}/helpful", tag = "resources", params(("id" = String, Path)),
    responses((status = 200, body = ResourceView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn unmark_helpful(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<ResourceView>> {
    let view = votes::set_helpful(state.db.writer(), auth.member_id(), id.0, false).await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

/// Say you opened a resource (the web client does when it shows one): recorded as read, and
/// your notifications about it marked read on every tab
/// (`notification.read`). 404 for what you may not see.
#[utoipa::path(post, path = "/api/v1/resources/{id}/read", tag = "resources", params(("id" = String, Path)),
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn read_resource(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<UnreadCount>> {
    Ok(web::Json(
        service::mark_read(state.db.writer(), auth.member_id(), id.0).await?,
    ))
}
