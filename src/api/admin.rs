//! The parts of Mastodon's admin API that Hallway has: the peer allowlist as `domain_allows`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::{Auth, UserSession};
use crate::api::entities::DomainAllow;
use crate::api::pagination::{paged_json, PageParams};
use crate::params::{flex, path_id, Params, Query};
use crate::db::kinds::Role;
use crate::error::{AppError, AppResult};
use crate::service::peers;
use crate::state::AppState;

fn admin(auth: &Auth, scope: &str) -> AppResult<UserSession> {
    let me = auth.user(&[scope])?;
    if me.user.role == Role::Admin {
        Ok(me)
    } else {
        Err(AppError::Forbidden("This action is not allowed".into()))
    }
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:domain_allows")?;
    let page = page.page(100, 200);
    let found = state.db.read(move |conn| peers::allowed_page(conn, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|p| p.id).collect();
    let body: Vec<DomainAllow> = found.iter().map(DomainAllow::from_row).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:domain_allows")?;
    let id = path_id(&id)?;
    let peer = state.db.read(move |conn| peers::get_allowed(conn, id)).await?;
    Ok(HttpResponse::Ok().json(DomainAllow::from_row(&peer)))
}

#[derive(Deserialize)]
pub struct AllowParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    domain: Option<String>,
}

pub async fn create(state: web::Data<AppState>, auth: Auth, Params(input): Params<AllowParams>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:write:domain_allows")?;
    let domain = input.domain.unwrap_or_default();
    let peer = state.db.write(move |conn| peers::allow(conn, &domain)).await?;
    Ok(HttpResponse::Ok().json(DomainAllow::from_row(&peer)))
}

pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:write:domain_allows")?;
    let id = path_id(&id)?;
    state.db.write(move |conn| peers::remove_by_id(conn, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
