//! The instance's blocks, for admins: `domain_blocks`, `email_domain_blocks`, `canonical_email_blocks`,
//! `ip_blocks`, as Mastodon's admin API has them.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::admin;
use crate::api::auth::Auth;
use crate::api::entities::{AdminCanonicalEmailBlock, AdminDomainBlock, AdminEmailDomainBlock, AdminIpBlock};
use crate::api::pagination::{paged_json, PageParams};
use crate::db::kinds::{DomainBlockSeverity, IpBlockSeverity};
use crate::error::AppResult;
use crate::params::{flex, path_id, Params, Query};
use crate::service::audit::Actor;
use crate::service::instance_blocks::{self as blocks, DomainBlockInput, IpBlockInput};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/domain_blocks", web::get().to(domain_list))
        .route("/domain_blocks", web::post().to(domain_create))
        .route("/domain_blocks/{id}", web::get().to(domain_show))
        .route("/domain_blocks/{id}", web::put().to(domain_update))
        .route("/domain_blocks/{id}", web::delete().to(domain_delete))
        .route("/email_domain_blocks", web::get().to(email_domain_list))
        .route("/email_domain_blocks", web::post().to(email_domain_create))
        .route("/email_domain_blocks/{id}", web::get().to(email_domain_show))
        .route("/email_domain_blocks/{id}", web::delete().to(email_domain_delete))
        .route("/canonical_email_blocks", web::get().to(canonical_list))
        .route("/canonical_email_blocks", web::post().to(canonical_create))
        .route("/canonical_email_blocks/test", web::post().to(canonical_test))
        .route("/canonical_email_blocks/{id}", web::get().to(canonical_show))
        .route("/canonical_email_blocks/{id}", web::delete().to(canonical_delete))
        .route("/ip_blocks", web::get().to(ip_list))
        .route("/ip_blocks", web::post().to(ip_create))
        .route("/ip_blocks/{id}", web::get().to(ip_show))
        .route("/ip_blocks/{id}", web::put().to(ip_update))
        .route("/ip_blocks/{id}", web::delete().to(ip_delete));
}

fn empty() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({}))
}

#[derive(Deserialize)]
pub struct DomainBlockParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    domain: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    severity: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    reject_media: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    reject_reports: Option<bool>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    private_comment: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    public_comment: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    obfuscate: Option<bool>,
}

impl DomainBlockParams {
    fn input(self) -> AppResult<DomainBlockInput> {
        Ok(DomainBlockInput {
            severity: self.severity.as_deref().map(|text| DomainBlockSeverity::parse_as("severity", text)).transpose()?,
            domain: self.domain,
            reject_media: self.reject_media,
            reject_reports: self.reject_reports,
            private_comment: self.private_comment,
            public_comment: self.public_comment,
            obfuscate: self.obfuscate,
        })
    }
}

pub async fn domain_list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:domain_blocks")?;
    let page = page.page(100, 200);
    let found = state.db.read(move |conn| blocks::domain_block_page(conn, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|b| b.id).collect();
    let body: Vec<AdminDomainBlock> = found.iter().map(AdminDomainBlock::from_row).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn domain_show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:domain_blocks")?;
    let id = path_id(&id)?;
    let block = state.db.read(move |conn| blocks::domain_block(conn, id)).await?;
    Ok(HttpResponse::Ok().json(AdminDomainBlock::from_row(&block)))
}

pub async fn domain_create(state: web::Data<AppState>, auth: Auth, Params(params): Params<DomainBlockParams>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:domain_blocks")?;
    let input = params.input()?;
    let block = state.db.write(move |conn| blocks::create_domain_block(conn, &Actor::of(&me.account), input)).await?;
    Ok(HttpResponse::Ok().json(AdminDomainBlock::from_row(&block)))
}

pub async fn domain_update(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(params): Params<DomainBlockParams>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:domain_blocks")?;
    let id = path_id(&id)?;
    let input = params.input()?;
    let block = state.db.write(move |conn| blocks::update_domain_block(conn, &Actor::of(&me.account), id, input)).await?;
    Ok(HttpResponse::Ok().json(AdminDomainBlock::from_row(&block)))
}

pub async fn domain_delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:domain_blocks")?;
    let id = path_id(&id)?;
    state.db.write(move |conn| blocks::remove_domain_block(conn, &Actor::of(&me.account), id)).await?;
    Ok(empty())
}

#[derive(Deserialize)]
pub struct EmailDomainParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    domain: Option<String>,
}

pub async fn email_domain_list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:email_domain_blocks")?;
    let page = page.page(100, 200);
    let found = state.db.read(move |conn| blocks::email_domain_block_page(conn, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|b| b.id).collect();
    let body: Vec<AdminEmailDomainBlock> = found.iter().map(AdminEmailDomainBlock::from_row).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn email_domain_show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:email_domain_blocks")?;
    let id = path_id(&id)?;
    let block = state.db.read(move |conn| blocks::email_domain_block(conn, id)).await?;
    Ok(HttpResponse::Ok().json(AdminEmailDomainBlock::from_row(&block)))
}

pub async fn email_domain_create(state: web::Data<AppState>, auth: Auth, Params(params): Params<EmailDomainParams>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:email_domain_blocks")?;
    let domain = params.domain.unwrap_or_default();
    let block = state.db.write(move |conn| blocks::create_email_domain_block(conn, &Actor::of(&me.account), &domain)).await?;
    Ok(HttpResponse::Ok().json(AdminEmailDomainBlock::from_row(&block)))
}

pub async fn email_domain_delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:email_domain_blocks")?;
    let id = path_id(&id)?;
    state.db.write(move |conn| blocks::remove_email_domain_block(conn, &Actor::of(&me.account), id)).await?;
    Ok(empty())
}

#[derive(Deserialize)]
pub struct CanonicalParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    email: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    canonical_email_hash: Option<String>,
}

pub async fn canonical_list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:canonical_email_blocks")?;
    let page = page.page(100, 200);
    let found = state.db.read(move |conn| blocks::canonical_email_block_page(conn, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|b| b.id).collect();
    let body: Vec<AdminCanonicalEmailBlock> = found.iter().map(AdminCanonicalEmailBlock::from_row).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn canonical_show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:canonical_email_blocks")?;
    let id = path_id(&id)?;
    let block = state.db.read(move |conn| blocks::canonical_email_block(conn, id)).await?;
    Ok(HttpResponse::Ok().json(AdminCanonicalEmailBlock::from_row(&block)))
}

pub async fn canonical_create(state: web::Data<AppState>, auth: Auth, Params(params): Params<CanonicalParams>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:canonical_email_blocks")?;
    let block = state
        .db
        .write(move |conn| blocks::create_canonical_email_block(conn, &Actor::of(&me.account), params.email.as_deref(), params.canonical_email_hash.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(AdminCanonicalEmailBlock::from_row(&block)))
}

/// `POST /api/v1/admin/canonical_email_blocks/test`: the blocks an address matches.
pub async fn canonical_test(state: web::Data<AppState>, auth: Auth, Params(params): Params<CanonicalParams>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:canonical_email_blocks")?;
    let email = params.email.unwrap_or_default();
    let found = state.db.read(move |conn| blocks::canonical_email_blocks_matching(conn, &email)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(AdminCanonicalEmailBlock::from_row).collect::<Vec<_>>()))
}

pub async fn canonical_delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:canonical_email_blocks")?;
    let id = path_id(&id)?;
    state.db.write(move |conn| blocks::remove_canonical_email_block(conn, &Actor::of(&me.account), id)).await?;
    Ok(empty())
}

#[derive(Deserialize)]
pub struct IpBlockParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    ip: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    severity: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    expires_in: Option<String>,
}

impl IpBlockParams {
    fn input(self) -> AppResult<IpBlockInput> {
        let expires_in = match self.expires_in.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(text) => Some(Some(text.parse::<i64>().map_err(|_| crate::error::AppError::validation("expires_in must be a number of seconds"))?)),
        };
        Ok(IpBlockInput {
            severity: self.severity.as_deref().map(|text| IpBlockSeverity::parse_as("severity", text)).transpose()?,
            ip: self.ip,
            comment: self.comment,
            expires_in,
        })
    }
}

pub async fn ip_list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:ip_blocks")?;
    let page = page.page(100, 200);
    let found = state.db.read(move |conn| blocks::ip_block_page(conn, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|b| b.id).collect();
    let body: Vec<AdminIpBlock> = found.iter().map(AdminIpBlock::from_row).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn ip_show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&auth, "admin:read:ip_blocks")?;
    let id = path_id(&id)?;
    let block = state.db.read(move |conn| blocks::ip_block(conn, id)).await?;
    Ok(HttpResponse::Ok().json(AdminIpBlock::from_row(&block)))
}

pub async fn ip_create(state: web::Data<AppState>, auth: Auth, Params(params): Params<IpBlockParams>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:ip_blocks")?;
    let input = params.input()?;
    let block = state.db.write(move |conn| blocks::create_ip_block(conn, &Actor::of(&me.account), input)).await?;
    Ok(HttpResponse::Ok().json(AdminIpBlock::from_row(&block)))
}

pub async fn ip_update(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(params): Params<IpBlockParams>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:ip_blocks")?;
    let id = path_id(&id)?;
    let input = params.input()?;
    let block = state.db.write(move |conn| blocks::update_ip_block(conn, &Actor::of(&me.account), id, input)).await?;
    Ok(HttpResponse::Ok().json(AdminIpBlock::from_row(&block)))
}

pub async fn ip_delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = admin(&auth, "admin:write:ip_blocks")?;
    let id = path_id(&id)?;
    state.db.write(move |conn| blocks::remove_ip_block(conn, &Actor::of(&me.account), id)).await?;
    Ok(empty())
}
