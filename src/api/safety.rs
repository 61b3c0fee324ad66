use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Relationship;
use crate::api::pagination::{account_page, paged_json, PageParams};
use crate::params::{flex, path_id, Params, Query};
use crate::error::{AppError, AppResult};
use crate::service::safety;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct MuteParams {
    #[serde(default, deserialize_with = "flex::bool_opt")]
    notifications: Option<bool>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    duration: Option<i64>,
}

fn relationship(result: AppResult<crate::service::accounts::Relationship>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(Relationship::from_view(&result?)))
}

pub async fn mute(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<MuteParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:mutes"])?;
    let id = path_id(&id)?;
    let notifications = input.notifications.unwrap_or(true);
    let done = state.db.write(move |conn| safety::mute(conn, &me.account, id, notifications, input.duration)).await;
    relationship(done)
}

pub async fn unmute(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:mutes"])?;
    let id = path_id(&id)?;
    let done = state.db.write(move |conn| safety::unmute(conn, &me.account, id)).await;
    relationship(done)
}

pub async fn block(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:blocks"])?;
    let id = path_id(&id)?;
    let done = state.db.write(move |conn| safety::block(conn, &me.account, id)).await;
    relationship(done)
}

pub async fn unblock(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:blocks"])?;
    let id = path_id(&id)?;
    let done = state.db.write(move |conn| safety::unblock(conn, &me.account, id)).await;
    relationship(done)
}

pub async fn mutes(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:mutes"])?;
    let page = page.accounts();
    let limit = page.limit;
    let listed = state.db.read(move |conn| safety::mutes(conn, &me.account, &page)).await?;
    Ok(account_page(&req, &state.settings, &listed, limit))
}

pub async fn blocks(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:blocks"])?;
    let page = page.accounts();
    let limit = page.limit;
    let listed = state.db.read(move |conn| safety::blocks(conn, &me.account, &page)).await?;
    Ok(account_page(&req, &state.settings, &listed, limit))
}

#[derive(Deserialize)]
pub struct DomainParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    domain: Option<String>,
}

pub async fn domain_blocks(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:blocks"])?;
    let page = page.page(100, 200);
    let listed = state.db.read(move |conn| safety::domain_blocks(conn, &me.account, &page)).await?;
    let paging_ids: Vec<i64> = listed.iter().map(|(paging_id, _)| *paging_id).collect();
    let body: Vec<&String> = listed.iter().map(|(_, domain)| domain).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn block_domain(state: web::Data<AppState>, auth: Auth, Params(input): Params<DomainParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:blocks"])?;
    let domain = input.domain.ok_or_else(|| AppError::validation("Domain can't be blank"))?;
    state.db.write(move |conn| safety::block_domain(conn, &me.account, &domain)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn unblock_domain(state: web::Data<AppState>, auth: Auth, Params(input): Params<DomainParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:blocks"])?;
    let domain = input.domain.ok_or_else(|| AppError::validation("Domain can't be blank"))?;
    state.db.write(move |conn| safety::unblock_domain(conn, &me.account, &domain)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
