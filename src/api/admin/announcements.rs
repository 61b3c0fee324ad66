//! `/api/v1/admin/announcements`: Hallway's own (Mastodon has announcements only in its web admin), for
//! admins to write, change and remove announcements; drafts and ended ones are listed too.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::admin;
use crate::api::auth::Auth;
use crate::api::entities::Announcement;
use crate::api::pagination::{paged_json, PageParams};
use crate::error::AppResult;
use crate::params::{flex, path_id, time_or_date, Params, Query};
use crate::service::announcements::{self, AnnouncementInput};
use crate::service::audit::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/announcements", web::get().to(list))
        .route("/announcements", web::post().to(create))
        .route("/announcements/{id}", web::get().to(show))
        .route("/announcements/{id}", web::put().to(update))
        .route("/announcements/{id}", web::delete().to(delete));
}

#[derive(Deserialize)]
pub struct AnnouncementParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    text: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    starts_at: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    ends_at: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    all_day: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    published: Option<bool>,
    /// Hallway's own: send it to every allowed peer too.
    #[serde(default, deserialize_with = "flex::bool_opt")]
    federate: Option<bool>,
}

impl AnnouncementParams {
    /// Times as ISO 8601 or dates; an empty one clears it.
    fn input(self) -> AppResult<AnnouncementInput> {
        let when = |name: &str, text: Option<String>| -> AppResult<Option<Option<chrono::NaiveDateTime>>> {
            match text {
                None => Ok(None),
                Some(text) if text.trim().is_empty() => Ok(Some(None)),
                Some(text) => Ok(Some(Some(time_or_date(name, &text)?))),
            }
        };
        Ok(AnnouncementInput {
            starts_at: when("starts_at", self.starts_at)?,
            ends_at: when("ends_at", self.ends_at)?,
            text: self.text,
            all_day: self.all_day,
            published: self.published,
            federated: self.federate,
        })
    }
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read")?;
    let page = page.page(40, 80);
    let settings = state.settings.clone();
    let found = state.db.read(move |conn| announcements::admin_page(conn, &settings, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|view| view.announcement.id).collect();
    let body: Vec<Announcement> = found.iter().map(|view| Announcement::from_view(view, &state.settings)).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read")?;
    let id = path_id(&id)?;
    let settings = state.settings.clone();
    let view = state.db.read(move |conn| announcements::admin_get(conn, &settings, id)).await?;
    Ok(HttpResponse::Ok().json(Announcement::from_view(&view, &state.settings)))
}

pub async fn create(state: web::Data<AppState>, auth: Auth, Params(params): Params<AnnouncementParams>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write")?;
    let input = params.input()?;
    let settings = state.settings.clone();
    let view = state
        .db
        .write(move |tx| {
            let created = announcements::create(tx, &settings, &Actor::of(&me.account), input)?;
            announcements::admin_get(tx, &settings, created.id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Announcement::from_view(&view, &state.settings)))
}

pub async fn update(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(params): Params<AnnouncementParams>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write")?;
    let id = path_id(&id)?;
    let input = params.input()?;
    let settings = state.settings.clone();
    let view = state
        .db
        .write(move |tx| {
            announcements::update(tx, &Actor::of(&me.account), id, input)?;
            announcements::admin_get(tx, &settings, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Announcement::from_view(&view, &state.settings)))
}

pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write")?;
    let id = path_id(&id)?;
    state.db.write(move |tx| announcements::remove(tx, &Actor::of(&me.account), id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
