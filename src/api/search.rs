use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::api::auth::Auth;
use crate::api::entities::{Account, Status, TagEntity};
use crate::params::{flex, Query};
use crate::apub::resolve;
use crate::error::{AppError, AppResult};
use crate::service::search::{self, Kind};
use crate::state::AppState;
use crate::ids::{AccountId, StatusId};

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    q: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "flex::string_opt")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    resolve: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    following: bool,
    #[serde(default, deserialize_with = "flex::id_opt")]
    account_id: Option<AccountId>,
    #[serde(default, deserialize_with = "flex::id_opt")]
    max_id: Option<StatusId>,
}

/// `@user@host` of another instance, when the query is exactly that.
fn remote_acct<'a>(q: &'a str, own_domain: &str) -> Option<(&'a str, &'a str)> {
    let (user, host) = q.trim().trim_start_matches('@').split_once('@')?;
    let plausible = !user.is_empty()
        && !host.is_empty()
        && !host.contains(|c: char| c.is_whitespace() || c == '/')
        && !user.contains(|c: char| c.is_whitespace() || c == '/' || c == ':');
    (plausible && !host.eq_ignore_ascii_case(own_domain)).then_some((user, host))
}

fn kinds(kind: Option<&str>) -> AppResult<Vec<Kind>> {
    match kind.filter(|k| !k.is_empty()) {
        None => Ok(vec![Kind::Accounts, Kind::Hashtags, Kind::Statuses]),
        Some("accounts") => Ok(vec![Kind::Accounts]),
        Some("hashtags") => Ok(vec![Kind::Hashtags]),
        Some("statuses") => Ok(vec![Kind::Statuses]),
        Some(other) => Err(AppError::bad_request(format!("Unknown search type '{other}'"))),
    }
}

/// Brings a remote account (`@user@host`) or status (its URL) here, so that the search finds it.
async fn resolve_remote(state: &AppState, q: &str) {
    let outcome = match (remote_acct(q, &state.settings.domain), url::Url::parse(q.trim())) {
        (Some((user, host)), _) => resolve::by_acct(state, user, host).await.map(|_| ()),
        (None, Ok(url)) if url.scheme().starts_with("http") && url.host_str().is_some() => {
            if crate::net::authority(&url) == state.settings.domain {
                return;
            }
            resolve::status(state, &url).await
        }
        _ => return,
    };
    if let Err(e) = outcome {
        log::info!("search: cannot resolve {q}: {e}");
    }
}

/// Whether a search also asks the peers: a first page of statuses by full text, not limited to one account.
fn asks_the_company(query: &search::Query, own_domain: &str) -> bool {
    let text = query.text.trim();
    let is_address = text.starts_with("http") || remote_acct(text, own_domain).is_some();
    query.kinds.contains(&Kind::Statuses) && !text.is_empty() && !is_address && query.offset == 0 && query.max_id.is_none() && query.account_id.is_none()
}

pub async fn v2(state: web::Data<AppState>, auth: Auth, Query(params): Query<SearchParams>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:search"])?;
    let q = params.q.clone().unwrap_or_default();
    if params.resolve && viewer.is_some() {
        resolve_remote(&state, &q).await;
    }
    let query = search::Query {
        text: params.q.unwrap_or_default(),
        kinds: kinds(params.kind.as_deref())?,
        limit: params.limit.unwrap_or(20).clamp(1, 40),
        offset: params.offset.unwrap_or(0).max(0),
        account_id: params.account_id,
        following: params.following,
        max_id: params.max_id,
    };
    if viewer.is_some() && asks_the_company(&query, &state.settings.domain) {
        crate::apub::company::search_peers(&state, query.text.trim(), query.limit as usize).await;
    }
    let settings = state.settings.clone();
    let found = state.db.read(move |conn| search::search(conn, &settings, viewer.as_ref(), &query)).await?;
    Ok(HttpResponse::Ok().json(json!({
        "accounts": found.accounts.iter().map(|a| Account::from_row(a, &state.settings)).collect::<Vec<_>>(),
        "statuses": Status::list(&found.statuses, &state.settings),
        "hashtags": found.hashtags.iter().map(|t| TagEntity::from_view(t, &state.settings)).collect::<Vec<_>>(),
    })))
}

pub async fn accounts(state: web::Data<AppState>, auth: Auth, Query(params): Query<SearchParams>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:accounts"])?;
    let query = search::Query {
        text: params.q.unwrap_or_default(),
        kinds: vec![Kind::Accounts],
        limit: params.limit.unwrap_or(40).clamp(1, 80),
        offset: params.offset.unwrap_or(0).max(0),
        account_id: None,
        following: params.following,
        max_id: None,
    };
    let settings = state.settings.clone();
    let found = state.db.read(move |conn| search::search(conn, &settings, viewer.as_ref(), &query)).await?;
    Ok(HttpResponse::Ok().json(found.accounts.iter().map(|a| Account::from_row(a, &state.settings)).collect::<Vec<_>>()))
}
