use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::api::auth::{Auth, UserSession};
use crate::api::entities::{rendered, Context, Status, StatusEdit, StatusSource};
use crate::api::pagination::{account_page, PageParams};
use crate::params::{flex, object_list, path_id, FilePart, Params, Query, Upload};
use crate::db::kinds::QuotePolicy;
use crate::db::Tx;
use crate::ids::StatusId;
use crate::error::{AppError, AppResult};
use crate::api::scheduled;
use crate::service::filters;
use crate::service::media::MediaDetails;
use crate::service::polls::NewPoll;
use crate::service::scheduled::ScheduledParams;
use crate::service::statuses::{self, NewStatus, StatusChange, Visibility};
use crate::service::views::{self, StatusView};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct StatusParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    status: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "flex::bool_opt")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "flex::id_opt")]
    in_reply_to_id: Option<StatusId>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    language: Option<String>,
    /// Absent (None) on an edit keeps the attachments.
    #[serde(default, deserialize_with = "flex::id_list_opt")]
    media_ids: Option<Vec<i64>>,
    #[serde(default)]
    media_attributes: serde_json::Value,
    #[serde(default, deserialize_with = "poll_field")]
    poll: Option<NewPoll>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    scheduled_at: Option<String>,
    #[serde(default, deserialize_with = "flex::id_opt")]
    quoted_status_id: Option<StatusId>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    quote_approval_policy: Option<String>,
    /// Division-only (GoToSocial's and glitch-soc's parameter).
    #[serde(default, deserialize_with = "flex::bool_opt")]
    local_only: Option<bool>,
}

/// A client's `quote_approval_policy`: public, followers or nobody.
fn quote_policy_param(text: Option<&str>) -> AppResult<Option<QuotePolicy>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => match QuotePolicy::from_text(text) {
            Some(QuotePolicy::Unsupported) | None => Err(AppError::validation(format!("Quote approval policy '{text}' is not one of public, followers, nobody"))),
            policy => Ok(policy),
        },
    }
}

/// A client's `scheduled_at`, as UTC.
pub fn parse_time(text: &str) -> AppResult<chrono::NaiveDateTime> {
    crate::params::iso_time("Scheduled at", text)
}

impl StatusParams {
    fn into_scheduled(self) -> ScheduledParams {
        ScheduledParams {
            text: self.status.unwrap_or_default(),
            spoiler_text: self.spoiler_text.unwrap_or_default(),
            sensitive: self.sensitive,
            visibility: self.visibility.filter(|v| !v.is_empty()),
            in_reply_to_id: self.in_reply_to_id,
            language: self.language,
            media_ids: self.media_ids.unwrap_or_default(),
            poll: self.poll,
            quoted_status_id: self.quoted_status_id,
            local_only: self.local_only,
        }
    }
}

#[derive(Deserialize)]
struct PollParams {
    #[serde(default, deserialize_with = "flex::string_list")]
    options: Vec<String>,
    #[serde(default, deserialize_with = "flex::i64_opt")]
    expires_in: Option<i64>,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    multiple: bool,
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    hide_totals: bool,
}

/// `poll[options][]=…&poll[expires_in]=…` or a JSON object; absent or null when there is none.
fn poll_param(value: Option<serde_json::Value>) -> AppResult<Option<NewPoll>> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(None) };
    let params: PollParams = serde_json::from_value(value).map_err(|e| AppError::validation(format!("poll: {e}")))?;
    let expires_in = params.expires_in.ok_or_else(|| AppError::validation("Poll expires in can't be blank"))?;
    Ok(Some(NewPoll { options: params.options, expires_in, multiple: params.multiple, hide_totals: params.hide_totals }))
}

#[derive(Deserialize)]
struct MediaAttribute {
    #[serde(deserialize_with = "flex::i64_opt")]
    id: Option<i64>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    description: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    focus: Option<String>,
}

/// `media_attributes[][id]=…&media_attributes[][description]=…`, a JSON array, or a Rails indexed map.
fn media_attributes(value: serde_json::Value) -> AppResult<Vec<(i64, MediaDetails)>> {
    let listed: Vec<MediaAttribute> = object_list("media_attributes", value, &["id"])?;
    listed
        .into_iter()
        .map(|attribute| {
            let id = attribute.id.ok_or_else(|| AppError::validation("media_attributes: id is missing"))?;
            Ok((id, MediaDetails { description: attribute.description, focus: attribute.focus }))
        })
        .collect()
}

fn poll_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NewPoll>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    poll_param(Some(value)).map_err(|e| serde::de::Error::custom(e.to_string().trim_start_matches("Validation failed: ").to_owned()))
}

fn one(state: &AppState, view: &StatusView) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(rendered::one(state.db.caches(), view, &state.settings))
}

pub async fn create(req: HttpRequest, state: web::Data<AppState>, auth: Auth, Params(input): Params<StatusParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    if let Some(at) = input.scheduled_at.as_deref().filter(|s| !s.is_empty()) {
        return scheduled::schedule_from(state, me, parse_time(at)?, input.into_scheduled()).await;
    }
    let visibility = input.visibility.as_deref().filter(|v| !v.is_empty()).map(Visibility::parse).transpose()?;
    let idempotency_key = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let new_status = NewStatus {
        text: input.status.unwrap_or_default(),
        spoiler_text: input.spoiler_text.unwrap_or_default(),
        sensitive: input.sensitive,
        visibility,
        in_reply_to_id: input.in_reply_to_id,
        language: input.language,
        idempotency_key: idempotency_key.filter(|k| !k.is_empty() && k.len() <= 255),
        app_id: Some(me.app_id),
        media_ids: input.media_ids.unwrap_or_default(),
        poll: input.poll,
        quoted_status_id: input.quoted_status_id,
        quote_policy: quote_policy_param(input.quote_approval_policy.as_deref())?,
        local_only: input.local_only,
    };
    let settings = state.settings.clone();
    let view = state
        .db
        .write(move |conn| statuses::create(conn, &settings, &me.account, &me.user, new_status))
        .await?;
    Ok(one(&state, &view))
}

pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?.map(|a| a.id);
    let id = path_id(&id)?;
    let view = state
        .db
        .read_cached(move |reader| {
            let view = views::status_for_cached(reader, viewer, id)?.ok_or(AppError::NotFound)?;
            filters::mark_one(reader, viewer, view)
        })
        .await?;
    Ok(one(&state, &view))
}

/// `PUT /api/v1/statuses/:id`; a multipart edit may carry `media_attributes[][thumbnail]` files.
pub async fn edit(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, mut upload: Upload<StatusParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let id = path_id(&id)?;
    let thumbnails = std::mem::take(&mut upload.files);
    let input = upload.params;
    let media_attributes = media_attributes(input.media_attributes)?;
    for (media_id, bytes) in attribute_thumbnails(&media_attributes, thumbnails)? {
        let owner = me.account.clone();
        let attached = state.db.read(move |conn| crate::service::media::get(conn, &owner, media_id)).await?;
        if attached.status_id != Some(id) {
            return Err(AppError::validation(format!("Media attachment {media_id} does not belong to this status")));
        }
        crate::api::media::replace_thumbnail(&state, &me, media_id, bytes).await?;
    }
    let change = StatusChange {
        text: input.status.unwrap_or_default(),
        spoiler_text: input.spoiler_text.unwrap_or_default(),
        sensitive: input.sensitive,
        language: input.language,
        media_ids: input.media_ids,
        media_attributes,
        quote_policy: quote_policy_param(input.quote_approval_policy.as_deref())?,
    };
    let settings = state.settings.clone();
    let view = state.db.write(move |conn| statuses::edit(conn, &settings, &me.account, id, change)).await?;
    Ok(one(&state, &view))
}

/// The thumbnail files of an edit, each with the attachment it is for: `media_attributes[N][thumbnail]` names
/// the Nth attribute, and the k-th `media_attributes[][thumbnail]` the k-th.
fn attribute_thumbnails(attributes: &[(i64, MediaDetails)], files: Vec<FilePart>) -> AppResult<Vec<(i64, Vec<u8>)>> {
    if files.len() > crate::service::media::MAX_ATTACHMENTS {
        return Err(AppError::validation(format!("At most {} thumbnails, one per attachment", crate::service::media::MAX_ATTACHMENTS)));
    }
    let mut unnumbered = 0;
    let mut found = Vec::new();
    for file in files {
        let index = match file.name.strip_prefix("media_attributes[").and_then(|rest| rest.strip_suffix("][thumbnail]")) {
            Some("") => {
                unnumbered += 1;
                unnumbered - 1
            }
            Some(number) => number.parse().map_err(|_| AppError::validation(format!("'{}' is not a media attribute", file.name)))?,
            None => return Err(AppError::Unprocessable(format!("File uploads ('{}') are not accepted here", file.name))),
        };
        let (media_id, _) = attributes.get(index).ok_or_else(|| AppError::validation(format!("'{}' names no media attribute with an id", file.name)))?;
        found.push((*media_id, file.bytes));
    }
    Ok(found)
}

#[derive(Deserialize)]
pub struct DeleteQuery {
    #[serde(default, deserialize_with = "flex::bool_or_false")]
    delete_media: bool,
}

/// `DELETE /api/v1/statuses/:id`: the media stay for a redraft unless `delete_media=true`.
pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(query): Query<DeleteQuery>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let id = path_id(&id)?;
    let (view, files) = state
        .db
        .write(move |conn| {
            let attached = crate::service::media::of_status(conn, id)?;
            let view = statuses::delete(conn, &me.account, id)?;
            let files = if query.delete_media { crate::service::media::delete_detached(conn, &attached)? } else { Vec::new() };
            Ok((view, files))
        })
        .await?;
    if !files.is_empty() {
        let store = state.media.clone();
        let _ = web::block(move || files.iter().try_for_each(|key| store.delete(key))).await;
    }
    Ok(one(&state, &view))
}

pub async fn context(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?.map(|a| a.id);
    let id = path_id(&id)?;
    let found = state.db.read(move |conn| statuses::context(conn, viewer, id)).await?;
    Ok(HttpResponse::Ok().json(Context {
        ancestors: Status::list(&found.ancestors, &state.settings),
        descendants: Status::list(&found.descendants, &state.settings),
    }))
}

pub async fn history(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?.map(|a| a.id);
    let id = path_id(&id)?;
    let (view, edits) = state.db.read(move |conn| statuses::history(conn, viewer, id)).await?;
    let body: Vec<StatusEdit> = edits.iter().map(|e| StatusEdit::from_row(e, &view, &state.settings)).collect();
    Ok(HttpResponse::Ok().json(body))
}

pub async fn source(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["read:statuses"])?;
    let id = path_id(&id)?;
    let status = state.db.read(move |conn| statuses::source(conn, &me.account, id)).await?;
    Ok(HttpResponse::Ok().json(StatusSource { id: status.id.to_string(), text: status.text, spoiler_text: status.spoiler_text }))
}

type Action = fn(&mut Tx, &crate::db::models::Account, StatusId) -> AppResult<StatusView>;

/// The POST actions on a status that answer it: favourite, bookmark, pin and their undos.
async fn act(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, scope: &str, action: Action) -> AppResult<HttpResponse> {
    let me: UserSession = auth.user(&[scope])?;
    let id = path_id(&id)?;
    let view = state.db.write(move |conn| action(conn, &me.account, id)).await?;
    Ok(one(&state, &view))
}

pub async fn favourite(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    act(state, auth, id, "write:favourites", statuses::favourite).await
}

pub async fn unfavourite(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    act(state, auth, id, "write:favourites", statuses::unfavourite).await
}

pub async fn bookmark(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    act(state, auth, id, "write:bookmarks", |tx, me, id| statuses::bookmark(tx, me, id)).await
}

pub async fn unbookmark(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    act(state, auth, id, "write:bookmarks", |tx, me, id| statuses::unbookmark(tx, me, id)).await
}

pub async fn pin(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    act(state, auth, id, "write:accounts", |tx, me, id| statuses::pin(tx, me, id)).await
}

pub async fn unpin(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    act(state, auth, id, "write:accounts", |tx, me, id| statuses::unpin(tx, me, id)).await
}

pub async fn mute(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    act(state, auth, id, "write:mutes", |tx, me, id| statuses::mute_conversation(tx, me, id)).await
}

pub async fn unmute(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    act(state, auth, id, "write:mutes", |tx, me, id| statuses::unmute_conversation(tx, me, id)).await
}

pub async fn unreblog(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    act(state, auth, id, "write:statuses", statuses::unreblog).await
}

#[derive(Deserialize)]
pub struct ReblogParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    visibility: Option<String>,
}

pub async fn reblog(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<ReblogParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let id = path_id(&id)?;
    let visibility = input.visibility.as_deref().filter(|v| !v.is_empty()).map(Visibility::parse).transpose()?;
    let view = state.db.write(move |conn| statuses::reblog(conn, &me.account, id, visibility)).await?;
    Ok(one(&state, &view))
}

pub async fn favourited_by(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    interacted_by(req, state, auth, id, page, false).await
}

pub async fn reblogged_by(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    interacted_by(req, state, auth, id, page, true).await
}

async fn interacted_by(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, page: PageParams, reblogs: bool) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:accounts"])?.map(|a| a.id);
    let id = path_id(&id)?;
    let page = page.accounts();
    let limit = page.limit;
    let listed = state.db.read(move |conn| statuses::interacted_by(conn, viewer, id, reblogs, &page)).await?;
    Ok(account_page(&req, &state.settings, &listed, limit))
}

/// `GET /api/v1/statuses/:id/quotes`: the accepted quotes of a status the caller may see, paged by quote.
pub async fn quotes(req: HttpRequest, state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Query(page): Query<PageParams>) -> AppResult<HttpResponse> {
    let viewer = auth.viewer(&["read:statuses"])?;
    auth.session()?;
    let id = path_id(&id)?;
    let page = page.page(20, 40);
    let found = state.db.read(move |conn| crate::service::quotes::quotes_of(conn, viewer.as_ref(), id, &page)).await?;
    let paging_ids: Vec<i64> = found.iter().map(|(quote_id, _)| *quote_id).collect();
    let views: Vec<StatusView> = found.into_iter().map(|(_, view)| view).collect();
    Ok(crate::api::pagination::paged_raw_json(&req, &state.settings, rendered::list(state.db.caches(), &views, &state.settings), &paging_ids))
}

/// `POST /api/v1/statuses/:id/quotes/:quoting_status_id/revoke`: the quoted author takes a quote back.
pub async fn revoke_quote(state: web::Data<AppState>, auth: Auth, ids: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let (quoted, quoting) = (path_id(&ids.0)?, path_id(&ids.1)?);
    let view = state.db.write(move |tx| crate::service::quotes::revoke(tx, &me.account, quoted, quoting)).await?;
    Ok(one(&state, &view))
}

#[derive(Deserialize)]
pub struct InteractionPolicyParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    quote_approval_policy: Option<String>,
}

/// `PUT /api/v1/statuses/:id/interaction_policy`: who may quote one's own status.
pub async fn interaction_policy(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, Params(input): Params<InteractionPolicyParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:statuses"])?;
    let id = path_id(&id)?;
    let policy = quote_policy_param(input.quote_approval_policy.as_deref())?.ok_or_else(|| AppError::validation("Quote approval policy can't be blank"))?;
    let view = state.db.write(move |tx| crate::service::quotes::set_policy(tx, &me.account, id, policy)).await?;
    Ok(one(&state, &view))
}
