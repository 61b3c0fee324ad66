//! The Mastodon client API: routes and thin handlers; the JSON shapes live in `entities`.

pub mod accounts;
pub mod admin;
pub mod apps;
pub mod auth;
pub mod conversations;
pub mod discovery;
pub mod entities;
pub mod featured;
pub mod filters;
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(filters::routes).service(
        web::scope("/api/v1")
            .route("/apps", web::post().to(apps::create))
            .route("/apps/verify_credentials", web::get().to(apps::verify_credentials))
            .route("/instance", web::get().to(instance::v1))
            .route("/custom_emojis", web::get().to(instance::custom_emojis))
            .route("/preferences", web::get().to(instance::preferences))
            .route("/markers", web::get().to(instance::markers))
            .route("/markers", web::post().to(instance::set_markers))
            .configure(account_routes)
            .configure(status_routes)
            .route("/timelines/home", web::get().to(timelines::home))
            .route("/timelines/public", web::get().to(timelines::public))
            .route("/timelines/tag/{hashtag}", web::get().to(timelines::tag))
            .route("/timelines/link", web::get().to(timelines::link))
            .route("/timelines/list/{id}", web::get().to(lists::timeline))
            .route("/lists", web::get().to(lists::index))
            .route("/lists", web::post().to(lists::create))
            .route("/lists/{id}", web::get().to(lists::show))
            .route("/lists/{id}", web::put().to(lists::update))
            .route("/lists/{id}", web::delete().to(lists::delete))
            .route("/lists/{id}/accounts", web::get().to(lists::accounts))
            .route("/lists/{id}/accounts", web::post().to(lists::add_accounts))
            .route("/lists/{id}/accounts", web::delete().to(lists::remove_accounts))
            .route("/favourites", web::get().to(timelines::favourites))
            .route("/bookmarks", web::get().to(timelines::bookmarks))
            .route("/tags/{name}", web::get().to(tags::show))
            .route("/tags/{name}/follow", web::post().to(tags::follow))
            .route("/tags/{name}/unfollow", web::post().to(tags::unfollow))
            .route("/followed_tags", web::get().to(tags::followed))
            .route("/conversations", web::get().to(conversations::list))
            .route("/conversations/{id}", web::delete().to(conversations::delete))
            .route("/conversations/{id}/read", web::post().to(conversations::read))
            .route("/featured_tags", web::get().to(featured::mine))
            .route("/featured_tags", web::post().to(featured::create))
            .route("/featured_tags/suggestions", web::get().to(featured::suggestions))
            .route("/featured_tags/{id}", web::delete().to(featured::delete))
            .route("/endorsements", web::get().to(featured::endorsements))
            .route("/reports", web::post().to(reports::create))
            .route("/polls/{id}", web::get().to(polls::show))
            .route("/polls/{id}/votes", web::post().to(polls::vote))
            .route("/media", web::post().to(media::upload_v1))
            .route("/media/{id}", web::get().to(media::show))
            .route("/media/{id}", web::put().to(media::update))
            .route("/media/{id}", web::delete().to(media::delete))
            .route("/push/subscription", web::post().to(push::create))
            .route("/push/subscription", web::get().to(push::show))
            .route("/push/subscription", web::put().to(push::update))
            .route("/push/subscription", web::delete().to(push::delete))
            .route("/scheduled_statuses", web::get().to(scheduled::list))
            .route("/scheduled_statuses/{id}", web::get().to(scheduled::show))
            .route("/scheduled_statuses/{id}", web::put().to(scheduled::reschedule))
            .route("/scheduled_statuses/{id}", web::delete().to(scheduled::cancel))
            .route("/directory", web::get().to(discovery::directory))
            .route("/trends", web::get().to(discovery::trending_tags))
            .route("/trends/tags", web::get().to(discovery::trending_tags))
            .route("/trends/statuses", web::get().to(discovery::trending_statuses))
            .route("/trends/links", web::get().to(discovery::trending_links))
            .route("/mutes", web::get().to(safety::mutes))
            .route("/blocks", web::get().to(safety::blocks))
            .route("/domain_blocks", web::get().to(safety::domain_blocks))
            .route("/domain_blocks", web::post().to(safety::block_domain))
            .route("/domain_blocks", web::delete().to(safety::unblock_domain))
            .route("/follow_requests", web::get().to(accounts::follow_requests))
            .route("/follow_requests/{id}/authorize", web::post().to(accounts::authorize_follow_request))
            .route("/follow_requests/{id}/reject", web::post().to(accounts::reject_follow_request))
            .route("/notifications", web::get().to(notifications::list))
            .route("/notifications/clear", web::post().to(notifications::clear))
            .route("/notifications/unread_count", web::get().to(notifications::unread_count))
            .route("/notifications/{id}", web::get().to(notifications::show))
            .route("/notifications/{id}/dismiss", web::post().to(notifications::dismiss))
            .route("/admin/domain_allows", web::get().to(admin::list))
            .route("/admin/domain_allows", web::post().to(admin::create))
            .route("/admin/domain_allows/{id}", web::get().to(admin::show))
            .route("/admin/domain_allows/{id}", web::delete().to(admin::delete)),
    )
    .route("/api/v2/instance", web::get().to(instance::v2))
    .route("/api/v2/media", web::post().to(media::upload_v2))
    .route("/system/{key:.*}", web::get().to(media::stored_file))
    .route("/api/v2/notifications", web::get().to(notifications::grouped))
    .route("/api/v2/notifications/unread_count", web::get().to(notifications::grouped_unread_count))
    .route("/api/v2/notifications/{group_key}", web::get().to(notifications::group))
    .route("/api/v2/notifications/{group_key}/accounts", web::get().to(notifications::group_accounts))
    .route("/api/v2/notifications/{group_key}/dismiss", web::post().to(notifications::dismiss_group))
    .route("/api/v2/search", web::get().to(search::v2))
    .route("/api/v2/suggestions", web::get().to(discovery::suggestions))
    .route("/.well-known/nodeinfo", web::get().to(instance::nodeinfo_index))
    .route("/nodeinfo/2.0", web::get().to(instance::nodeinfo))
    .route("/avatars/original/missing.png", web::get().to(missing_image))
    .route("/headers/original/missing.png", web::get().to(missing_image));
}

fn account_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts", web::post().to(accounts::register))
        .route("/accounts/verify_credentials", web::get().to(accounts::verify_credentials))
        .route("/accounts/update_credentials", web::patch().to(accounts::update_credentials))
        .route("/profile/{image}", web::delete().to(accounts::delete_profile_image))
        .route("/accounts/lookup", web::get().to(accounts::lookup))
        .route("/accounts/relationships", web::get().to(accounts::relationships))
        .route("/accounts/search", web::get().to(search::accounts))
        .route("/accounts/{id}", web::get().to(accounts::show))
        .route("/accounts/{id}/statuses", web::get().to(accounts::statuses))
        .route("/accounts/{id}/followers", web::get().to(accounts::followers))
        .route("/accounts/{id}/following", web::get().to(accounts::following))
        .route("/accounts/{id}/lists", web::get().to(lists::of_account))
        .route("/accounts/{id}/featured_tags", web::get().to(featured::of_account))
        .route("/accounts/{id}/pin", web::post().to(featured::endorse))
        .route("/accounts/{id}/unpin", web::post().to(featured::unendorse))
        .route("/accounts/{id}/follow", web::post().to(accounts::follow))
        .route("/accounts/{id}/unfollow", web::post().to(accounts::unfollow))
        .route("/accounts/{id}/mute", web::post().to(safety::mute))
        .route("/accounts/{id}/unmute", web::post().to(safety::unmute))
        .route("/accounts/{id}/block", web::post().to(safety::block))
        .route("/accounts/{id}/unblock", web::post().to(safety::unblock));
}

fn status_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/statuses", web::post().to(statuses::create))
        .route("/statuses/{id}", web::get().to(statuses::show))
        .route("/statuses/{id}", web::put().to(statuses::edit))
        .route("/statuses/{id}", web::delete().to(statuses::delete))
        .route("/statuses/{id}/context", web::get().to(statuses::context))
        .route("/statuses/{id}/history", web::get().to(statuses::history))
        .route("/statuses/{id}/source", web::get().to(statuses::source))
        .route("/statuses/{id}/favourite", web::post().to(statuses::favourite))
        .route("/statuses/{id}/unfavourite", web::post().to(statuses::unfavourite))
        .route("/statuses/{id}/reblog", web::post().to(statuses::reblog))
        .route("/statuses/{id}/unreblog", web::post().to(statuses::unreblog))
        .route("/statuses/{id}/bookmark", web::post().to(statuses::bookmark))
        .route("/statuses/{id}/unbookmark", web::post().to(statuses::unbookmark))
        .route("/statuses/{id}/pin", web::post().to(statuses::pin))
        .route("/statuses/{id}/unpin", web::post().to(statuses::unpin))
        .route("/statuses/{id}/favourited_by", web::get().to(statuses::favourited_by))
        .route("/statuses/{id}/reblogged_by", web::get().to(statuses::reblogged_by));
}

async fn missing_image() -> HttpResponse {
    HttpResponse::Ok().content_type("image/png").insert_header(("Cache-Control", "public, max-age=86400")).body(MISSING_IMAGE)
}

/// Anything no route matched.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
