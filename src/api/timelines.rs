use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Status;
use crate::api::entities::rendered;
use crate::api::pagination::{paged_json, paged_raw_json, PageParams};
use crate::params::{flex, Query};
use crate::error::{AppError, AppResult};
use crate::service::timelines::{self, PublicScope};
use crate::service::views::StatusView;
use crate::state::AppState;

fn statuses_page(req: &HttpRequest, state: &AppState, found: &[StatusView]) -> HttpResponse {
    let paging_ids: Vec<i64> = found.iter().map(|v| v.status.id.0).collect();
    paged_raw_json(req, &state.settings, rendered::list(state.db.caches(), found, &state.settings), &paging_ids)
}

pub async fn home(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:statuses"])?;
    let page = page.statuses();
    let found = state.db.read_cached(move |reader| timelines::home(reader, &me.account, &page)).await?;
    Ok(statuses_page(&req, &state, &found))
}

#[derive(Deserialize)]
pub struct PublicParams {
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    local: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    remote: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    only_media: bool,
    #[serde(flatten)]
    page: PageParams,
}

impl PublicParams {
    fn scope(&self) -> PublicScope {
        let local = match (self.local, self.remote) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        };
        PublicScope { local, only_media: self.only_media }
    }
}

pub async fn public(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<PublicParams>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?;
    let page = params.page.statuses();
    let scope = params.scope();
    let found = state.db.read_cached(move |reader| timelines::public(reader, viewer.as_ref(), scope, &page)).await?;
    Ok(statuses_page(&req, &state, &found))
}

pub async fn tag(req: HttpRequest, state: web::Data<AppState>, auth: Auth, name: web::Path<String>, Query(params): Query<PublicParams>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?;
    let page = params.page.statuses();
    let scope = params.scope();
    let name = name.into_inner();
    let found = state.db.read(move |conn| timelines::tag(conn, viewer.as_ref(), &name, scope, &page)).await?;
    Ok(statuses_page(&req, &state, &found))
}

#[derive(Deserialize)]
pub struct LinkParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    url: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

pub async fn link(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<LinkParams>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?;
    let url = params.url.filter(|u| !u.trim().is_empty()).ok_or_else(|| AppError::validation("Url can't be blank"))?;
    let page = params.page.statuses();
    let found = state.db.read(move |conn| timelines::link(conn, viewer.as_ref(), url.trim(), &page)).await?;
    Ok(statuses_page(&req, &state, &found))
}

pub async fn favourites(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:favourites"])?;
    let page = page.statuses();
    let found = state.db.read(move |conn| timelines::favourites(conn, &me.account, &page)).await?;
    marked_page(&req, &state, found)
}

pub async fn bookmarks(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:bookmarks"])?;
    let page = page.statuses();
    let found = state.db.read(move |conn| timelines::bookmarks(conn, &me.account, &page)).await?;
    marked_page(&req, &state, found)
}

fn marked_page(req: &HttpRequest, state: &AppState, found: Vec<(i64, StatusView)>) -> AppResult<HttpResponse> {
    let paging_ids: Vec<i64> = found.iter().map(|(mark_id, _)| *mark_id).collect();
    let body: Vec<Status> = found.iter().map(|(_, v)| Status::from_view(v, &state.settings)).collect();
    Ok(paged_json(req, &state.settings, &body, &paging_ids))
}
