//! `/api/v1/admin/reports`: reports as moderators handle them.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::staff;
use crate::api::auth::Auth;
use crate::api::entities::AdminReport;
use crate::api::pagination::{paged_json, PageParams};
use crate::error::{AppError, AppResult};
use crate::ids::AccountId;
use crate::params::{flex, path_id, Query};
use crate::service::moderation::Staff;
use crate::service::reports::{self, Handling, ReportFilter};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports", web::get().to(list))
        .route("/reports/{id}", web::get().to(show))
        .route("/reports/{id}/{handling}", web::post().to(handle));
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default, deserialize_with = "flex::bool_opt")]
    resolved: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    unresolved: Option<bool>,
    #[serde(default, deserialize_with = "flex::id_opt")]
    account_id: Option<AccountId>,
    #[serde(default, deserialize_with = "flex::id_opt")]
    target_account_id: Option<AccountId>,
    #[serde(flatten)]
    page: PageParams,
}

impl ListParams {
    /// Unresolved reports unless `resolved` is asked for; both when both are.
    fn filter(&self) -> ReportFilter {
        let resolved = match (self.resolved == Some(true), self.unresolved == Some(true)) {
            (true, true) => None,
            (true, false) => Some(true),
            _ => Some(false),
        };
        ReportFilter { resolved, reporter: self.account_id, target: self.target_account_id }
    }
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<ListParams>) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read:reports")?;
    let filter = params.filter();
    let page = params.page.page(100, 200);
    let found = state.db.read(move |conn| reports::admin_page(conn, &filter, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|view| view.report.id).collect();
    let body: Vec<AdminReport> = found.iter().map(|view| AdminReport::from_view(view, &state.settings)).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read:reports")?;
    let id = path_id(&id)?;
    let view = state.db.read(move |conn| reports::admin_get(conn, id)).await?;
    Ok(HttpResponse::Ok().json(AdminReport::from_view(&view, &state.settings)))
}

/// `POST /api/v1/admin/reports/:id/{assign_to_self,unassign,resolve,reopen}`.
pub async fn handle(state: web::Data<AppState>, auth: Auth, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let me = staff(&auth, "admin:write:reports")?;
    let (id, word) = path.into_inner();
    let id = path_id(&id)?;
    let handling = match word.as_str() {
        "assign_to_self" => Handling::AssignToSelf,
        "unassign" => Handling::Unassign,
        "resolve" => Handling::Resolve,
        "reopen" => Handling::Reopen,
        _ => return Err(AppError::NotFound),
    };
    let acting = Staff::of(&me.account, &me.user);
    let view = state.db.write(move |conn| reports::handle(conn, &acting, id, handling)).await?;
    Ok(HttpResponse::Ok().json(AdminReport::from_view(&view, &state.settings)))
}
