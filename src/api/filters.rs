//! `/api/v2/filters` (with keywords and statuses) and the read-only v1 view older clients ask for.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::Auth;
use crate::db::kinds::{FilterAction, FilterContext, FilterContexts};
use crate::api::entities::{Filter, FilterKeyword, FilterStatus};
use crate::params::{flex, object_list, path_id, Params};
use crate::error::{AppError, AppResult};
use crate::service::filters::{self, FilterChange, KeywordChange};
use crate::state::AppState;
use crate::ids::StatusId;

#[derive(Deserialize)]
pub struct FilterParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    title: Option<String>,
    #[serde(default, deserialize_with = "flex::string_list_opt")]
    context: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    filter_action: Option<String>,
    #[serde(default, deserialize_with = "flex::clearable_i64")]
    expires_in: Option<Option<i64>>,
    #[serde(default)]
    keywords_attributes: Value,
}

impl FilterParams {
    fn change(self) -> AppResult<FilterChange> {
        Ok(FilterChange {
            title: self.title,
            contexts: self.context.map(|words| contexts(&words)).transpose()?,
            action: self.filter_action.as_deref().map(FilterAction::parse).transpose()?,
            expires_in: self.expires_in,
            keywords: keyword_changes(self.keywords_attributes)?,
        })
    }
}

fn contexts(words: &[String]) -> AppResult<FilterContexts> {
    let parsed = words.iter().map(|word| FilterContext::parse(word)).collect::<AppResult<Vec<_>>>()?;
    Ok(FilterContexts::new(parsed))
}

/// `keywords_attributes` as a JSON array, a form list (`[][keyword]`) or a Rails indexed map (`[0][keyword]`).
fn keyword_changes(value: Value) -> AppResult<Vec<KeywordChange>> {
    let listed: Vec<KeywordParams> = object_list("keywords_attributes", value, &["keyword", "id"])?;
    Ok(listed
        .into_iter()
        .map(|params| KeywordChange { id: params.id, keyword: params.keyword, whole_word: params.whole_word, destroy: params.destroy })
        .collect())
}

#[derive(Deserialize)]
struct KeywordParams {
    #[serde(default, deserialize_with = "flex::i64_opt")]
    id: Option<i64>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    keyword: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    whole_word: Option<bool>,
    #[serde(default, rename = "_destroy", deserialize_with = "flex::bool_or_false")]
    destroy: bool,
}

#[derive(Deserialize)]
pub struct OneKeyword {
    #[serde(default, deserialize_with = "flex::string_opt")]
    keyword: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    whole_word: Option<bool>,
}

#[derive(Deserialize)]
pub struct OneStatus {
    #[serde(default, deserialize_with = "flex::id_opt")]
    status_id: Option<StatusId>,
}

pub async fn index(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:filters"])?;
    let found = state.db.read(move |conn| filters::all(conn, &me.account)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(Filter::from_view).collect::<Vec<_>>()))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:filters"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| filters::get(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Filter::from_view(&found)))
}

pub async fn create(state: web::Data<AppState>, auth: Auth, Params(input): Params<FilterParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:filters"])?;
    let change = input.change()?;
    let created = state.db.write(move |conn| filters::create(conn, &me.account, change)).await?;
    Ok(HttpResponse::Ok().json(Filter::from_view(&created)))
}

pub async fn update(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<FilterParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:filters"])?;
    let id = path_id(&id)?;
    let change = input.change()?;
    let updated = state.db.write(move |conn| filters::update(conn, &me.account, id, change)).await?;
    Ok(HttpResponse::Ok().json(Filter::from_view(&updated)))
}

pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:filters"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| filters::delete(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn keywords(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:filters"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| filters::keywords(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(FilterKeyword::from_row).collect::<Vec<_>>()))
}

pub async fn add_keyword(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<OneKeyword>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:filters"])?;
    let id = path_id(&id)?;
    let added = state.db.write(move |conn| filters::add_keyword(conn, &me.account, id, input.keyword, input.whole_word)).await?;
    Ok(HttpResponse::Ok().json(FilterKeyword::from_row(&added)))
}

pub async fn keyword(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:filters"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| filters::keyword(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(FilterKeyword::from_row(&found)))
}

pub async fn update_keyword(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<OneKeyword>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:filters"])?;
    let id = path_id(&id)?;
    let updated = state.db.write(move |conn| filters::update_keyword(conn, &me.account, id, input.keyword, input.whole_word)).await?;
    Ok(HttpResponse::Ok().json(FilterKeyword::from_row(&updated)))
}

pub async fn delete_keyword(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:filters"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| filters::delete_keyword(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn statuses(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:filters"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| filters::filtered_statuses(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(FilterStatus::from_row).collect::<Vec<_>>()))
}

pub async fn add_status(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<OneStatus>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:filters"])?;
    let id = path_id(&id)?;
    let status_id = input.status_id.ok_or_else(|| AppError::validation("Status can't be blank"))?;
    let added = state.db.write(move |conn| filters::add_status(conn, &me.account, id, status_id)).await?;
    Ok(HttpResponse::Ok().json(FilterStatus::from_row(&added)))
}

pub async fn filtered_status(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:filters"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| filters::filtered_status(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(FilterStatus::from_row(&found)))
}

pub async fn remove_status(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:filters"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| filters::remove_status(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// Mastodon's v1 view: one entry per keyword, `irreversible` for filters that hide.
pub async fn v1_index(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:filters"])?;
    let found = state.db.read(move |conn| filters::all(conn, &me.account)).await?;
    let entries: Vec<Value> = found
        .iter()
        .flat_map(|view| {
            let filter = Filter::from_view(view);
            view.keywords.iter().map(move |k| {
                serde_json::json!({
                    "id": k.id.to_string(),
                    "phrase": k.keyword,
                    "context": filter.context,
                    "whole_word": k.whole_word,
                    "expires_at": filter.expires_at,
                    "irreversible": filter.filter_action == "hide",
                })
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(entries))
}

/// Under `/api/v2/filters` (`/api/v1/filters` is [`v1_index`] alone).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(index))
        .route("", web::post().to(create))
        .route("/keywords/{id}", web::get().to(keyword))
        .route("/keywords/{id}", web::put().to(update_keyword))
        .route("/keywords/{id}", web::delete().to(delete_keyword))
        .route("/statuses/{id}", web::get().to(filtered_status))
        .route("/statuses/{id}", web::delete().to(remove_status))
        .route("/{id}", web::get().to(show))
        .route("/{id}", web::put().to(update))
        .route("/{id}", web::delete().to(delete))
        .route("/{id}/keywords", web::get().to(keywords))
        .route("/{id}/keywords", web::post().to(add_keyword))
        .route("/{id}/statuses", web::get().to(statuses))
        .route("/{id}/statuses", web::post().to(add_status));
}
