//! `/api/v1/admin/trends/{tags,statuses,links}`: what could trend, with the moderators' verdicts, and
//! `…/:id/approve` / `…/:id/reject` (admins and moderators).

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::staff;
use crate::api::auth::Auth;
use crate::api::discovery::link_card;
use crate::api::entities::{Status, TagEntity};
use crate::db::kinds::TrendKind;
use crate::error::{AppError, AppResult};
use crate::params::path_id;
use crate::service::audit::Actor;
use crate::config::Settings;
use crate::ids::StatusId;
use crate::service::discovery::{self, link_id, Candidate, TrendingLink};
use crate::service::tags::TagView;
use crate::service::views::StatusView;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/trends/tags", web::get().to(tags))
        .route("/trends/statuses", web::get().to(statuses))
        .route("/trends/links", web::get().to(links))
        .route("/trends/{kind}/{id}/{verdict}", web::post().to(review));
}

/// The entity with the review fields Mastodon's admin trends add.
fn reviewed<T>(candidate: &Candidate<T>, mut entity: Value) -> Value {
    entity["trendable"] = json!(candidate.trendable);
    entity["requires_review"] = json!(candidate.requires_review);
    entity["usable"] = json!(true);
    entity["listable"] = json!(true);
    entity
}

fn to_value(entity: impl serde::Serialize) -> Value {
    serde_json::to_value(entity).unwrap_or(Value::Null)
}

fn tag_entity(candidate: &Candidate<TagView>, settings: &Settings) -> Value {
    reviewed(candidate, to_value(TagEntity::from_view(&candidate.item, settings)))
}

fn status_entity(candidate: &Candidate<StatusView>, settings: &Settings) -> Value {
    reviewed(candidate, to_value(Status::from_view(&candidate.item, settings)))
}

fn link_entity(candidate: &Candidate<TrendingLink>) -> Value {
    let mut card = reviewed(candidate, link_card(&candidate.item));
    card["id"] = json!(link_id(&candidate.item.url).to_string());
    card
}

pub async fn tags(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = staff(&auth, "admin:read")?;
    let review = state.settings.trends_require_review;
    let found = state.db.read(move |conn| discovery::tag_candidates(conn, &me.account, review)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|c| tag_entity(c, &state.settings)).collect::<Vec<_>>()))
}

pub async fn statuses(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = staff(&auth, "admin:read")?;
    let review = state.settings.trends_require_review;
    let found = state.db.read(move |conn| discovery::status_candidates(conn, &me.account, review)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|c| status_entity(c, &state.settings)).collect::<Vec<_>>()))
}

pub async fn links(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read")?;
    let review = state.settings.trends_require_review;
    let found = state.db.read(move |conn| discovery::link_candidates(conn, review)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(link_entity).collect::<Vec<_>>()))
}

/// Approves or rejects one, and answers it with its verdict.
pub async fn review(state: web::Data<AppState>, auth: Auth, path: web::Path<(String, String, String)>) -> AppResult<HttpResponse> {
    let me = staff(&auth, "admin:write")?;
    let (kind, id, verdict) = path.into_inner();
    let kind = match kind.as_str() {
        "tags" => TrendKind::Tag,
        "statuses" => TrendKind::Status,
        "links" => TrendKind::Link,
        _ => return Err(AppError::NotFound),
    };
    let trendable = match verdict.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::NotFound),
    };
    let id: i64 = path_id(&id)?;
    let require_review = state.settings.trends_require_review;
    let settings = state.settings.clone();
    let entity = state
        .db
        .write(move |conn| {
            discovery::review(conn, &Actor::of(&me.account), kind, id, trendable)?;
            Ok(match kind {
                TrendKind::Tag => tag_entity(&discovery::tag_candidate(conn, &me.account, id, require_review)?, &settings),
                TrendKind::Status => status_entity(&discovery::status_candidate(conn, &me.account, StatusId(id), require_review)?, &settings),
                TrendKind::Link => link_entity(&discovery::link_candidate(conn, id, require_review)?),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(entity))
}
