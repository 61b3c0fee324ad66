use actix_web::{web, HttpRequest, HttpResponse};

use crate::api::auth::Auth;
use crate::api::entities::Conversation;
use crate::api::pagination::{paged_json, PageParams};
use crate::params::{path_id, Query};
use crate::error::AppResult;
use crate::service::conversations;
use crate::state::AppState;

pub async fn list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:statuses"])?;
    let page = page.statuses();
    let found = state.db.read(move |conn| conversations::list(conn, &me.account, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|c| c.conversation.last_status_id.0).collect();
    let body: Vec<Conversation> = found.iter().map(|c| Conversation::from_view(c, &state.settings)).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn read(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:conversations"])?;
    let id = path_id(&id)?;
    let found = state.db.write(move |conn| conversations::read(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Conversation::from_view(&found, &state.settings)))
}

pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:conversations"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| conversations::delete(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
