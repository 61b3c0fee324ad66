use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::auth::Auth;
use crate::api::entities::{Account, Status, TagEntity};
use crate::params::{flex, Query};
use crate::error::AppResult;
use crate::service::discovery::{self, TrendingLink};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct DirectoryParams {
    #[serde(default, deserialize_with = "flex::i64_opt")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    order: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    local: bool,
}

pub async fn directory(state: web::Data<AppState>, auth: Auth, Query(params): Query<DirectoryParams>) -> AppResult<HttpResponse> {
    auth.viewer(&["read:accounts"])?;
    let (limit, offset) = (params.limit.unwrap_or(40).clamp(1, 80), params.offset.unwrap_or(0).max(0));
    let order = params.order.unwrap_or_else(|| "active".into());
    let found = state.db.read(move |conn| discovery::directory(conn, params.local, &order, limit, offset)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|a| Account::from_row(a, &state.settings)).collect::<Vec<_>>()))
}

pub async fn trending_tags(state: web::Data<AppState>, auth: Auth, Query(params): Query<DirectoryParams>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?;
    let (limit, offset) = (params.limit.unwrap_or(10).clamp(1, 20) as usize, params.offset.unwrap_or(0).max(0) as usize);
    let review = state.settings.trends_require_review;
    let found = state.db.read(move |conn| discovery::trending_tags(conn, viewer.as_ref(), limit, offset, review)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|t| TagEntity::from_view(t, &state.settings)).collect::<Vec<_>>()))
}

pub async fn trending_statuses(state: web::Data<AppState>, auth: Auth, Query(params): Query<DirectoryParams>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?;
    let (limit, offset) = (params.limit.unwrap_or(20).clamp(1, 40), params.offset.unwrap_or(0).max(0));
    let review = state.settings.trends_require_review;
    let found = state.db.read(move |conn| discovery::trending_statuses(conn, viewer.as_ref(), limit, offset, review)).await?;
    Ok(HttpResponse::Ok().json(Status::list(&found, &state.settings)))
}

/// Mastodon's Trends::Link: a preview card with its history. Hallway does not fetch the pages, so the
/// card carries the URL and its host only.
pub async fn trending_links(state: web::Data<AppState>, auth: Auth, Query(params): Query<DirectoryParams>) -> AppResult<HttpResponse> {
    auth.viewer(&["read:statuses"])?;
    let (limit, offset) = (params.limit.unwrap_or(10).clamp(1, 20) as usize, params.offset.unwrap_or(0).max(0) as usize);
    let review = state.settings.trends_require_review;
    let found = state.db.read(move |conn| discovery::trending_links(conn, limit, offset, review)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(link_card).collect::<Vec<_>>()))
}

/// A trending link as Mastodon's Trends::Link (a preview card with its history).
pub fn link_card(link: &TrendingLink) -> serde_json::Value {
    let host = url::Url::parse(&link.url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    serde_json::json!({
        "url": link.url, "title": link.url, "description": "", "language": null, "type": "link",
        "author_name": "", "author_url": "", "provider_name": host, "provider_url": "", "html": "",
        "width": 0, "height": 0, "image": null, "image_description": "", "embed_url": "", "blurhash": null,
        "published_at": null, "authors": [],
        "history": link.history.iter().map(|day| serde_json::json!({
            "day": day.day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp().to_string(),
            "uses": day.uses.to_string(),
            "accounts": day.accounts.to_string(),
        })).collect::<Vec<_>>(),
    })
}

pub async fn suggestions(state: web::Data<AppState>, auth: Auth, Query(params): Query<DirectoryParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:accounts"])?;
    let limit = params.limit.unwrap_or(40).clamp(1, 80);
    let found = state.db.read(move |conn| discovery::suggestions(conn, &me.account, limit)).await?;
    let body: Vec<_> = found
        .iter()
        .map(|a| json!({"source": "global", "sources": ["featured"], "account": Account::from_row(a, &state.settings)}))
        .collect();
    Ok(HttpResponse::Ok().json(body))
}
