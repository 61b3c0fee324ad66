use actix_web::{web, HttpRequest, HttpResponse};

use crate::api::auth::Auth;
use crate::api::entities::TagEntity;
use crate::api::pagination::{paged_json, PageParams};
use crate::params::Query;
use crate::error::AppResult;
use crate::service::tags;
use crate::state::AppState;

pub async fn show(state: web::Data<AppState>, auth: Auth, name: web::Path<String>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?;
    let name = name.into_inner();
    let found = state.db.read(move |conn| tags::get(conn, viewer.as_ref(), &name)).await?;
    Ok(HttpResponse::Ok().json(TagEntity::from_view(&found, &state.settings)))
}

pub async fn follow(state: web::Data<AppState>, auth: Auth, name: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let name = name.into_inner();
    let found = state.db.write(move |conn| tags::follow(conn, &me.account, &name)).await?;
    Ok(HttpResponse::Ok().json(TagEntity::from_view(&found, &state.settings)))
}

pub async fn unfollow(state: web::Data<AppState>, auth: Auth, name: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let name = name.into_inner();
    let found = state.db.write(move |conn| tags::unfollow(conn, &me.account, &name)).await?;
    Ok(HttpResponse::Ok().json(TagEntity::from_view(&found, &state.settings)))
}

pub async fn followed(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:follows"])?;
    let page = page.page(100, 200);
    let listed = state.db.read(move |conn| tags::followed(conn, &me.account, &page)).await?;
    let paging_ids: Vec<i64> = listed.iter().map(|(paging_id, _)| *paging_id).collect();
    let body: Vec<TagEntity> = listed.iter().map(|(_, t)| TagEntity::from_view(t, &state.settings)).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn feature(state: web::Data<AppState>, auth: Auth, name: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let name = name.into_inner();
    let found = state.db.write(move |conn| tags::feature(conn, &me.account, &name)).await?;
    Ok(HttpResponse::Ok().json(TagEntity::from_view(&found, &state.settings)))
}

pub async fn unfeature(state: web::Data<AppState>, auth: Auth, name: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let name = name.into_inner();
    let found = state.db.write(move |conn| tags::unfeature(conn, &me.account, &name)).await?;
    Ok(HttpResponse::Ok().json(TagEntity::from_view(&found, &state.settings)))
}
