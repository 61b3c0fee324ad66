use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::{Account, GroupedNotifications, Notification};
use crate::api::pagination::{paged_json, PageParams};
use crate::params::{flex, path_id, Query};
use crate::error::AppResult;
use crate::service::notification_groups::{self, GroupQuery};
use crate::service::notifications::{self, Filter};
use crate::state::AppState;
use crate::ids::AccountId;

/// Which notifications a list keeps, in v1 and v2 alike.
#[derive(Deserialize)]
pub struct KindParams {
    #[serde(default, deserialize_with = "flex::string_list")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "flex::string_list")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "flex::id_opt")]
    account_id: Option<AccountId>,
}

impl KindParams {
    fn filter(self) -> Filter {
        Filter { types: self.types, exclude_types: self.exclude_types, account_id: self.account_id }
    }
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    kinds: KindParams,
    #[serde(flatten)]
    page: PageParams,
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<ListParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let page = params.page.page(40, 80);
    let filter = params.kinds.filter();
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

#[derive(Deserialize)]
pub struct GroupedParams {
    #[serde(flatten)]
    kinds: KindParams,
    #[serde(default, deserialize_with = "flex::string_list_opt")]
    grouped_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    expand_accounts: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

impl GroupedParams {
    fn query(self) -> GroupQuery {
        GroupQuery::new(self.kinds.filter(), self.grouped_types)
    }

    fn partial(&self) -> bool {
        self.expand_accounts.as_deref() == Some("partial_avatars")
    }
}

pub async fn grouped(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<GroupedParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let page = params.page.page(40, 80);
    let partial = params.partial();
    let query = params.query();
    let found = state.db.read(move |conn| notification_groups::page(conn, &me.account, &query, &page)).await?;
    // Next pages go below the oldest notification shown, previous ones above the newest.
    let bounds: Vec<i64> = match (found.iter().map(|g| g.page_max_id).max(), found.iter().map(|g| g.page_min_id).min()) {
        (Some(newest), Some(oldest)) => vec![newest, oldest],
        _ => Vec::new(),
    };
    Ok(paged_json(&req, &state.settings, &GroupedNotifications::from_views(&found, partial, &state.settings), &bounds))
}

pub async fn group(state: web::Data<AppState>, auth: Auth, key: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let found = state.db.read(move |conn| notification_groups::get(conn, &me.account, &key)).await?;
    Ok(HttpResponse::Ok().json(GroupedNotifications::from_views(&[found], false, &state.settings)))
}

pub async fn group_accounts(state: web::Data<AppState>, auth: Auth, key: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let found = state.db.read(move |conn| notification_groups::accounts_of(conn, &me.account, &key)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|a| Account::from_row(a, &state.settings)).collect::<Vec<_>>()))
}

pub async fn dismiss_group(state: web::Data<AppState>, auth: Auth, key: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    state.db.write(move |conn| notification_groups::dismiss(conn, &me.account, &key)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn grouped_unread_count(state: web::Data<AppState>, auth: Auth, Query(params): Query<GroupedParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let limit = params.page.limit.unwrap_or(100).clamp(1, 1000);
    let query = params.query();
    let count = state.db.read(move |conn| notification_groups::unread_count(conn, &me.account, &query, limit)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "count": count })))
}
