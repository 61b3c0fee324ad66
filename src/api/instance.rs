use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::auth::Auth;
use crate::api::entities::{CustomEmoji, InstanceV1, InstanceV2, Marker, Preferences};
use crate::params::{flex, Params, Query};
use crate::config::Registrations;
use crate::error::{AppError, AppResult};
use crate::service::{cached, emojis, instance, push};
use crate::state::AppState;

pub async fn v1(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let stats = state.db.read_cached(cached::instance_stats).await?;
    Ok(HttpResponse::Ok().json(InstanceV1::build(&state.settings, &stats)))
}

pub async fn v2(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let stats = state.db.read_cached(cached::instance_stats).await?;
    let known_key = state.db.read(push::known_vapid_key).await?;
    let vapid_key = match known_key {
        Some(key) => key,
        None => state.db.write(|tx| push::vapid_public_key(tx)).await?,
    };
    Ok(HttpResponse::Ok().json(InstanceV2::build(&state.settings, &stats, &vapid_key)))
}

const NODEINFO_VERSIONS: [&str; 2] = ["2.0", "2.1"];

pub async fn nodeinfo_index(state: web::Data<AppState>) -> HttpResponse {
    let base = state.settings.base_url();
    let links: Vec<serde_json::Value> = NODEINFO_VERSIONS
        .iter()
        .map(|version| json!({ "rel": format!("http://nodeinfo.diaspora.software/ns/schema/{version}"), "href": format!("{base}/nodeinfo/{version}") }))
        .collect();
    HttpResponse::Ok().json(json!({ "links": links }))
}

/// NodeInfo names the software truthfully; `metadata.upstream` says which API it speaks (megalodon and other
/// clients read it to pick their Mastodon driver).
pub async fn nodeinfo(state: web::Data<AppState>, version: web::Path<String>) -> AppResult<HttpResponse> {
    let version = NODEINFO_VERSIONS.iter().find(|known| **known == version.as_str()).ok_or(AppError::NotFound)?;
    let stats = state.db.read_cached(cached::instance_stats).await?;
    let settings = &state.settings;
    Ok(HttpResponse::Ok()
        .content_type(format!("application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""))
        .json(json!({
            "version": version,
            "software": { "name": "hallway", "version": env!("CARGO_PKG_VERSION") },
            "protocols": ["activitypub"],
            "services": { "outbound": [], "inbound": [] },
            "usage": {
                "users": { "total": stats.user_count, "activeMonth": stats.user_count, "activeHalfyear": stats.user_count },
                "localPosts": stats.status_count
            },
            "openRegistrations": settings.registrations != Registrations::Closed,
            "metadata": {
                "nodeName": settings.title,
                "nodeDescription": settings.description,
                "upstream": { "name": "mastodon", "version": crate::api::entities::MASTODON_VERSION }
            }
        })))
}

pub async fn custom_emojis(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let found = state.db.read(emojis::local).await?;
    Ok(HttpResponse::Ok().json(CustomEmoji::list(&found, &state.settings)))
}

pub async fn preferences(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:accounts"])?;
    Ok(HttpResponse::Ok().json(Preferences::from_user(&me.user, &state.settings)))
}

#[derive(Deserialize)]
pub struct MarkersQuery {
    #[serde(default, deserialize_with = "flex::string_list")]
    timeline: Vec<String>,
}

pub async fn markers(state: web::Data<AppState>, auth: Auth, Query(query): Query<MarkersQuery>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:statuses"])?;
    let found = state.db.read(move |conn| instance::markers(conn, &me.account, &query.timeline)).await?;
    let body: BTreeMap<String, Marker> = found.iter().map(|m| (m.timeline.clone(), Marker::from_row(m))).collect();
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
pub struct MarkerChange {
    #[serde(default, deserialize_with = "flex::string_opt")]
    last_read_id: Option<String>,
}

pub async fn set_markers(state: web::Data<AppState>, auth: Auth, Params(input): Params<BTreeMap<String, serde_json::Value>>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let mut changes = Vec::new();
    for timeline in instance::MARKER_TIMELINES {
        if let Some(value) = input.get(*timeline) {
            let change: MarkerChange = serde_json::from_value(value.clone())
                .map_err(|e| crate::error::AppError::validation(e.to_string()))?;
            changes.push((timeline.to_string(), change.last_read_id.unwrap_or_default()));
        }
    }
    let saved = state
        .db
        .write(move |conn| {
            changes.iter().map(|(timeline, id)| instance::set_marker(conn, &me.account, timeline, id)).collect::<AppResult<Vec<_>>>()
        })
        .await?;
    let body: BTreeMap<String, Marker> = saved.iter().map(|m| (m.timeline.clone(), Marker::from_row(m))).collect();
    Ok(HttpResponse::Ok().json(body))
}
