use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Poll;
use crate::params::{flex, path_id, Params};
use crate::error::{AppError, AppResult};
use crate::service::polls;
use crate::state::AppState;

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| polls::get(conn, viewer.as_ref(), id)).await?;
    Ok(HttpResponse::Ok().json(Poll::from_view(&found)))
}

#[derive(Deserialize)]
pub struct VoteParams {
    #[serde(default, deserialize_with = "flex::string_list")]
    choices: Vec<String>,
}

pub async fn vote(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<VoteParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let id = path_id(&id)?;
    let choices: Vec<i32> = input
        .choices
        .iter()
        .map(|c| c.trim().parse().map_err(|_| AppError::validation(format!("Choice '{c}' is not a number"))))
        .collect::<AppResult<_>>()?;
    let voted = state.db.write(move |conn| polls::vote(conn, &me.account, id, &choices)).await?;
    Ok(HttpResponse::Ok().json(Poll::from_view(&voted)))
}
