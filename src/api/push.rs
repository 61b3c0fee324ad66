use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::params::Params;
use crate::db::models::PushSubscription;
use crate::error::{AppError, AppResult};
use crate::service::push::{self, Subscribe};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct PushParams {
    #[serde(default)]
    subscription: Option<SubscriptionParams>,
    #[serde(default)]
    data: Option<DataParams>,
}

#[derive(Deserialize, Default)]
struct SubscriptionParams {
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    keys: KeysParams,
    #[serde(default)]
    standard: Option<Value>,
}

#[derive(Deserialize, Default)]
struct KeysParams {
    #[serde(default)]
    p256dh: String,
    #[serde(default)]
    auth: String,
}

#[derive(Deserialize, Default)]
struct DataParams {
    #[serde(default)]
    alerts: BTreeMap<String, Value>,
    #[serde(default)]
    policy: Option<String>,
}

/// `true`, `"true"`, `"1"`: clients send alerts every way.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(s.as_str(), "true" | "1" | "on"),
        Value::Number(n) => n.as_i64() == Some(1),
        _ => false,
    }
}

fn alerts(data: &Option<DataParams>) -> BTreeMap<String, bool> {
    data.as_ref().map(|d| d.alerts.iter().map(|(k, v)| (k.clone(), truthy(v))).collect()).unwrap_or_default()
}

fn entity(subscription: &PushSubscription, server_key: &str) -> Value {
    let alerts = &subscription.alerts.0;
    json!({
        "id": subscription.id.to_string(),
        "endpoint": subscription.endpoint,
        "standard": subscription.standard,
        "alerts": alerts,
        "policy": subscription.policy,
        "server_key": server_key
    })
}

pub async fn create(state: web::Data<AppState>, auth: Auth, Params(input): Params<PushParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["push"])?;
    let token_id = auth.session()?.token_id;
    let subscription = input.subscription.ok_or_else(|| AppError::validation("Subscription can't be blank"))?;
    let request = Subscribe {
        endpoint: subscription.endpoint,
        p256dh: subscription.keys.p256dh,
        auth: subscription.keys.auth,
        alerts: alerts(&input.data),
        policy: input.data.and_then(|d| d.policy),
        standard: subscription.standard.as_ref().is_some_and(truthy),
    };
    let gateways = state.settings.push_gateways.clone();
    let (stored, key) = state
        .db
        .write(move |conn| Ok((push::subscribe(conn, &gateways, token_id, me.account.id, request)?, push::vapid_public_key(conn)?)))
        .await?;
    Ok(HttpResponse::Ok().json(entity(&stored, &key)))
}

pub async fn show(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    auth.user(&["push"])?;
    let token_id = auth.session()?.token_id;
    let (stored, key) = state.db.write(move |conn| Ok((push::get(conn, token_id)?, push::vapid_public_key(conn)?))).await?;
    Ok(HttpResponse::Ok().json(entity(&stored, &key)))
}

pub async fn update(state: web::Data<AppState>, auth: Auth, Params(input): Params<PushParams>) -> AppResult<HttpResponse> {
    auth.user(&["push"])?;
    let token_id = auth.session()?.token_id;
    let changed = alerts(&input.data);
    let policy = input.data.and_then(|d| d.policy);
    let (stored, key) = state
        .db
        .write(move |conn| Ok((push::update(conn, token_id, changed, policy)?, push::vapid_public_key(conn)?)))
        .await?;
    Ok(HttpResponse::Ok().json(entity(&stored, &key)))
}

pub async fn delete(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    auth.user(&["push"])?;
    let token_id = auth.session()?.token_id;
    state.db.write(move |conn| push::unsubscribe(conn, token_id)).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}
