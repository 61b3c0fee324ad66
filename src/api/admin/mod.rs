//! Mastodon's admin API: accounts and reports (admins and moderators), the peer allowlist as `domain_allows`
//! and the instance's blocks (admins only); and Hallway's own audit log (`/api/v1/admin/audit_log`: read
//! only, for admins and moderators). Each endpoint checks the role and its granular `admin:` scope.

mod accounts;
mod announcements;
mod blocks;
mod measures;
mod reports;
mod trends;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::{Auth, UserSession};
use crate::api::entities::{AuditEntry, DomainAllow};
use crate::api::pagination::{paged_json, PageParams};
use crate::params::{flex, path_id, time_or_date, Params, Query};
use crate::db::kinds::{AuditAction, AuditTarget, Role};
use crate::error::{AppError, AppResult};
use crate::ids::AccountId;
use crate::service::audit::{self, Actor, AuditFilter};
use crate::service::peers;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/domain_allows", web::get().to(list))
        .route("/domain_allows", web::post().to(create))
        .route("/domain_allows/{id}", web::get().to(show))
        .route("/domain_allows/{id}", web::delete().to(delete))
        .route("/audit_log", web::get().to(audit_log))
        .configure(accounts::routes)
        .configure(announcements::routes)
        .configure(reports::routes)
        .configure(blocks::routes)
        .configure(measures::routes)
        .configure(trends::routes);
}

/// The v2 admin routes (accounts).
pub fn v2_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts", web::get().to(accounts::list_v2));
}

fn admin(auth: &Auth, scope: &str) -> AppResult<UserSession> {
    with_role(auth, scope, &[Role::Admin])
}

/// Admins and moderators.
fn staff(auth: &Auth, scope: &str) -> AppResult<UserSession> {
    with_role(auth, scope, &[Role::Admin, Role::Moderator])
}

fn with_role(auth: &Auth, scope: &str, roles: &[Role]) -> AppResult<UserSession> {
    let me = auth.user(&[scope])?;
    if roles.contains(&me.user.role) {
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
    let me = admin(&auth, "admin:write:domain_allows")?;
    let domain = input.domain.unwrap_or_default();
    let peer = state.db.write(move |conn| peers::allow(conn, &Actor::of(&me.account), &domain)).await?;
    Ok(HttpResponse::Ok().json(DomainAllow::from_row(&peer)))
}

pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:domain_allows")?;
    let id = path_id(&id)?;
    state.db.write(move |conn| peers::remove_by_id(conn, &Actor::of(&me.account), id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

#[derive(Deserialize)]
pub struct AuditParams {
    #[serde(default, deserialize_with = "flex::id_opt")]
    account_id: Option<AccountId>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    action: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    target_type: Option<String>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    target_id: Option<i64>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    start_at: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    end_at: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

impl AuditParams {
    fn filter(&self) -> AppResult<AuditFilter> {
        Ok(AuditFilter {
            actor: self.account_id,
            action: self.action.as_deref().map(|text| AuditAction::parse_as("action", text)).transpose()?,
            target_type: self.target_type.as_deref().map(|text| AuditTarget::parse_as("target_type", text)).transpose()?,
            target_id: self.target_id,
            start_at: self.start_at.as_deref().map(|text| time_or_date("start_at", text)).transpose()?,
            end_at: self.end_at.as_deref().map(|text| time_or_date("end_at", text)).transpose()?,
        })
    }
}


/// Hallway's audit log, newest first, for admins and moderators.
pub async fn audit_log(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<AuditParams>) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read")?;
    let filter = params.filter()?;
    let page = params.page.page(100, 200);
    let found = state.db.read(move |conn| audit::page(conn, &filter, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|entry| entry.id).collect();
    let body: Vec<AuditEntry> = found.iter().map(AuditEntry::from_row).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}
