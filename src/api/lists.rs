use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::{List, Status};
use crate::api::pagination::{account_page, paged_json, PageParams};
use crate::params::{flex, path_id, Params, Query};
use crate::ids::AccountId;
use crate::error::AppResult;
use crate::service::lists::{self, ListChange};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    title: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    replies_policy: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    exclusive: Option<bool>,
}

impl ListParams {
    fn change(self) -> ListChange {
        ListChange { title: self.title, replies_policy: self.replies_policy, exclusive: self.exclusive }
    }
}

#[derive(Deserialize)]
pub struct AccountIds {
    #[serde(default, deserialize_with = "flex::id_list")]
    account_ids: Vec<AccountId>,
}

pub async fn index(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:lists"])?;
    let found = state.db.read(move |conn| lists::all(conn, &me.account)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(List::from_row).collect::<Vec<_>>()))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:lists"])?;
    let id = path_id(&id)?;
    let list = state.db.read(move |conn| lists::get(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(List::from_row(&list)))
}

pub async fn create(state: web::Data<AppState>, auth: Auth, Params(input): Params<ListParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:lists"])?;
    let list = state.db.write(move |conn| lists::create(conn, &me.account, input.change())).await?;
    Ok(HttpResponse::Ok().json(List::from_row(&list)))
}

pub async fn update(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<ListParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:lists"])?;
    let id = path_id(&id)?;
    let list = state.db.write(move |conn| lists::update(conn, &me.account, id, input.change())).await?;
    Ok(HttpResponse::Ok().json(List::from_row(&list)))
}

pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:lists"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| lists::delete(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn accounts(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:lists"])?;
    let id = path_id(&id)?;
    // Mastodon: limit=0 lists every member.
    let page = if page.limit == Some(0) { page.page(i64::MAX, i64::MAX) } else { page.accounts() };
    let limit = page.limit;
    let found = state.db.read(move |conn| lists::members(conn, &me.account, id, &page)).await?;
    Ok(account_page(&req, &state.settings, &found, limit))
}

pub async fn add_accounts(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<AccountIds>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:lists"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| lists::add_accounts(conn, &me.account, id, &input.account_ids)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn remove_accounts(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<AccountIds>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:lists"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| lists::remove_accounts(conn, &me.account, id, &input.account_ids)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn timeline(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:lists"])?;
    let id = path_id(&id)?;
    let page = page.statuses();
    let found = state.db.read(move |conn| lists::timeline(conn, &me.account, id, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|v| v.status.id.0).collect();
    Ok(paged_json(&req, &state.settings, &Status::list(&found, &state.settings), &paging_ids))
}

pub async fn of_account(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:lists"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| lists::containing(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(List::from_row).collect::<Vec<_>>()))
}
