//! `/networks/{id}/initiatives`, `/initiatives/*`, `/teams/*` and `/tests/*`.

use super::charts;
use super::check_ins::{self, SubmitCheckIn};
use super::service::{self, CreateInitiative, InitiativeListQuery, Rebaseline, UpdateInitiative};
use super::spreadsheet::{self, ImportSummary};
use super::teams::{self, CreateTeam, UpdateTeam};
use super::tests_of_change::{self, CreateTest, TestListQuery, TryTest, UpdateTest};
use super::views::{BrightSpotView, ChartView, CheckInView, InitiativeView, TeamView, TestView};
use crate::auth::links::{fetcher, Linked, SignedLinks};
use crate::auth::AuthMember;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Page, PageQuery};
use crate::ids::{ApiId, MemberId};
use crate::notifications::service::UnreadCount;
use crate::page_security::{self, Referrer};
use crate::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/networks/{id}/initiatives")
            .get(list_initiatives)
            .post(create_initiative),
    )
    .service(
        web::resource("/initiatives/{id}")
            .get(get_initiative)
            .patch(update_initiative),
    )
    .service(
        web::resource("/initiatives/{id}/teams")
            .get(list_teams)
            .post(create_team),
    )
    .service(
        web::resource("/teams/{id}")
            .patch(update_team)
            .delete(delete_team),
    )
    .service(
        web::resource("/teams/{id}/check-ins")
            .get(list_check_ins)
            .post(submit_check_in),
    )
    .service(
        web::resource("/initiatives/{id}/check-ins.csv")
            .get(export_check_ins)
            .post(import_check_ins),
    )
    .service(web::resource("/initiatives/{id}/chart").get(get_chart))
    .service(web::resource("/initiatives/{id}/chart.svg").get(get_chart_svg))
    .service(web::resource("/initiatives/{id}/rebaseline").post(rebaseline))
    .service(web::resource("/initiatives/{id}/bright-spots").get(list_bright_spots))
    .service(
        web::resource("/initiatives/{id}/tests")
            .get(list_tests)
            .post(create_test),
    )
    .service(
        web::resource("/tests/{id}")
            .get(get_test)
            .patch(update_test),
    )
    .service(web::resource("/tests/{id}/try").post(try_test))
    .service(web::resource("/initiatives/{id}/read").post(read_initiative))
    .service(web::resource("/tests/{id}/read").post(read_test));
}

#[utoipa::path(get, path = "/api/v1/networks/{id}/initiatives", tag = "initiatives", params(("id" = String, Path), InitiativeListQuery),
    responses((status = 200, body = Page<InitiativeView>), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn list_initiatives(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<InitiativeListQuery>,
) -> ApiResult<web::Json<Page<InitiativeView>>> {
    let page = service::list(
        state.db.reader(),
        auth.member_id(),
        id.0,
        query.into_inner(),
    )
    .await?;
    Ok(web::Json(page.with_signed_links(&state.links, auth.id)))
}

/// Start an initiative (with its discussion thread); facilitators only.
#[utoipa::path(post, path = "/api/v1/networks/{id}/initiatives", tag = "initiatives", params(("id" = String, Path)), request_body = CreateInitiative,
    responses((status = 201, body = InitiativeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_initiative(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreateInitiative>,
) -> ApiResult<HttpResponse> {
    let view = service::create(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        id.0,
        input,
    )
    .await?;
    Ok(HttpResponse::Created().json(view.with_signed_links(&state.links, auth.id)))
}

#[utoipa::path(get, path = "/api/v1/initiatives/{id}", tag = "initiatives", params(("id" = String, Path)),
    responses((status = 200, body = InitiativeView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_initiative(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<InitiativeView>> {
    let view = service::get(state.db.reader(), auth.member_id(), id.0).await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

/// Move the stage, complete or archive, edit the aim; facilitators only.
#[utoipa::path(patch, path = "/api/v1/initiatives/{id}", tag = "initiatives", params(("id" = String, Path)), request_body = UpdateInitiative,
    responses((status = 200, body = InitiativeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_initiative(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdateInitiative>,
) -> ApiResult<web::Json<InitiativeView>> {
    let view = service::update(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        id.0,
        input,
    )
    .await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

#[utoipa::path(get, path = "/api/v1/initiatives/{id}/teams", tag = "initiatives", params(("id" = String, Path)),
    responses((status = 200, body = Vec<TeamView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_teams(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<Vec<TeamView>>> {
    let teams = teams::list(state.db.reader(), auth.member_id(), id.0).await?;
    Ok(web::Json(teams.with_signed_links(&state.links, auth.id)))
}

/// Form a team (members of the network); facilitators only.
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/teams", tag = "initiatives", params(("id" = String, Path)), request_body = CreateTeam,
    responses((status = 201, body = TeamView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_team(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreateTeam>,
) -> ApiResult<HttpResponse> {
    let view = teams::create(state.db.writer(), auth.member_id(), id.0, input).await?;
    Ok(HttpResponse::Created().json(view.with_signed_links(&state.links, auth.id)))
}

/// Rename a team or change who is on it; facilitators only.
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "initiatives", params(("id" = String, Path)), request_body = UpdateTeam,
    responses((status = 200, body = TeamView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_team(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdateTeam>,
) -> ApiResult<web::Json<TeamView>> {
    let view = teams::update(state.db.writer(), auth.member_id(), id.0, input).await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

/// Take a team off the initiative; facilitators only.
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "initiatives", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn delete_team(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    teams::delete(state.db.writer(), auth.member_id(), id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/teams/{id}/check-ins", tag = "initiatives", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<CheckInView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_check_ins(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<CheckInView>>> {
    Ok(web::Json(
        check_ins::list(state.db.reader(), auth.member_id(), id.0, &page).await?,
    ))
}

/// Check in the measure's value for a period: the team's members or facilitators. A
/// resubmission for the same period replaces the value and keeps the old one in
/// `previous_values`.
#[utoipa::path(post, path = "/api/v1/teams/{id}/check-ins", tag = "initiatives", params(("id" = String, Path)), request_body = SubmitCheckIn,
    responses((status = 201, body = CheckInView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn submit_check_in(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<SubmitCheckIn>,
) -> ApiResult<HttpResponse> {
    let view = check_ins::submit(state.db.writer(), auth.member_id(), id.0, input).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Every team's check-ins as CSV (`team,period,value,note`); facilitators only. Text cells
/// a spreadsheet would run as a formula are prefixed with `'`.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/check-ins.csv", tag = "initiatives", params(("id" = String, Path)),
    responses((status = 200, description = "text/csv", content_type = "text/csv"), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn export_check_ins(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<HttpResponse> {
    let (initiative, csv) = spreadsheet::export(state.db.reader(), auth.member_id(), id.0).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"initiative-{}-check-ins.csv\"",
                initiative.id
            ),
        ))
        .body(csv))
}

/// Import check-ins from CSV (`team,period,value,note`; team by name or id), sent as the
/// `text/csv` body; facilitators only. All or nothing: a file with any bad row imports
/// nothing, and the 422 lists every bad row (`rows: [{row, field, message}]`). At most
/// 1 MiB and 10,000 rows (413 beyond).
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/check-ins.csv", tag = "initiatives", params(("id" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportSummary), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn import_check_ins(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<web::Json<ImportSummary>> {
    if !crate::extract::is_csv(&crate::extract::media_type(&req)) {
        return Err(crate::error::ApiError::UnsupportedMediaType(
            "Send the file as the body, with Content-Type: text/csv.".into(),
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > spreadsheet::MAX_BYTES) {
        return Err(crate::error::ApiError::PayloadTooLarge);
    }
    let body = crate::extract::read_bounded(payload, spreadsheet::MAX_BYTES).await?;
    Ok(web::Json(
        spreadsheet::import(state.db.writer(), auth.member_id(), id.0, &body).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    /// A team's chart; absent: the network's (the median of teams per period).
    pub team_id: Option<ApiId>,
    /// The link token of a signed `chart_url` (instead of a Bearer header); SVG only.
    pub token: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/initiatives/{id}/chart", tag = "initiatives", params(("id" = String, Path), ChartQuery),
    responses((status = 200, body = ChartView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn get_chart(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<ChartQuery>,
) -> ApiResult<web::Json<ChartView>> {
    let chart = charts::assemble(
        state.db.reader(),
        auth.member_id(),
        id.0,
        query.team_id.map(|t| t.0),
    )
    .await?;
    Ok(web::Json(
        chart.view().with_signed_links(&state.links, auth.id),
    ))
}

/// The run chart as an accessible SVG image (title and description in words): with a
/// Bearer token, or through the signed `chart_url`, which works for its member while they
/// may still see the initiative.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/chart.svg", tag = "initiatives", params(("id" = String, Path), ChartQuery),
    responses((status = 200, description = "image/svg+xml", content_type = "image/svg+xml"), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_chart_svg(
    state: web::Data<AppState>,
    auth: Option<AuthMember>,
    id: web::Path<ApiId>,
    query: web::Query<ChartQuery>,
) -> ApiResult<HttpResponse> {
    let member = fetcher(
        auth,
        &state.links,
        query.token.as_deref(),
        Linked::Chart {
            initiative_id: id.0,
        },
    )?;
    let chart = charts::assemble(
        state.db.reader(),
        MemberId(member),
        id.0,
        query.team_id.map(|t| t.0),
    )
    .await?;
    // Opened on its own it is a document: it may run nothing, and its address (which may
    // carry a signed token) goes nowhere.
    Ok(page_security::secure(
        &mut HttpResponse::Ok(),
        page_security::STATIC_PAGE_POLICY,
        Referrer::NoReferrer,
    )
    .content_type("image/svg+xml; charset=utf-8")
    // It changes with every check-in, and is for its member only.
    .insert_header((header::CACHE_CONTROL, "private, no-cache"))
    .body(chart.svg()))
}

/// Start a chart's baseline again from a period (after a signal showed the process
/// changed); facilitators only.
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/rebaseline", tag = "initiatives", params(("id" = String, Path)), request_body = Rebaseline,
    responses((status = 200, body = InitiativeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn rebaseline(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<Rebaseline>,
) -> ApiResult<web::Json<InitiativeView>> {
    let view = service::rebaseline(state.db.writer(), auth.member_id(), id.0, input).await?;
    Ok(web::Json(view.with_signed_links(&state.links, auth.id)))
}

/// Teams whose latest check-in continues an improving shift or trend, best first, with the
/// tests of change they acted on.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/bright-spots", tag = "initiatives", params(("id" = String, Path)),
    responses((status = 200, body = Vec<BrightSpotView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_bright_spots(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<Vec<BrightSpotView>>> {
    Ok(web::Json(
        charts::bright_spots(state.db.reader(), auth.member_id(), id.0).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/initiatives/{id}/tests", tag = "initiatives", params(("id" = String, Path), TestListQuery),
    responses((status = 200, body = Page<TestView>), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn list_tests(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    query: web::Query<TestListQuery>,
) -> ApiResult<web::Json<Page<TestView>>> {
    Ok(web::Json(
        tests_of_change::list(
            state.db.reader(),
            auth.member_id(),
            id.0,
            query.into_inner(),
        )
        .await?,
    ))
}

/// Plan a test of change for a team: its members or facilitators.
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/tests", tag = "initiatives", params(("id" = String, Path)), request_body = CreateTest,
    responses((status = 201, body = TestView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_test(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<CreateTest>,
) -> ApiResult<HttpResponse> {
    let view = tests_of_change::create(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        id.0,
        input,
    )
    .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/tests/{id}", tag = "initiatives", params(("id" = String, Path)),
    responses((status = 200, body = TestView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_test(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<TestView>> {
    Ok(web::Json(
        tests_of_change::get(state.db.reader(), auth.member_id(), id.0).await?,
    ))
}

/// Record what happened, move it one step (`planning → doing → studying → acted`, acting
/// with `act`); an illegal step is a 409 naming the one allowed.
#[utoipa::path(patch, path = "/api/v1/tests/{id}", tag = "initiatives", params(("id" = String, Path)), request_body = UpdateTest,
    responses((status = 200, body = TestView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_test(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<UpdateTest>,
) -> ApiResult<web::Json<TestView>> {
    Ok(web::Json(
        tests_of_change::update(state.db.writer(), auth.member_id(), id.0, input).await?,
    ))
}

/// "Try this": another team takes the test up as its own new plan, linked to it; the team
/// that ran it is notified.
#[utoipa::path(post, path = "/api/v1/tests/{id}/try", tag = "initiatives", params(("id" = String, Path)), request_body = TryTest,
    responses((status = 201, body = TestView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn try_test(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
    ApiJson(input): ApiJson<TryTest>,
) -> ApiResult<HttpResponse> {
    let view = tests_of_change::try_test(
        state.db.writer(),
        &state.markdown,
        auth.member_id(),
        id.0,
        input,
    )
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Say you opened an initiative (the web client does when it shows one): recorded as read, and your
/// notifications about its bright spots and its teams' check-in reminders marked read on every tab
/// (`notification.read`). 404 for what you may not see.
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/read", tag = "initiatives", params(("id" = String, Path)),
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn read_initiative(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<UnreadCount>> {
    Ok(web::Json(
        service::mark_read(state.db.writer(), auth.member_id(), id.0).await?,
    ))
}

/// Say you opened a test of change (the web client does when it shows one): recorded as read, and
/// your notifications about other teams trying it marked read on every tab
/// (`notification.read`). 404 for what you may not see.
#[utoipa::path(post, path = "/api/v1/tests/{id}/read", tag = "initiatives", params(("id" = String, Path)),
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn read_test(
    state: web::Data<AppState>,
    auth: AuthMember,
    id: web::Path<ApiId>,
) -> ApiResult<web::Json<UnreadCount>> {
    Ok(web::Json(
        tests_of_change::mark_read(state.db.writer(), auth.member_id(), id.0).await?,
    ))
}
