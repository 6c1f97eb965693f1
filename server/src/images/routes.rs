//! `POST /networks/{id}/images` and `GET /images/{id}`.

use super::service::{self, ImageQuery, ImageView};
use crate::auth::links::{fetcher, Linked};
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::AppState;
use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/networks/{id}/images").post(upload_image))
        .service(web::resource("/images/{id}").get(get_image));
}

/// Upload an image to put into a post of this network (`multipart/form-data`, `file`):
/// re-encoded without its metadata, scaled to `images.max_side`, with a display size.
#[utoipa::path(post, path = "/api/v1/networks/{id}/images", tag = "images", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`: a JPEG, PNG, WebP or GIF image"),
    responses((status = 201, body = ImageView), (status = 404, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn upload_image(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    multipart: Multipart,
) -> ApiResult<HttpResponse> {
    let image = service::upload(&state, auth.member_id(), NetworkId(id.0), multipart).await?;
    Ok(HttpResponse::Created().json(image))
}

/// An image, to whoever can see its network now: with a Bearer token, or through the signed
/// address a post's `body_html` gives its reader.
#[utoipa::path(get, path = "/api/v1/images/{id}", tag = "images", params(("id" = String, Path), ImageQuery),
    responses((status = 200, description = "The image"), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_image(
    state: web::Data<AppState>,
    auth: Option<AuthMember>,
    id: web::Path<ApiId>,
    query: web::Query<ImageQuery>,
) -> ApiResult<HttpResponse> {
    let member = fetcher(
        auth,
        &state.links,
        query.token.as_deref(),
        Linked::Image { image_id: id.0 },
    )?;
    let full = query.size.as_deref() == Some("full");
    service::serve(&state, MemberId(member), id.0, full).await
}
