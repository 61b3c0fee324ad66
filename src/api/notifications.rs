use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::{Auth, UserSession};
use crate::api::entities::{Account, GroupedNotifications, Notification, NotificationPolicyV1, NotificationPolicyV2, NotificationRequest};
use crate::api::pagination::{paged_json, PageParams};
use crate::db::kinds::PolicyAction;
use crate::db::models::NotificationPolicy;
use crate::params::{flex, path_id, Params, Query};
use crate::error::AppResult;
use crate::service::notification_groups::{self, GroupQuery};
use crate::service::notification_requests::{self, PolicyChange};
use crate::service::notifications::{self, Filter};
use crate::state::AppState;
use crate::ids::AccountId;

/// Which notifications a list keeps, in v1 and v2 alike.
#[derive(Deserialize)]
pub struct KindParams {
    #[serde(default, deserialize_with = "flex::string_list")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "flex::string_list")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "flex::id_opt")]
    account_id: Option<AccountId>,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    include_filtered: bool,
}

impl KindParams {
    fn filter(self) -> Filter {
        Filter { types: self.types, exclude_types: self.exclude_types, account_id: self.account_id, include_filtered: self.include_filtered }
    }
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    kinds: KindParams,
    #[serde(flatten)]
    page: PageParams,
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<ListParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let page = params.page.page(40, 80);
    let filter = params.kinds.filter();
    let found = state.db.read(move |conn| notifications::list(conn, &me.account, &filter, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|n| n.notification.id).collect();
    let body: Vec<Notification> = found.iter().map(|n| Notification::from_view(n, &state.settings)).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| notifications::get(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Notification::from_view(&found, &state.settings)))
}

pub async fn dismiss(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| notifications::dismiss(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn clear(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    state.db.write(move |conn| notifications::clear(conn, &me.account)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn unread_count(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let count = state.db.read(move |conn| notifications::unread_count(conn, &me.account)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "count": count })))
}

#[derive(Deserialize)]
pub struct GroupedParams {
    #[serde(flatten)]
    kinds: KindParams,
    #[serde(default, deserialize_with = "flex::string_list_opt")]
    grouped_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    expand_accounts: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

impl GroupedParams {
    fn query(self) -> GroupQuery {
        GroupQuery::new(self.kinds.filter(), self.grouped_types)
    }

    fn partial(&self) -> bool {
        self.expand_accounts.as_deref() == Some("partial_avatars")
    }
}

pub async fn grouped(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(params): Query<GroupedParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let page = params.page.page(40, 80);
    let partial = params.partial();
    let query = params.query();
    let found = state.db.read(move |conn| notification_groups::page(conn, &me.account, &query, &page)).await?;
    // Next pages go below the oldest notification shown, previous ones above the newest.
    let bounds: Vec<i64> = match (found.iter().map(|g| g.page_max_id).max(), found.iter().map(|g| g.page_min_id).min()) {
        (Some(newest), Some(oldest)) => vec![newest, oldest],
        _ => Vec::new(),
    };
    Ok(paged_json(&req, &state.settings, &GroupedNotifications::from_views(&found, partial, &state.settings), &bounds))
}

pub async fn group(state: web::Data<AppState>, auth: Auth, key: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let found = state.db.read(move |conn| notification_groups::get(conn, &me.account, &key)).await?;
    Ok(HttpResponse::Ok().json(GroupedNotifications::from_views(&[found], false, &state.settings)))
}

pub async fn group_accounts(state: web::Data<AppState>, auth: Auth, key: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let found = state.db.read(move |conn| notification_groups::accounts_of(conn, &me.account, &key)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|a| Account::from_row(a, &state.settings)).collect::<Vec<_>>()))
}

pub async fn dismiss_group(state: web::Data<AppState>, auth: Auth, key: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    state.db.write(move |conn| notification_groups::dismiss(conn, &me.account, &key)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn grouped_unread_count(state: web::Data<AppState>, auth: Auth, Query(params): Query<GroupedParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let limit = params.page.limit.unwrap_or(100).clamp(1, 1000);
    let query = params.query();
    let count = state.db.read(move |conn| notification_groups::unread_count(conn, &me.account, &query, limit)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "count": count })))
}

/// The changes of a policy, in v2's words (accept, filter, drop) or v1's booleans (filter or accept).
#[derive(Deserialize)]
pub struct PolicyParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    for_not_following: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    for_not_followers: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    for_new_accounts: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    for_private_mentions: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    for_limited_accounts: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    filter_not_following: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    filter_not_followers: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    filter_new_accounts: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    filter_private_mentions: Option<bool>,
}

impl PolicyParams {
    fn change(self) -> AppResult<PolicyChange> {
        let action = |name: &str, text: Option<String>, filter: Option<bool>| -> AppResult<Option<PolicyAction>> {
            match (text, filter) {
                (Some(text), _) => PolicyAction::parse_as(name, text.trim()).map(Some),
                (None, Some(true)) => Ok(Some(PolicyAction::Filter)),
                (None, Some(false)) => Ok(Some(PolicyAction::Accept)),
                (None, None) => Ok(None),
            }
        };
        Ok(PolicyChange {
            for_not_following: action("for_not_following", self.for_not_following, self.filter_not_following)?,
            for_not_followers: action("for_not_followers", self.for_not_followers, self.filter_not_followers)?,
            for_new_accounts: action("for_new_accounts", self.for_new_accounts, self.filter_new_accounts)?,
            for_private_mentions: action("for_private_mentions", self.for_private_mentions, self.filter_private_mentions)?,
            for_limited_accounts: action("for_limited_accounts", self.for_limited_accounts, None)?,
        })
    }
}

async fn current_policy(state: &AppState, me: UserSession, change: Option<PolicyChange>) -> AppResult<(NotificationPolicy, (i64, i64))> {
    state
        .db
        .write(move |conn| {
            let policy = match change {
                Some(change) => notification_requests::update_policy(conn, &me.account, change)?,
                None => notification_requests::policy(conn, &me.account)?,
            };
            Ok((policy, notification_requests::pending(conn, &me.account)?))
        })
        .await
}

pub async fn policy_v2(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let (policy, pending) = current_policy(&state, me, None).await?;
    Ok(HttpResponse::Ok().json(NotificationPolicyV2::from_row(&policy, pending)))
}

pub async fn update_policy_v2(state: web::Data<AppState>, auth: Auth, Params(input): Params<PolicyParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    let (policy, pending) = current_policy(&state, me, Some(input.change()?)).await?;
    Ok(HttpResponse::Ok().json(NotificationPolicyV2::from_row(&policy, pending)))
}

pub async fn policy_v1(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let (policy, pending) = current_policy(&state, me, None).await?;
    Ok(HttpResponse::Ok().json(NotificationPolicyV1::from_row(&policy, pending)))
}

pub async fn update_policy_v1(state: web::Data<AppState>, auth: Auth, Params(input): Params<PolicyParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    let (policy, pending) = current_policy(&state, me, Some(input.change()?)).await?;
    Ok(HttpResponse::Ok().json(NotificationPolicyV1::from_row(&policy, pending)))
}

pub async fn requests(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let page = page.page(40, 80);
    let found = state.db.read(move |conn| notification_requests::list(conn, &me.account, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|r| r.request.id).collect();
    let body: Vec<NotificationRequest> = found.iter().map(|r| NotificationRequest::from_view(r, &state.settings)).collect();
    Ok(paged_json(&req, &state.settings, &body, &paging_ids))
}

pub async fn request(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:notifications"])?;
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| notification_requests::get(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(NotificationRequest::from_view(&found, &state.settings)))
}

async fn answer(state: &AppState, auth: &Auth, ids: Vec<i64>, accepted: bool) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    state.db.write(move |conn| notification_requests::answer_many(conn, &me.account, &ids, accepted)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn accept_request(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| notification_requests::accept(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn dismiss_request(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:notifications"])?;
    let id = path_id(&id)?;
    state.db.write(move |conn| notification_requests::dismiss(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

#[derive(Deserialize)]
pub struct RequestIds {
    #[serde(default, deserialize_with = "flex::id_list")]
    id: Vec<i64>,
}

pub async fn accept_requests(state: web::Data<AppState>, auth: Auth, Params(input): Params<RequestIds>) -> AppResult<HttpResponse> {
    answer(&state, &auth, input.id, true).await
}

pub async fn dismiss_requests(state: web::Data<AppState>, auth: Auth, Params(input): Params<RequestIds>) -> AppResult<HttpResponse> {
    answer(&state, &auth, input.id, false).await
}

/// Accepting or dismissing takes effect at once here: the lists are always merged.
pub async fn requests_merged(auth: Auth) -> AppResult<HttpResponse> {
    auth.user(&["read:notifications"])?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "merged": true })))
}
