//! Groups, Hallway's own API (Mastodon has none): making a group, and what its admins and moderators do.
//! Joining, posting and leaving need no API of their own: follow the group, mention it, unfollow it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::api::auth::Auth;
use crate::api::entities::{Account, Relationship};
use crate::api::pagination::{account_page, PageParams};
use crate::db::kinds::GroupRole;
use crate::error::AppResult;
use crate::params::{flex, path_id, Params, Query};
use crate::service::groups::{self, NewGroup};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::post().to(create))
        .route("", web::get().to(mine))
        .route("/{id}/statuses/{status_id}/remove", web::post().to(remove_post))
        .route("/{id}/members/{account_id}/remove", web::post().to(remove_member))
        .route("/{id}/members/{account_id}/ban", web::post().to(ban_member))
        .route("/{id}/members/{account_id}/unban", web::post().to(unban_member))
        .route("/{id}/members/{account_id}/role", web::put().to(set_role))
        .route("/{id}/join_requests", web::get().to(join_requests))
        .route("/{id}/join_requests/{account_id}/authorize", web::post().to(authorize))
        .route("/{id}/join_requests/{account_id}/reject", web::post().to(reject));
}

#[derive(Deserialize)]
pub struct GroupParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    username: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    note: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    private: bool,
}

/// A group one runs, with one's role in it.
#[derive(Serialize)]
struct RunGroup {
    group: Account,
    role: &'static str,
}

/// `POST /api/v1/groups`: a new group, run by the caller; answers its account.
async fn create(state: web::Data<AppState>, auth: Auth, Params(input): Params<GroupParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let new_group = NewGroup {
        username: input.username.unwrap_or_default(),
        display_name: input.display_name.unwrap_or_default(),
        note: input.note.unwrap_or_default(),
        private: input.private,
    };
    let settings = state.settings.clone();
    let group = state.db.write(move |tx| groups::create(tx, &settings, &me.account, new_group)).await?;
    Ok(HttpResponse::Ok().json(Account::from_row(&group, &state.settings)))
}

/// `GET /api/v1/groups`: the groups the caller runs.
async fn mine(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:accounts"])?;
    let run = state.db.read(move |conn| groups::run_by_me(conn, &me.account)).await?;
    let body: Vec<RunGroup> = run.iter().map(|(group, role)| RunGroup { group: Account::from_row(group, &state.settings), role: role.as_str() }).collect();
    Ok(HttpResponse::Ok().json(body))
}

async fn remove_post(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let (group, status) = (path_id(&ids.0)?, path_id(&ids.1)?);
    let view = state.db.write(move |tx| groups::remove_post(tx, &me.account, group, status)).await?;
    Ok(HttpResponse::Ok().json(crate::api::entities::Status::from_view(&view, &state.settings)))
}

async fn remove_member(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    removal(state, auth, ids, false).await
}

async fn ban_member(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    removal(state, auth, ids, true).await
}

async fn removal(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>, ban: bool) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let (group, member) = (path_id(&ids.0)?, path_id(&ids.1)?);
    let relationship = state.db.write(move |tx| groups::remove_member(tx, &me.account, group, member, ban)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&relationship)))
}

async fn unban_member(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let (group, member) = (path_id(&ids.0)?, path_id(&ids.1)?);
    state.db.write(move |tx| groups::unban(tx, &me.account, group, member)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

#[derive(Deserialize)]
pub struct RoleParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    role: Option<String>,
}

/// `PUT /api/v1/groups/:id/members/:account_id/role` with `role` admin, moderator or member.
async fn set_role(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>, Params(input): Params<RoleParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let (group, member) = (path_id(&ids.0)?, path_id(&ids.1)?);
    let role = match input.role.as_deref().unwrap_or_default() {
        "member" => None,
        text => Some(GroupRole::parse_as("role", text)?),
    };
    state.db.write(move |tx| groups::set_role(tx, &me.account, group, member, role)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "role": role.map_or("member", GroupRole::as_str) })))
}

async fn join_requests(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:follows"])?;
    let group = path_id(&id)?;
    let page = page.accounts();
    let limit = page.limit;
    let listed = state.db.read(move |conn| groups::join_requests(conn, &me.account, group, &page)).await?;
    Ok(account_page(&req, &state.settings, &listed, limit))
}

async fn authorize(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    answer(state, auth, ids, true).await
}

async fn reject(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    answer(state, auth, ids, false).await
}

async fn answer(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>, accept: bool) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let (group, requester) = (path_id(&ids.0)?, path_id(&ids.1)?);
    let relationship = state.db.write(move |tx| groups::answer_join_request(tx, &me.account, group, requester, accept)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&relationship)))
}
