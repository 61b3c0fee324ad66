use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Notification;
use crate::api::pagination::{paged_json, PageParams};
use crate::api::params::{flex, path_id, Query};
use crate::error::AppResult;
use crate::service::notifications::{self, Filter};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default, deserialize_with = "flex::string_list")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "flex::string_list")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    account_id: Option<i64>,
    #[serde(flatten)]
    page: PageParams,
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<ListParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let page = params.page.page(40, 80);
    let filter = Filter { types: params.types, exclude_types: params.exclude_types, account_id: params.account_id };
    let found = state.db.read(move |conn| notifications::list(conn, &me.account, &filter, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|n| n.notification.id).collect();
    let body: Vec<Notification> = found.iter().map(|n| Notification::from_view(n, &state.settings)).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| notifications::get(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Notification::from_view(&found, &state.settings)))
}

pub async fn dismiss(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| notifications::dismiss(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn clear(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    state.db.write(move |conn| notifications::clear(conn, &me.account)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn unread_count(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let count = state.db.read(move |conn| notifications::unread_count(conn, &me.account)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "count": count })))
}
