use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::db::kinds::FilterContext;
use crate::api::auth::{Auth, ClientAddress, UserSession};
use crate::api::entities::{Account, CredentialAccount, FamiliarFollowers, Profile, Relationship, Status, Token};
use crate::api::pagination::{account_page, paged_json, PageParams};
use crate::params::{flex, path_id, Params, Query, Upload};
use crate::apub::resolve;
use crate::ids::AccountId;
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, ProfileChange, ProfileField, Registration, StatusesQuery};
use crate::service::media::{self, ProfileImage};
use crate::service::{filters, follows, views};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct RegistrationParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    username: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    email: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    password: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    agreement: bool,
    #[serde(default, deserialize_with = "flex::string_opt")]
    reason: Option<String>,
}

/// `POST /api/v1/accounts`: registration with an app's token, as `registrations` allows.
pub async fn register(state: web::Data<AppState>, auth: Auth, address: ClientAddress, Params(input): Params<RegistrationParams>) -> AppResult<HttpResponse> {
    let app = auth.app(&["write:accounts"])?.clone();
    let settings = state.settings.clone();
    let issued = state
        .db
        .write(move |conn| {
            let registration = Registration {
                username: input.username.as_deref().unwrap_or_default(),
                email: input.email.as_deref(),
                password: input.password.as_deref().unwrap_or_default(),
                agreement: input.agreement,
                reason: input.reason.as_deref(),
                address: address.0,
            };
            accounts::register(conn, &settings, &app, registration)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(Token::from_issued(issued)))
}

pub async fn verify_credentials(state: web::Data<AppState>, auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:accounts", "profile"])?;
    let account = me.account.clone();
    let requests = state.db.read(move |conn| accounts::pending_follow_requests(conn, &account)).await?;
    Ok(HttpResponse::Ok().json(CredentialAccount::from_rows(&me.account, &me.user, requests, &state.settings)))
}

#[derive(Deserialize)]
pub struct UpdateCredentials {
    #[serde(default, deserialize_with = "flex::string_opt")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    note: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    bot: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    discoverable: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    hide_collections: Option<bool>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    avatar_description: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    header_description: Option<String>,
    #[serde(default)]
    fields_attributes: Option<FieldsAttributes>,
    #[serde(default)]
    source: Option<SourceChange>,
}

/// Rails sends profile fields as a list or as a map keyed "0".."3".
#[derive(Deserialize)]
#[serde(untagged)]
enum FieldsAttributes {
    List(Vec<ProfileField>),
    Indexed(std::collections::BTreeMap<String, ProfileField>),
}

#[derive(Deserialize)]
pub struct SourceChange {
    #[serde(default, deserialize_with = "flex::string_opt")]
    privacy: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    language: Option<String>,
    /// Hallway's own: new posts stay in the division by default.
    #[serde(default, deserialize_with = "flex::bool_opt")]
    local_only: Option<bool>,
}

pub async fn update_credentials(state: web::Data<AppState>, auth: Auth, upload: Upload<UpdateCredentials>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let change = profile_change(&state, &me, upload).await?;
    save_profile(&state, me, change).await
}

/// `GET /api/v1/profile` (Mastodon 4.6): the profile as its owner edits it.
pub async fn profile(auth: Auth) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:accounts", "profile"])?;
    Ok(HttpResponse::Ok().json(Profile::from_row(&me.account)))
}

/// `PATCH /api/v1/profile`: `update_credentials` answering with the profile.
pub async fn update_profile(state: web::Data<AppState>, auth: Auth, upload: Upload<UpdateCredentials>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let change = profile_change(&state, &me, upload).await?;
    let settings = state.settings.clone();
    let (account, _) = state.db.write(move |conn| accounts::update_profile(conn, &settings, me.account.id, change)).await?;
    Ok(HttpResponse::Ok().json(Profile::from_row(&account)))
}

/// The change a profile form asks for, with its new images stored.
async fn profile_change(state: &AppState, me: &UserSession, mut upload: Upload<UpdateCredentials>) -> AppResult<ProfileChange> {
    let avatar_url = stored_profile_image(state, me.account.id, ProfileImage::Avatar, upload.take_file("avatar")).await?;
    let header_url = stored_profile_image(state, me.account.id, ProfileImage::Header, upload.take_file("header")).await?;
    let input = upload.params;
    let source = input.source.unwrap_or(SourceChange { privacy: None, sensitive: None, language: None, local_only: None });
    Ok(ProfileChange {
        display_name: input.display_name,
        note: input.note,
        locked: input.locked,
        bot: input.bot,
        discoverable: input.discoverable,
        fields: input.fields_attributes.map(|f| match f {
            FieldsAttributes::List(list) => list,
            FieldsAttributes::Indexed(map) => map.into_values().collect(),
        }),
        default_visibility: source.privacy,
        default_sensitive: source.sensitive,
        default_language: source.language.map(Some),
        default_local_only: source.local_only,
        avatar_url: avatar_url.map(Some),
        header_url: header_url.map(Some),
        avatar_description: input.avatar_description,
        header_description: input.header_description,
        hide_collections: input.hide_collections,
    })
}

/// A new avatar or header, cropped, scaled and stored; answers its public URL.
async fn stored_profile_image(state: &AppState, account_id: AccountId, which: ProfileImage, bytes: Option<Vec<u8>>) -> AppResult<Option<String>> {
    let Some(bytes) = bytes else { return Ok(None) };
    let (store, limits) = (state.media.clone(), state.settings.media.clone());
    let key = web::block(move || media::store_profile_image(store.as_ref(), &limits, account_id, which, &bytes))
        .await
        .map_err(|e| AppError::Internal(format!("profile image: {e}")))??;
    Ok(Some(format!("{}/system/{key}", state.settings.base_url())))
}

/// `DELETE /api/v1/profile/avatar` and `/header`: back to the default image.
pub async fn delete_profile_image(state: web::Data<AppState>, auth: Auth, which: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let mut change = ProfileChange::default();
    match which.as_str() {
        "avatar" => change.avatar_url = Some(None),
        "header" => change.header_url = Some(None),
        _ => return Err(AppError::NotFound),
    }
    save_profile(&state, me, change).await
}

async fn save_profile(state: &web::Data<AppState>, me: UserSession, change: ProfileChange) -> AppResult<HttpResponse> {
    let settings = state.settings.clone();
    let (account, user, requests) = state
        .db
        .write(move |conn| {
            let (account, user) = accounts::update_profile(conn, &settings, me.account.id, change)?;
            let requests = accounts::pending_follow_requests(conn, &account)?;
            Ok((account, user, requests))
        })
        .await?;
    Ok(HttpResponse::Ok().json(CredentialAccount::from_rows(&account, &user, requests, &state.settings)))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    auth.viewer(&["read:accounts"])?;
    let id = path_id(&id)?;
    let (account, moved_to) = state
        .db
        .read(move |conn| {
            let account = accounts::get(conn, id)?;
            let moved_to = accounts::moved_to(conn, &account)?;
            Ok((account, moved_to))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Account::profile(&account, moved_to.as_ref(), &state.settings)))
}

#[derive(Deserialize)]
pub struct IdsQuery {
    #[serde(default, deserialize_with = "flex::id_list")]
    id: Vec<AccountId>,
}

/// How many accounts one request may name (Mastodon's limit).
const MAX_IDS: usize = 40;

fn checked_ids(ids: Vec<AccountId>) -> AppResult<Vec<AccountId>> {
    if ids.len() > MAX_IDS {
        return Err(AppError::validation(format!("Too many ids: at most {MAX_IDS} at once")));
    }
    Ok(ids)
}

/// `GET /api/v1/accounts?id[]=`: several accounts at once; unknown and suspended ones are left out.
pub async fn index(state: web::Data<AppState>, auth: Auth, Query(query): Query<IdsQuery>) -> AppResult<HttpResponse> {
    auth.viewer(&["read:accounts"])?;
    let ids = checked_ids(query.id)?;
    let found = state.db.read(move |conn| accounts::get_many(conn, &ids)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(|a| Account::from_row(a, &state.settings)).collect::<Vec<_>>()))
}

pub async fn familiar_followers(state: web::Data<AppState>, auth: Auth, Query(query): Query<IdsQuery>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:follows"])?;
    let ids = checked_ids(query.id)?;
    let found = state.db.read(move |conn| accounts::familiar_followers(conn, &me.account, &ids)).await?;
    let body: Vec<FamiliarFollowers> = found
        .iter()
        .map(|(id, known)| FamiliarFollowers { id: id.to_string(), accounts: known.iter().map(|a| Account::from_row(a, &state.settings)).collect() })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
pub struct NoteParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    comment: Option<String>,
}

/// `POST /api/v1/accounts/:id/note`: a private note on an account, shown in the relationship.
pub async fn note(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<NoteParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:accounts"])?;
    let id = path_id(&id)?;
    let comment = input.comment.unwrap_or_default();
    let relationship = state.db.write(move |conn| accounts::set_note(conn, &me.account, id, &comment)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&relationship)))
}

pub async fn remove_from_followers(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let id = path_id(&id)?;
    let relationship = state.db.write(move |conn| follows::remove_follower(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&relationship)))
}

#[derive(Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    acct: String,
}

pub async fn lookup(state: web::Data<AppState>, auth: Auth, Query(query): Query<LookupQuery>) -> AppResult<HttpResponse> {
    auth.viewer(&["read:accounts"])?;
    let settings = state.settings.clone();
    let acct = query.acct.trim().trim_start_matches('@').to_owned();
    let local = state.db.read(move |conn| accounts::lookup(conn, &settings, &acct)).await;
    let account = match (local, query.acct.trim().trim_start_matches('@').split_once('@')) {
        (Err(AppError::NotFound), Some((user, host))) => {
            resolve::by_acct(&state, user, host).await.map_err(|_| AppError::NotFound)?
        }
        (found, _) => found?,
    };
    let moved_of = account.clone();
    let moved_to = state.db.read(move |conn| accounts::moved_to(conn, &moved_of)).await?;
    Ok(HttpResponse::Ok().json(Account::profile(&account, moved_to.as_ref(), &state.settings)))
}

#[derive(Deserialize)]
pub struct RelationshipsQuery {
    #[serde(default, deserialize_with = "flex::id_list")]
    id: Vec<AccountId>,
}

pub async fn relationships(state: web::Data<AppState>, auth: Auth, Query(query): Query<RelationshipsQuery>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:follows"])?;
    let found = state.db.read(move |conn| accounts::relationships(conn, &me.account, &query.id)).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(Relationship::from_view).collect::<Vec<_>>()))
}

#[derive(Deserialize)]
pub struct FollowParams {
    #[serde(default, deserialize_with = "flex::bool_opt")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    notify: Option<bool>,
}

pub async fn follow(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<FollowParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let id = path_id(&id)?;
    let options = follows::FollowOptions { reblogs: input.reblogs, notify: input.notify };
    let outcome = state.db.write(move |conn| follows::follow(conn, &me.account, id, options)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&outcome.relationship)))
}

pub async fn unfollow(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let id = path_id(&id)?;
    let outcome = state.db.write(move |conn| follows::unfollow(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&outcome.relationship)))
}

pub async fn followers(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    account_list(req, state, auth, id, page, false).await
}

pub async fn following(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    account_list(req, state, auth, id, page, true).await
}

/// Whom an account follows, or who follows it; nothing when it hides them from others.
async fn account_list(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, page: PageParams, following: bool) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:accounts"])?;
    let id = path_id(&id)?;
    let page = page.accounts();
    let limit = page.limit;
    let listed = state
        .db
        .read(move |conn| {
            if !accounts::shows_collections(&accounts::get(conn, id)?, viewer.as_ref()) {
                return Ok(Vec::new());
            }
            if following { follows::following(conn, id, &page) } else { follows::followers(conn, id, &page) }
        })
        .await?;
    Ok(account_page(&req, &state.settings, &listed, limit))
}

#[derive(Deserialize)]
pub struct AccountStatusesParams {
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    only_media: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    exclude_replies: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    exclude_reblogs: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    exclude_direct: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    pinned: bool,
    #[serde(default, deserialize_with = "flex::string_opt")]
    tagged: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

pub async fn statuses(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(params): Query<AccountStatusesParams>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?;
    let id = path_id(&id)?;
    let query = StatusesQuery {
        only_media: params.only_media,
        exclude_replies: params.exclude_replies,
        exclude_reblogs: params.exclude_reblogs,
        exclude_direct: params.exclude_direct,
        pinned: params.pinned,
        tagged: params.tagged,
    };
    let page = params.page.statuses();
    let found = state
        .db
        .read(move |conn| {
            let rows = accounts::statuses_of(conn, viewer.as_ref(), id, &query, &page)?;
            let found = views::hydrate(conn, viewer.as_ref().map(|v| v.id), rows)?;
            filters::apply(conn, viewer.map(|v| v.id), FilterContext::Account, found)
        })
        .await?;
    let paging_ids: Vec<i64> = found.iter().map(|v| v.status.id.0).collect();
    Ok(paged_json(&req, &state.settings, &Status::list(&found, &state.settings), &paging_ids))
}

pub async fn follow_requests(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:follows"])?;
    let page = page.accounts();
    let limit = page.limit;
    let listed = state.db.read(move |conn| follows::requests(conn, &me.account, &page)).await?;
    Ok(account_page(&req, &state.settings, &listed, limit))
}

pub async fn authorize_follow_request(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let id = path_id(&id)?;
    let relationship = state.db.write(move |conn| follows::authorize(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&relationship)))
}

pub async fn reject_follow_request(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:follows"])?;
    let id = path_id(&id)?;
    let relationship = state.db.write(move |conn| follows::reject(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(Relationship::from_view(&relationship)))
}
