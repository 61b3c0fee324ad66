//! `/api/v1/announcements`: the admins' announcements as each user sees them, their dismissals and reactions.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Announcement;
use crate::error::AppResult;
use crate::params::{flex, path_id, Query};
use crate::service::announcements;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list))
        .route("/{id}/dismiss", web::post().to(dismiss))
        .route("/{id}/reactions/{name}", web::put().to(react))
        .route("/{id}/reactions/{name}", web::delete().to(unreact));
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    with_dismissed: bool,
}

pub async fn list(state: web::Data<AppState>, auth: Auth, Query(params): Query<ListParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read"])?;
    let settings = state.settings.clone();
    let found = state.db.read(move |conn| announcements::list(conn, &settings, me.account.id, params.with_dismissed)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|view| Announcement::from_view(view, &state.settings)).collect::<Vec<_>>()))
}

pub async fn dismiss(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| announcements::dismiss(conn, me.account.id, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn react(state: web::Data<AppState>, auth: Auth, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:favourites"])?;
    let (id, name) = path.into_inner();
    let id = path_id(&id)?;
    state.db.write(move |tx| announcements::react(tx, me.account.id, id, &name)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn unreact(state: web::Data<AppState>, auth: Auth, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:favourites"])?;
    let (id, name) = path.into_inner();
    let id = path_id(&id)?;
    state.db.write(move |tx| announcements::unreact(tx, me.account.id, id, &name)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
