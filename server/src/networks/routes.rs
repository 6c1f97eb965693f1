//! `/networks/*` and `/invitations/*`.

use super::invitation_rows;
use super::invitations::{
    self, AcceptInvitation, AcceptedInvitation, BulkInvitationResults, CreateInvitation,
    CreateInvitations, InvitationPreview, InvitationView,
};
use super::invite_links::{self, CreateInviteLink, InviteLinkPreview, InviteLinkView, Joined};
use super::service::{self, CreateNetwork, MembersQuery, UpdateMembership, UpdateNetwork};
use super::views::{MembershipView, NetworkView};
use crate::auth::extract::MaybeAuthMember;
use crate::auth::AuthMember;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{
    is_csv, is_json, media_type, parse_json, read_bounded, ApiJson, Page, PageQuery,
};
use crate::ids::{ApiId, MemberId, NetworkId};
use crate::notification_level::LevelBody;
use crate::AppState;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/networks")
            .get(list_networks)
            .post(create_network),
    )
    .service(
        web::resource("/networks/{id}")
            .get(get_network)
            .patch(update_network),
    )
    .service(web::resource("/networks/{id}/members").get(list_members))
    .service(
        web::resource("/networks/{id}/members/{member_id}")
            .patch(change_role)
            .delete(remove_member),
    )
    .service(
        web::resource("/networks/{id}/invitations")
            .get(list_invitations)
            .post(invite),
    )
    .service(web::resource("/networks/{id}/invitations/{invitation_id}").delete(revoke_invitation))
    .service(web::resource("/networks/{id}/join").post(join_network))
    .service(web::resource("/networks/{id}/notification-level").put(set_notification_level))
    .service(
        web::resource("/networks/{id}/invite-links")
            .get(list_invite_links)
            .post(create_invite_link),
    )
    .service(web::resource("/invite-links/{id}").delete(revoke_invite_link))
    .service(web::resource("/invite-links/{token}/preview").get(preview_invite_link))
    .service(web::resource("/invite-links/{token}/join").post(join_by_link))
    .service(web::resource("/invitations/{token}").get(preview_invitation))
    .service(web::resource("/invitations/{token}/accept").post(accept_invitation));
}

#[utoipa::path(post, path = "/api/v1/networks", tag = "networks", request_body = CreateNetwork,
    responses((status = 201, body = NetworkView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_network(
    state: web::Data<AppState>,
    auth: AuthMember,
    ApiJson(input): ApiJson<CreateNetwork>,
) -> ApiResult<HttpResponse> {
    let view = service::create(state.db.writer(), auth.member_id(), input).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Networks I belong to, plus listed ones (`is_member` tells which).
#[utoipa::path(get, path = "/api/v1/networks", tag = "networks", params(PageQuery),
    responses((status = 200, body = Page<NetworkView>)), security(("bearer" = [])))]
pub async fn list_networks(
    state: web::Data<AppState>,
    auth: AuthMember,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<NetworkView>>> {
    Ok(web::Json(
        service::list(state.db.reader(), auth.member_id(), &page).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/networks/{id}", tag = "networks", params(("id" = String, Path)),
    responses((status = 200, body = NetworkView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_network(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<NetworkView>> {
    Ok(web::Json(
        service::get(state.db.reader(), auth.member_id(), NetworkId(id.0)).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/networks/{id}", tag = "networks", params(("id" = String, Path)), request_body = UpdateNetwork,
    responses((status = 200, body = NetworkView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_network(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdateNetwork>,
) -> ApiResult<web::Json<NetworkView>> {
    Ok(web::Json(
        service::update(state.db.writer(), auth.member_id(), NetworkId(id.0), input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/networks/{id}/members", tag = "networks", params(("id" = String, Path), MembersQuery),
    responses((status = 200, body = Page<MembershipView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_members(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<MembersQuery>,
) -> ApiResult<web::Json<Page<MembershipView>>> {
    Ok(web::Json(
        service::list_members(
            state.db.reader(),
            auth.member_id(),
            NetworkId(id.0),
            query.into_inner(),
        )
        .await?,
    ))
}

/// Facilitators change a member's role.
#[utoipa::path(patch, path = "/api/v1/networks/{id}/members/{member_id}", tag = "networks",
    params(("id" = String, Path), ("member_id" = String, Path)), request_body = UpdateMembership,
    responses((status = 200, body = MembershipView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The network's last facilitator would step down (instance admins may)", body = Problem)),
    security(("bearer" = [])))]
pub async fn change_role(
    state: web::Data<AppState>,
    auth: AuthMember,
    path: web::Path<(ApiId, ApiId)>,
    ApiJson(input): ApiJson<UpdateMembership>,
) -> ApiResult<web::Json<MembershipView>> {
    let (network, member) = path.into_inner();
    Ok(web::Json(
        service::change_role(
            state.db.writer(),
            auth.member_id(),
            NetworkId(network.0),
            MemberId(member.0),
            input,
        )
        .await?,
    ))
}

/// Facilitators remove a member; any member may remove themselves (leave), except the
/// network's last facilitator (instance admins may).
#[utoipa::path(delete, path = "/api/v1/networks/{id}/members/{member_id}", tag = "networks",
    params(("id" = String, Path), ("member_id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The network's last facilitator would leave (instance admins may)", body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_member(
    state: web::Data<AppState>,
    auth: AuthMember,
    path: web::Path<(ApiId, ApiId)>,
) -> ApiResult<HttpResponse> {
    let (network, member) = path.into_inner();
    service::remove_member(
        state.db.writer(),
        auth.member_id(),
        NetworkId(network.0),
        MemberId(member.0),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Facilitators invite an email address (201); the invitee gets a single-use link. Or many
/// at once, `{invitations: [{email, name?, role?}]}` or a `text/csv` file of
/// `email,name,role` (200): every valid row is invited, in one transaction, and each row
/// says what became of it.
#[utoipa::path(post, path = "/api/v1/networks/{id}/invitations", tag = "networks", params(("id" = String, Path)),
    request_body(content((CreateInvitation = "application/json"), (CreateInvitations = "application/json"), (String = "text/csv"))),
    responses((status = 201, body = InvitationView), (status = 200, body = BulkInvitationResults), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn invite(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let (actor, network) = (auth.member_id(), NetworkId(id.0));
    let media_type = media_type(&req);
    // `text/plain` is what a script sends a string as by default: a CSV upload says so.
    if is_csv(&media_type) && media_type != "text/plain" {
        let body = read_bounded(payload, invitation_rows::MAX_CSV_BYTES).await?;
        let rows = invitation_rows::from_csv(&body)?;
        let results = invitations::create_many(&state, actor, network, &rows).await?;
        return Ok(HttpResponse::Ok().json(results));
    }
    if !is_json(&media_type) {
        return Err(ApiError::UnsupportedMediaType(
            "Send JSON, or a CSV file of email,name,role with Content-Type: text/csv.".into(),
        ));
    }
    let body = read_bounded(payload, invitation_rows::MAX_CSV_BYTES).await?;
    let value: serde_json::Value = parse_json(&body)?;
    if value.get("invitations").is_some() {
        let many: CreateInvitations = parse_json(&body)?;
        let results = invitations::create_many(&state, actor, network, &many.invitations).await?;
        return Ok(HttpResponse::Ok().json(results));
    }
    let one: CreateInvitation = parse_json(&body)?;
    let invitation = invitations::create(&state, actor, network, one).await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// Pending (unused, unexpired) invitations; facilitators only.
#[utoipa::path(get, path = "/api/v1/networks/{id}/invitations", tag = "networks", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<InvitationView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_invitations(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<InvitationView>>> {
    Ok(web::Json(
        invitations::list_pending(state.db.reader(), auth.member_id(), NetworkId(id.0), &page)
            .await?,
    ))
}

/// Withdraws a pending invitation; facilitators only.
#[utoipa::path(delete, path = "/api/v1/networks/{id}/invitations/{invitation_id}", tag = "networks",
    params(("id" = String, Path), ("invitation_id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    auth: AuthMember,
    path: web::Path<(ApiId, ApiId)>,
) -> ApiResult<HttpResponse> {
    let (network, invitation) = path.into_inner();
    invitations::revoke(
        state.db.writer(),
        auth.member_id(),
        NetworkId(network.0),
        invitation.0,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/networks/{id}/join", tag = "networks", params(("id" = String, Path)),
    responses((status = 200, body = NetworkView), (status = 403, description = "Joining is by invitation", body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn join_network(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<NetworkView>> {
    Ok(web::Json(
        service::join(state.db.writer(), auth.member_id(), NetworkId(id.0)).await?,
    ))
}

/// The caller's follow level for the whole network.
#[utoipa::path(put, path = "/api/v1/networks/{id}/notification-level", tag = "networks", params(("id" = String, Path)), request_body = LevelBody,
    responses((status = 200, body = LevelBody), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_notification_level(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(body): ApiJson<LevelBody>,
) -> ApiResult<web::Json<LevelBody>> {
    let level = service::set_notification_level(
        state.db.writer(),
        auth.member_id(),
        NetworkId(id.0),
        body.level,
    )
    .await?;
    Ok(web::Json(LevelBody { level }))
}

/// What an invitation link is for, before accepting it. The token is the credential.
#[utoipa::path(get, path = "/api/v1/invitations/{token}", tag = "networks", params(("token" = String, Path)),
    responses((status = 200, body = InvitationPreview), (status = 404, body = Problem), (status = 409, description = "Used or expired", body = Problem)))]
pub async fn preview_invitation(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<InvitationPreview>> {
    Ok(web::Json(
        invitations::preview(state.db.reader(), &token).await?,
    ))
}

/// Joins the invitation's network: signed in, as the current member; otherwise creating the
/// account from `{display_name, password}` (201 with a session).
#[utoipa::path(post, path = "/api/v1/invitations/{token}/accept", tag = "networks", params(("token" = String, Path)),
    request_body(content = AcceptInvitation, description = "Only when not signed in"),
    responses((status = 200, body = AcceptedInvitation), (status = 201, body = AcceptedInvitation),
        (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    auth: MaybeAuthMember,
    token: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let input: AcceptInvitation = if body.iter().all(u8::is_ascii_whitespace) {
        AcceptInvitation::default()
    } else {
        parse_json(&body)?
    };
    let accepted = invitations::accept(&state, auth.0.map(|m| m.id), &token, input).await?;
    Ok(if accepted.session.is_some() {
        HttpResponse::Created().json(accepted)
    } else {
        HttpResponse::Ok().json(accepted)
    })
}

/// Makes an invitation link to share; facilitators only. Its `token` and `url` are shown in
/// this answer only.
#[utoipa::path(post, path = "/api/v1/networks/{id}/invite-links", tag = "networks", params(("id" = String, Path)), request_body = CreateInviteLink,
    responses((status = 201, body = InviteLinkView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_invite_link(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let input: CreateInviteLink = if body.iter().all(u8::is_ascii_whitespace) {
        CreateInviteLink::default()
    } else {
        parse_json(&body)?
    };
    let link = invite_links::create(&state, auth.member_id(), NetworkId(id.0), input).await?;
    Ok(HttpResponse::Created().json(link))
}

/// A network's invitation links, newest first, with how often each was used; facilitators
/// only.
#[utoipa::path(get, path = "/api/v1/networks/{id}/invite-links", tag = "networks", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<InviteLinkView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_invite_links(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<InviteLinkView>>> {
    Ok(web::Json(
        invite_links::list(state.db.reader(), auth.member_id(), NetworkId(id.0), &page).await?,
    ))
}

/// Revokes an invitation link: nobody joins with it any more.
#[utoipa::path(delete, path = "/api/v1/invite-links/{id}", tag = "networks", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke_invite_link(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    invite_links::revoke(&state, auth.member_id(), id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Which network a link joins, before joining. The token is the credential.
#[utoipa::path(get, path = "/api/v1/invite-links/{token}/preview", tag = "networks", params(("token" = String, Path)),
    responses((status = 200, body = InviteLinkPreview), (status = 404, body = Problem), (status = 410, description = "Expired, used up or revoked", body = Problem)))]
pub async fn preview_invite_link(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<InviteLinkPreview>> {
    Ok(web::Json(
        invite_links::preview(state.db.reader(), &token).await?,
    ))
}

/// Joins the link's network as a member: 201, or 200 for a member already (nothing
/// counted).
#[utoipa::path(post, path = "/api/v1/invite-links/{token}/join", tag = "networks", params(("token" = String, Path)),
    responses((status = 201, body = NetworkView), (status = 200, body = NetworkView), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 410, description = "Expired, used up or revoked", body = Problem)),
    security(("bearer" = [])))]
pub async fn join_by_link(
    state: web::Data<AppState>,
    auth: AuthMember,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    Ok(
        match invite_links::join(&state, auth.member_id(), &token).await? {
            Joined::Now(network) => HttpResponse::Created().json(network),
            Joined::Already(network) => HttpResponse::Ok().json(network),
        },
    )
}
