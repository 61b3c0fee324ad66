//! `/api/v1/admin/accounts` and `/api/v2/admin/accounts`: accounts as moderators see them, and what they do.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::staff;
use crate::api::auth::Auth;
use crate::api::entities::{AdminAccount, Role};
use crate::api::pagination::{paged_json, PageParams};
use crate::db::kinds::{self, AccountAction};
use crate::db::queries::accounts::{AdminFilter, ModerationStatus};
use crate::error::{AppError, AppResult};
use crate::ids::AccountId;
use crate::params::{flex, path_id, Params, Query};
use crate::service::moderation::{self, ActionInput, Reversal, Staff};
use crate::service::retention;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts", web::get().to(list_v1))
        .route("/accounts/{id}", web::get().to(show))
        .route("/accounts/{id}", web::delete().to(delete))
        .route("/accounts/{id}/action", web::post().to(act))
        .route("/accounts/{id}/legal_hold", web::get().to(show_hold))
        .route("/accounts/{id}/legal_hold", web::post().to(place_hold))
        .route("/accounts/{id}/legal_hold", web::delete().to(lift_hold))
        .route("/accounts/{id}/{reversal}", web::post().to(reverse));
}

/// The filters v1 and v2 share.
#[derive(Deserialize)]
pub struct TextFilters {
    #[serde(default, deserialize_with = "flex::string_opt")]
    by_domain: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    username: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    email: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    ip: Option<String>,
}

impl TextFilters {
    /// The filter with these set (empty ones are none).
    fn filter(&self, local: Option<bool>, status: Option<ModerationStatus>, roles: Vec<kinds::Role>) -> AdminFilter {
        let given = |text: &Option<String>| text.clone().filter(|t| !t.is_empty());
        AdminFilter {
            local,
            by_domain: given(&self.by_domain),
            status,
            username: given(&self.username),
            display_name: given(&self.display_name),
            email: given(&self.email),
            ip: given(&self.ip),
            roles,
            text: None,
        }
    }
}

#[derive(Deserialize)]
pub struct V1Params {
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    local: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    remote: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    active: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    pending: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    disabled: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    silenced: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    suspended: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    sensitized: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    staff: bool,
    #[serde(flatten)]
    text: TextFilters,
    #[serde(flatten)]
    page: PageParams,
}

impl V1Params {
    fn filter(&self) -> AdminFilter {
        let local = match (self.local, self.remote) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        };
        let flags = [
            (self.active, ModerationStatus::Active),
            (self.pending, ModerationStatus::Pending),
            (self.disabled, ModerationStatus::Disabled),
            (self.silenced, ModerationStatus::Silenced),
            (self.suspended, ModerationStatus::Suspended),
            (self.sensitized, ModerationStatus::Sensitized),
        ];
        let status = flags.iter().find(|(set, _)| *set).map(|(_, status)| *status);
        let roles = if self.staff { vec![kinds::Role::Admin, kinds::Role::Moderator] } else { Vec::new() };
        self.text.filter(local, status, roles)
    }
}

#[derive(Deserialize)]
pub struct V2Params {
    #[serde(default, deserialize_with = "flex::string_opt")]
    origin: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    status: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    permissions: Option<String>,
    #[serde(default, deserialize_with = "flex::string_list")]
    role_ids: Vec<String>,
    #[serde(flatten)]
    text: TextFilters,
    #[serde(flatten)]
    page: PageParams,
}

impl V2Params {
    fn filter(&self) -> AppResult<AdminFilter> {
        let local = match self.origin.as_deref().filter(|o| !o.is_empty()) {
            None => None,
            Some("local") => Some(true),
            Some("remote") => Some(false),
            Some(other) => return Err(AppError::validation(format!("origin: '{other}' is not one of local, remote"))),
        };
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some("active") => Some(ModerationStatus::Active),
            Some("pending") => Some(ModerationStatus::Pending),
            Some("disabled") => Some(ModerationStatus::Disabled),
            Some("silenced") => Some(ModerationStatus::Silenced),
            Some("suspended") => Some(ModerationStatus::Suspended),
            Some(other) => return Err(AppError::validation(format!("status: '{other}' is not one of active, pending, disabled, silenced, suspended"))),
        };
        let mut roles = self.role_ids.iter().map(|id| Role::by_id(id)).collect::<AppResult<Vec<_>>>()?;
        if self.permissions.as_deref() == Some("staff") {
            roles.extend([kinds::Role::Admin, kinds::Role::Moderator]);
        }
        Ok(self.text.filter(local, status, roles))
    }
}

pub async fn list_v1(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<V1Params>) -> AppResult<HttpResponse> {
    listed(req, state, auth, params.filter(), &params.page).await
}

pub async fn list_v2(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<V2Params>) -> AppResult<HttpResponse> {
    let filter = params.filter()?;
    listed(req, state, auth, filter, &params.page).await
}

async fn listed(req: HttpRequest, state: web::Data<AppState>, auth: Auth, filter: AdminFilter, page: &PageParams) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read:accounts")?;
    let page = page.page(100, 200);
    let found = state.db.read(move |conn| moderation::list(conn, &filter, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|m| m.account.id.0).collect();
    let body: Vec<AdminAccount> = found.iter().map(|m| AdminAccount::from_managed(m, &state.settings)).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read:accounts")?;
    let id: AccountId = path_id(&id)?;
    let found = state.db.read(move |conn| moderation::get(conn, id)).await?;
    Ok(HttpResponse::Ok().json(AdminAccount::from_managed(&found, &state.settings)))
}

#[derive(Deserialize)]
pub struct ActionParams {
    #[serde(default, rename = "type", deserialize_with = "flex::string_opt")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    report_id: Option<i64>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    text: Option<String>,
}

/// `POST /api/v1/admin/accounts/:id/action`: warn, mark sensitive, disable, silence or suspend.
pub async fn act(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(params): Params<ActionParams>) -> AppResult<HttpResponse> {
    let me = staff(&auth, "admin:write:accounts")?;
    let id: AccountId = path_id(&id)?;
    let action = AccountAction::parse_as("type", params.kind.as_deref().unwrap_or("none"))?;
    let input = ActionInput { report_id: params.report_id, text: params.text.unwrap_or_default() };
    let acting = Staff::of(&me.account, &me.user);
    state.db.write(move |tx| moderation::act(tx, &acting, id, action, &input)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// `POST /api/v1/admin/accounts/:id/{approve,reject,enable,unsilence,unsuspend,unsensitive}`.
pub async fn reverse(state: web::Data<AppState>, auth: Auth, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let me = staff(&auth, "admin:write:accounts")?;
    let (id, word) = path.into_inner();
    let id: AccountId = path_id(&id)?;
    let reversal = match word.as_str() {
        "approve" => Reversal::Approve,
        "reject" => Reversal::Reject,
        "enable" => Reversal::Enable,
        "unsilence" => Reversal::Unsilence,
        "unsuspend" => Reversal::Unsuspend,
        "unsensitive" => Reversal::Unsensitive,
        _ => return Err(AppError::NotFound),
    };
    let acting = Staff::of(&me.account, &me.user);
    let managed = state.db.write(move |tx| moderation::reverse(tx, &acting, id, reversal)).await?;
    Ok(HttpResponse::Ok().json(AdminAccount::from_managed(&managed, &state.settings)))
}

/// `DELETE /api/v1/admin/accounts/:id`: a suspended account's data, for good (admins).
pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = staff(&auth, "admin:write:accounts")?;
    let id: AccountId = path_id(&id)?;
    let acting = Staff::of(&me.account, &me.user);
    let managed = state.db.write(move |tx| moderation::delete_data(tx, &acting, id)).await?;
    Ok(HttpResponse::Ok().json(AdminAccount::from_managed(&managed, &state.settings)))
}

/// Hallway's legal hold of an account: `{account_id, reason, created_at}`.
fn hold_json(hold: &crate::db::models::LegalHold) -> serde_json::Value {
    serde_json::json!({
        "account_id": hold.account_id.to_string(),
        "reason": hold.reason,
        "created_at": crate::api::entities::timestamp(&hold.created_at),
    })
}

/// `GET /api/v1/admin/accounts/:id/legal_hold` (Hallway's): the hold, or 404 when there is none.
pub async fn show_hold(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    staff(&auth, "admin:read:accounts")?;
    let id: AccountId = path_id(&id)?;
    let hold = state.db.read(move |conn| retention::hold_of(conn, id)).await?.ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(hold_json(&hold)))
}

#[derive(Deserialize)]
pub struct HoldParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    reason: Option<String>,
}

/// `POST /api/v1/admin/accounts/:id/legal_hold` with a `reason` (Hallway's; admins only).
pub async fn place_hold(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(params): Params<HoldParams>) -> AppResult<HttpResponse> {
    let me = staff(&auth, "admin:write:accounts")?;
    let id: AccountId = path_id(&id)?;
    let acting = Staff::of(&me.account, &me.user);
    let reason = params.reason.unwrap_or_default();
    let hold = state.db.write(move |tx| retention::place_hold(tx, &acting, id, &reason)).await?;
    Ok(HttpResponse::Ok().json(hold_json(&hold)))
}

pub async fn lift_hold(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = staff(&auth, "admin:write:accounts")?;
    let id: AccountId = path_id(&id)?;
    let acting = Staff::of(&me.account, &me.user);
    state.db.write(move |tx| retention::lift_hold(tx, &acting, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
