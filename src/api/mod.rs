//! The Mastodon client API: routes and thin handlers; the JSON shapes live in `entities`.

pub mod about;
pub mod accounts;
pub mod admin;
pub mod announcements;
pub mod apps;
pub mod auth;
pub mod conversations;
pub mod data;
pub mod discovery;
pub mod entities;
pub mod featured;
pub mod filters;
pub mod groups;
pub mod instance;
pub mod lists;
pub mod media;
pub mod notifications;
pub mod pagination;
pub mod polls;
pub mod push;
pub mod reports;
pub mod safety;
pub mod scheduled;
pub mod search;
pub mod statuses;
pub mod tags;
pub mod timelines;

use actix_web::{web, HttpResponse};

use crate::error::AppError;

const MISSING_IMAGE: &[u8] = include_bytes!("assets/missing.png");

/// Routes grouped in scopes by their first segments: actix tries a scope's routes only when its prefix matches,
/// and every route with a variable segment it tries costs a regular expression match.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/apps", web::post().to(apps::create))
            .route("/apps/verify_credentials", web::get().to(apps::verify_credentials))
            .service(web::scope("/instance").route("", web::get().to(instance::v1)).configure(about::routes))
            .route("/custom_emojis", web::get().to(instance::custom_emojis))
            .route("/preferences", web::get().to(instance::preferences))
            .route("/markers", web::get().to(instance::markers))
            .route("/markers", web::post().to(instance::set_markers))
            .route("/filters", web::get().to(filters::v1_index))
            .service(web::scope("/timelines").configure(timeline_routes))
            .service(web::scope("/statuses").configure(status_routes))
            .service(web::scope("/accounts").configure(account_routes))
            .route("/profile", web::get().to(accounts::profile))
            .route("/profile", web::patch().to(accounts::update_profile))
            .route("/profile", web::put().to(accounts::update_profile))
            .route("/profile/{image}", web::delete().to(accounts::delete_profile_image))
            .service(web::scope("/notifications").configure(notification_routes))
            .service(web::scope("/lists").configure(list_routes))
            .route("/favourites", web::get().to(timelines::favourites))
            .route("/bookmarks", web::get().to(timelines::bookmarks))
            .service(web::scope("/tags").configure(tag_routes))
            .route("/followed_tags", web::get().to(tags::followed))
            .service(web::scope("/conversations").configure(conversation_routes))
            .service(web::scope("/featured_tags").configure(featured_tag_routes))
            .route("/endorsements", web::get().to(featured::endorsements))
            .route("/reports", web::post().to(reports::create))
            .route("/imports", web::post().to(data::create_import))
            .route("/imports", web::get().to(data::list_imports))
            .route("/imports/{id}", web::get().to(data::show_import))
            .route("/archives", web::post().to(data::request_archive))
            .route("/archives", web::get().to(data::list_archives))
            .route("/archives/{id}", web::get().to(data::show_archive))
            .route("/archives/{id}/download", web::get().to(data::download_archive))
            .service(web::scope("/announcements").configure(announcements::routes))
            .service(web::scope("/polls").configure(poll_routes))
            .service(web::scope("/media").configure(media_routes))
            .service(web::scope("/push").configure(push_routes))
            .service(web::scope("/scheduled_statuses").configure(scheduled_routes))
            .route("/directory", web::get().to(discovery::directory))
            .service(web::scope("/groups").configure(groups::routes))
            .service(web::scope("/trends").configure(trend_routes))
            .route("/mutes", web::get().to(safety::mutes))
            .route("/blocks", web::get().to(safety::blocks))
            .route("/domain_blocks", web::get().to(safety::domain_blocks))
            .route("/domain_blocks", web::post().to(safety::block_domain))
            .route("/domain_blocks", web::delete().to(safety::unblock_domain))
            .service(web::scope("/follow_requests").configure(follow_request_routes))
            .service(web::scope("/admin").configure(admin::routes)),
    )
    .service(
        web::scope("/api/v2")
            .route("/instance", web::get().to(instance::v2))
            .route("/media", web::post().to(media::upload_v2))
            .service(web::scope("/notifications").configure(grouped_notification_routes))
            .service(web::scope("/filters").configure(filters::routes))
            .route("/search", web::get().to(search::v2))
            .route("/suggestions", web::get().to(discovery::suggestions))
            .service(web::scope("/admin").configure(admin::v2_routes)),
    )
    .route("/system/{key:.*}", web::get().to(media::stored_file))
    .route("/.well-known/nodeinfo", web::get().to(instance::nodeinfo_index))
    .route("/nodeinfo/{version}", web::get().to(instance::nodeinfo))
    .route("/avatars/original/missing.png", web::get().to(missing_image))
    .route("/headers/original/missing.png", web::get().to(missing_image));
}

fn timeline_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/home", web::get().to(timelines::home))
        .route("/public", web::get().to(timelines::public))
        .route("/link", web::get().to(timelines::link))
        .route("/tag/{hashtag}", web::get().to(timelines::tag))
        .route("/list/{id}", web::get().to(lists::timeline));
}

fn account_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::post().to(accounts::register))
        .route("", web::get().to(accounts::index))
        .route("/familiar_followers", web::get().to(accounts::familiar_followers))
        .route("/verify_credentials", web::get().to(accounts::verify_credentials))
        .route("/update_credentials", web::patch().to(accounts::update_credentials))
        .route("/lookup", web::get().to(accounts::lookup))
        .route("/relationships", web::get().to(accounts::relationships))
        .route("/search", web::get().to(search::accounts))
        .route("/{id}", web::get().to(accounts::show))
        .route("/{id}/statuses", web::get().to(accounts::statuses))
        .route("/{id}/followers", web::get().to(accounts::followers))
        .route("/{id}/following", web::get().to(accounts::following))
        .route("/{id}/lists", web::get().to(lists::of_account))
        .route("/{id}/featured_tags", web::get().to(featured::of_account))
        .route("/{id}/pin", web::post().to(featured::endorse))
        .route("/{id}/unpin", web::post().to(featured::unendorse))
        .route("/{id}/endorse", web::post().to(featured::endorse))
        .route("/{id}/unendorse", web::post().to(featured::unendorse))
        .route("/{id}/note", web::post().to(accounts::note))
        .route("/{id}/remove_from_followers", web::post().to(accounts::remove_from_followers))
        .route("/{id}/follow", web::post().to(accounts::follow))
        .route("/{id}/unfollow", web::post().to(accounts::unfollow))
        .route("/{id}/mute", web::post().to(safety::mute))
        .route("/{id}/unmute", web::post().to(safety::unmute))
        .route("/{id}/block", web::post().to(safety::block))
        .route("/{id}/unblock", web::post().to(safety::unblock));
}

fn status_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::post().to(statuses::create))
        .route("/{id}", web::get().to(statuses::show))
        .route("/{id}", web::put().to(statuses::edit))
        .route("/{id}", web::delete().to(statuses::delete))
        .route("/{id}/context", web::get().to(statuses::context))
        .route("/{id}/history", web::get().to(statuses::history))
        .route("/{id}/source", web::get().to(statuses::source))
        .route("/{id}/favourite", web::post().to(statuses::favourite))
        .route("/{id}/unfavourite", web::post().to(statuses::unfavourite))
        .route("/{id}/reblog", web::post().to(statuses::reblog))
        .route("/{id}/unreblog", web::post().to(statuses::unreblog))
        .route("/{id}/bookmark", web::post().to(statuses::bookmark))
        .route("/{id}/unbookmark", web::post().to(statuses::unbookmark))
        .route("/{id}/quotes", web::get().to(statuses::quotes))
        .route("/{id}/quotes/{quoting_id}/revoke", web::post().to(statuses::revoke_quote))
        .route("/{id}/interaction_policy", web::put().to(statuses::interaction_policy))
        .route("/{id}/mute", web::post().to(statuses::mute))
        .route("/{id}/unmute", web::post().to(statuses::unmute))
        .route("/{id}/pin", web::post().to(statuses::pin))
        .route("/{id}/unpin", web::post().to(statuses::unpin))
        .route("/{id}/favourited_by", web::get().to(statuses::favourited_by))
        .route("/{id}/reblogged_by", web::get().to(statuses::reblogged_by));
}

fn notification_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(notifications::list))
        .route("/clear", web::post().to(notifications::clear))
        .route("/policy", web::get().to(notifications::policy_v1))
        .route("/policy", web::patch().to(notifications::update_policy_v1))
        .route("/policy", web::put().to(notifications::update_policy_v1))
        .route("/requests", web::get().to(notifications::requests))
        .route("/requests/merged", web::get().to(notifications::requests_merged))
        .route("/requests/accept", web::post().to(notifications::accept_requests))
        .route("/requests/dismiss", web::post().to(notifications::dismiss_requests))
        .route("/requests/{id}", web::get().to(notifications::request))
        .route("/requests/{id}/accept", web::post().to(notifications::accept_request))
        .route("/requests/{id}/dismiss", web::post().to(notifications::dismiss_request))
        .route("/unread_count", web::get().to(notifications::unread_count))
        .route("/{id}", web::get().to(notifications::show))
        .route("/{id}/dismiss", web::post().to(notifications::dismiss));
}

fn grouped_notification_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(notifications::grouped))
        .route("/policy", web::get().to(notifications::policy_v2))
        .route("/policy", web::patch().to(notifications::update_policy_v2))
        .route("/policy", web::put().to(notifications::update_policy_v2))
        .route("/unread_count", web::get().to(notifications::grouped_unread_count))
        .route("/{group_key}", web::get().to(notifications::group))
        .route("/{group_key}/accounts", web::get().to(notifications::group_accounts))
        .route("/{group_key}/dismiss", web::post().to(notifications::dismiss_group));
}

fn list_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(lists::index))
        .route("", web::post().to(lists::create))
        .route("/{id}", web::get().to(lists::show))
        .route("/{id}", web::put().to(lists::update))
        .route("/{id}", web::delete().to(lists::delete))
        .route("/{id}/accounts", web::get().to(lists::accounts))
        .route("/{id}/accounts", web::post().to(lists::add_accounts))
        .route("/{id}/accounts", web::delete().to(lists::remove_accounts));
}

fn tag_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/{name}", web::get().to(tags::show))
        .route("/{name}/follow", web::post().to(tags::follow))
        .route("/{name}/unfollow", web::post().to(tags::unfollow))
        .route("/{name}/feature", web::post().to(tags::feature))
        .route("/{name}/unfeature", web::post().to(tags::unfeature));
}

fn conversation_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(conversations::list))
        .route("/{id}", web::delete().to(conversations::delete))
        .route("/{id}/read", web::post().to(conversations::read));
}

fn featured_tag_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(featured::mine))
        .route("", web::post().to(featured::create))
        .route("/suggestions", web::get().to(featured::suggestions))
        .route("/{id}", web::delete().to(featured::delete));
}

fn poll_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/{id}", web::get().to(polls::show)).route("/{id}/votes", web::post().to(polls::vote));
}

fn media_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::post().to(media::upload_v1))
        .route("/{id}", web::get().to(media::show))
        .route("/{id}", web::put().to(media::update))
        .route("/{id}", web::delete().to(media::delete));
}

fn push_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/subscription", web::post().to(push::create))
        .route("/subscription", web::get().to(push::show))
        .route("/subscription", web::put().to(push::update))
        .route("/subscription", web::delete().to(push::delete));
}

fn scheduled_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(scheduled::list))
        .route("/{id}", web::get().to(scheduled::show))
        .route("/{id}", web::put().to(scheduled::reschedule))
        .route("/{id}", web::delete().to(scheduled::cancel));
}

fn trend_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(discovery::trending_tags))
        .route("/tags", web::get().to(discovery::trending_tags))
        .route("/statuses", web::get().to(discovery::trending_statuses))
        .route("/links", web::get().to(discovery::trending_links));
}

fn follow_request_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(accounts::follow_requests))
        .route("/{id}/authorize", web::post().to(accounts::authorize_follow_request))
        .route("/{id}/reject", web::post().to(accounts::reject_follow_request));
}

async fn missing_image() -> HttpResponse {
    HttpResponse::Ok().content_type("image/png").insert_header(("Cache-Control", "public, max-age=86400")).body(MISSING_IMAGE)
}

/// Anything no route matched.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
