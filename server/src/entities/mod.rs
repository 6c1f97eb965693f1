//! Table models, one per table, mirroring `migrations/`. Plain data: domain rules live in
//! the capability folders (`auth/`, `networks/`, `threads/`), never here.

pub mod action_items;
pub mod convenings;
pub mod digest_deliveries;
pub mod email_opt_outs;
pub mod events;
pub mod help_offers;
pub mod help_request_tags;
pub mod help_requests;
pub mod help_responses;
pub mod invitations;
pub mod magic_links;
pub mod mail_outbox;
pub mod member_expertise;
pub mod members;
pub mod network_members;
pub mod networks;
pub mod notifications;
pub mod post_mentions;
pub mod posts;
pub mod reactions;
pub mod read_markers;
pub mod refresh_tokens;
pub mod resource_downloads;
pub mod resource_labels;
pub mod resource_versions;
pub mod resource_votes;
pub mod resources;
pub mod search_positions;
pub mod thread_subscriptions;
pub mod thread_tags;
pub mod threads;
