//! The OpenAPI document, generated from the handlers' annotations and the types they use.

use crate::{
    auth, convenings, conversations, digests, feed, help_requests, initiatives, insights, mail,
    members, networks, notifications, ops, polls, resources, search, threads,
};
use actix_web::{web, HttpResponse};
use std::sync::LazyLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Staffroom API",
        description = "Asynchronous collaboration for professional peer learning networks. \
            Errors are RFC 9457 problem+json; lists are cursor-paginated; ids are strings.",
        version = "1"
    ),
    paths(
        auth::routes::register, auth::routes::login, auth::routes::refresh, auth::routes::logout,
        auth::routes::request_magic_link, auth::routes::consume_magic_link,
        members::routes::get_me, members::routes::update_me, members::routes::export_me, members::routes::getting_started,
        members::routes::get_member, feed::routes::feed,
        networks::routes::create_network, networks::routes::list_networks, networks::routes::get_network,
        networks::routes::update_network, networks::routes::list_members, networks::routes::change_role,
        networks::routes::remove_member, networks::routes::invite, networks::routes::list_invitations, networks::routes::revoke_invitation,
        networks::routes::join_network, networks::routes::set_notification_level,
        networks::routes::preview_invitation, networks::routes::accept_invitation,
        networks::routes::create_invite_link, networks::routes::list_invite_links,
        networks::routes::revoke_invite_link, networks::routes::preview_invite_link,
        networks::routes::join_by_link,
        crate::images::routes::upload_image, crate::images::routes::get_image,
        threads::routes::list_threads, threads::routes::create_thread, threads::routes::get_thread,
        threads::routes::update_thread, threads::routes::delete_thread, threads::routes::list_posts,
        threads::routes::create_post, threads::routes::update_post, threads::routes::delete_post,
        threads::routes::add_reaction, threads::routes::remove_reaction, threads::routes::follow_thread,
        threads::routes::unfollow_thread, threads::routes::set_thread_level, threads::routes::mark_read,
        crate::threads::preview::preview,
        help_requests::routes::list_help_requests, help_requests::routes::create_help_request,
        help_requests::routes::get_help_request, help_requests::routes::update_help_request,
        help_requests::routes::list_responses, help_requests::routes::respond,
        help_requests::routes::accept_response, help_requests::routes::offer_help,
        help_requests::routes::withdraw_offer, help_requests::routes::delete_help_request,
        convenings::routes::list_convenings, convenings::routes::create_convening,
        convenings::routes::get_convening, convenings::routes::update_convening,
        convenings::routes::convening_calendar, convenings::routes::list_action_items,
        convenings::routes::create_action_item, convenings::routes::update_action_item,
        resources::routes::list_resources, resources::routes::create_resource,
        resources::routes::get_resource, resources::routes::update_resource,
        resources::routes::delete_resource, resources::routes::download_resource,
        resources::routes::add_version, resources::routes::mark_helpful,
        resources::routes::unmark_helpful,
        initiatives::routes::list_initiatives, initiatives::routes::create_initiative,
        initiatives::routes::get_initiative, initiatives::routes::update_initiative,
        initiatives::routes::list_teams, initiatives::routes::create_team,
        initiatives::routes::update_team, initiatives::routes::delete_team,
        initiatives::routes::list_check_ins, initiatives::routes::submit_check_in,
        initiatives::routes::export_check_ins, initiatives::routes::import_check_ins,
        initiatives::routes::get_chart, initiatives::routes::get_chart_svg,
        initiatives::routes::rebaseline, initiatives::routes::list_bright_spots,
        initiatives::routes::list_tests, initiatives::routes::create_test,
        initiatives::routes::get_test, initiatives::routes::update_test,
        initiatives::routes::try_test,
        conversations::routes::list_conversations, conversations::routes::start_conversation,
        conversations::routes::get_conversation, conversations::routes::list_messages,
        conversations::routes::send_message, conversations::routes::mark_read,
        conversations::routes::block_member, conversations::routes::unblock_member,
        conversations::routes::list_blocks,
        polls::routes::list_polls, polls::routes::create_poll, polls::routes::get_poll,
        polls::routes::update_poll, polls::routes::delete_poll, polls::routes::vote,
        polls::routes::retract_vote,
        insights::routes::get_insights, insights::routes::get_insights_csv,
        notifications::routes::list_notifications, notifications::routes::mark_read,
        // Opening a thing settles its notifications.
        help_requests::routes::read_help_request, polls::routes::read_poll,
        convenings::routes::read_convening, resources::routes::read_resource,
        initiatives::routes::read_initiative, initiatives::routes::read_test,
        search::routes::search, search::routes::reindex, search::routes::reindex_status,
        digests::routes::preview, mail::routes::describe_unsubscribe,
        mail::routes::unsubscribe_api,
        ops::health::healthz, ops::health::readyz, ops::health::metrics,
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Registering and signing in"),
        (name = "members", description = "Profiles and settings"),
        (name = "feed", description = "What's new across every network a member reads: latest, unread, new"),
        (name = "networks", description = "Networks, sub-networks, memberships and invitations"),
        (name = "threads", description = "Threads, posts, reactions, following and read markers"),
        (name = "help requests", description = "Asking peers for help, offers, responses, accepted answers"),
        (name = "convenings", description = "Meetings, their notes, action items and calendar files"),
        (name = "resources", description = "The resource library: files, links, lesson plans, tools, templates"),
        (name = "initiatives", description = "Improvement initiatives: teams, data check-ins, run charts, tests of change, bright spots"),
        (name = "conversations", description = "Direct messages between members who share a network, and blocking"),
        (name = "polls", description = "Polls in a network or a thread: collecting information, with results shown by rule"),
        (name = "insights", description = "Facilitator insights: activity, connections, help, resources and check-ins over a period"),
        (name = "notifications", description = "What a member should hear about, and marking it read"),
        (name = "search", description = "Full-text search across the networks you can see"),
        (name = "images", description = "Images put into posts: uploaded into a network, re-encoded, shown to its members"),
        (name = "digests", description = "Digest previews and one-click unsubscribe from emails"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

pub static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

static DOCUMENT_JSON: LazyLock<String> = LazyLock::new(|| {
    DOCUMENT
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
});

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/openapi.json", web::get().to(openapi_json))
        .route("/docs", web::get().to(super::docs_page::docs));
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT_JSON.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_describes_the_days_and_the_held_back_counts() {
        let document = serde_json::to_value(&*DOCUMENT).unwrap();
        let schemas = &document["components"]["schemas"];
        for field in ["first_day", "last_day", "timezone", "unattributed"] {
            assert!(
                schemas["InsightsView"]["properties"][field].is_object(),
                "InsightsView.{field}"
            );
        }
        for field in ["anonymous_poll_votes", "direct_messages"] {
            assert!(
                schemas["UnattributedView"]["properties"][field].is_object(),
                "UnattributedView.{field}"
            );
        }
        for field in ["count", "fewer_than"] {
            assert!(
                schemas["HeldBackCount"]["properties"][field].is_object(),
                "HeldBackCount.{field}"
            );
        }
    }
}
