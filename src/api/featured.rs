use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::{FeaturedTag, Relationship, TagEntity};
use crate::api::pagination::{account_page, PageParams};
use crate::params::{flex, path_id, Params, Query};
use crate::error::AppResult;
use crate::service::{accounts, featured, tags};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct FeatureParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    name: Option<String>,
}

pub async fn mine(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:accounts"])?;
    let url = me.account.url.clone();
    let found = state.db.read(move |conn| featured::featured_tags(conn, &me.account)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|f| FeaturedTag::from_view(f, &url)).collect::<Vec<_>>()))
}

pub async fn of_account(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    auth.viewer(&["read:accounts"])?;
    let id = path_id(&id)?;
    let (account, found) = state
        .db
        .read(move |conn| {
            let account = accounts::get(conn, id)?;
            let found = featured::featured_tags(conn, &account)?;
            Ok((account, found))
        })
        .await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|f| FeaturedTag::from_view(f, &account.url)).collect::<Vec<_>>()))
}

pub async fn create(state: web::Data<AppState>, auth: Auth, Params(input): Params<FeatureParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let url = me.account.url.clone();
    let name = input.name.unwrap_or_default();
    let made = state.db.write(move |conn| featured::feature_tag(conn, &me.account, &name)).await?;
    Ok(HttpResponse::Ok().json(FeaturedTag::from_view(&made, &url)))
}

pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| featured::unfeature_tag(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn suggestions(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:accounts"])?;
    let found = state
        .db
        .read(move |conn| {
            let suggested = featured::suggested_tags(conn, &me.account)?;
            suggested.into_iter().map(|tag| tags::view(conn, Some(&me.account), tag)).collect::<AppResult<Vec<_>>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|t| TagEntity::from_view(t, &state.settings)).collect::<Vec<_>>()))
}

pub async fn endorse(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let id = path_id(&id)?;
    let relationship = state.db.write(move |conn| featured::endorse(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&relationship)))
}

pub async fn unendorse(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let id = path_id(&id)?;
    let relationship = state.db.write(move |conn| featured::unendorse(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&relationship)))
}

pub async fn endorsements(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:accounts"])?;
    let page = page.accounts();
    let limit = page.limit;
    let listed = state.db.read(move |conn| featured::endorsements(conn, &me.account, &page)).await?;
    Ok(account_page(&req, &state.settings, &listed, limit))
}
