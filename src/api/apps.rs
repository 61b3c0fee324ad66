use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Application;
use crate::params::{flex, Params};
use crate::error::AppResult;
use crate::service::auth::{self, NewApp};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct CreateApp {
    #[serde(default, deserialize_with = "flex::string_opt")]
    client_name: Option<String>,
    #[serde(default, deserialize_with = "flex::string_list")]
    redirect_uris: Vec<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    scopes: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    website: Option<String>,
}

pub async fn create(state: web::Data<AppState>, Params(input): Params<CreateApp>) -> AppResult<HttpResponse> {
    let new_app = NewApp {
        name: input.client_name.unwrap_or_default(),
        redirect_uris: input.redirect_uris,
        scopes: input.scopes.unwrap_or_else(|| "read".into()),
        website: input.website,
    };
    let (app, secret) = state.db.write(move |conn| auth::create_app(conn, new_app)).await?;
    Ok(HttpResponse::Ok().json(Application::created(&app, secret)))
}

pub async fn verify_credentials(auth: Auth) -> AppResult<HttpResponse> {
    let session = auth.session()?;
    Ok(HttpResponse::Ok().json(Application::public(&session.app)))
}
