//! Uploads: `/api/v1/media` and `/api/v2/media` (202 while a large file is processed), updates,
//! deletion of unattached uploads, and the stored files under `/system/`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::api::auth::{Auth, UserSession};
use crate::api::entities::MediaAttachment;
use crate::params::{flex, path_id, Upload};
use crate::db::models::MediaAttachment as MediaRow;
use crate::error::{AppError, AppResult};
use crate::service::media::{self, MediaDetails};
use crate::state::AppState;
use crate::storage;

#[derive(Deserialize)]
pub struct MediaParams {
    #[serde(default, deserialize_with = "flex::string_opt")]
    description: Option<String>,
    #[serde(default, deserialize_with = "flex::string_opt")]
    focus: Option<String>,
}

impl MediaParams {
    fn details(self) -> MediaDetails {
        MediaDetails { description: self.description, focus: self.focus }
    }
}

pub async fn upload_v1(state: web::Data<AppState>, auth: Auth, upload: Upload<MediaParams>) -> AppResult<HttpResponse> {
    let row = accept(&state, &auth, upload, false).await?;
    Ok(HttpResponse::Ok().json(MediaAttachment::from_row(&row, &state.settings)))
}

pub async fn upload_v2(state: web::Data<AppState>, auth: Auth, upload: Upload<MediaParams>) -> AppResult<HttpResponse> {
    let row = accept(&state, &auth, upload, true).await?;
    let status = if row.state == "ready" { actix_web::http::StatusCode::OK } else { actix_web::http::StatusCode::ACCEPTED };
    Ok(HttpResponse::build(status).json(MediaAttachment::from_row(&row, &state.settings)))
}

/// Checks and records an upload, then processes it: before answering, or (`may_defer`, large files) after.
async fn accept(state: &web::Data<AppState>, auth: &Auth, mut upload: Upload<MediaParams>, may_defer: bool) -> AppResult<MediaRow> {
    let me = auth.user(&["write:media"])?;
    let file = upload.take_file("file").ok_or_else(|| AppError::validation("File can't be blank"))?;
    let thumbnail = upload.take_file("thumbnail");
    let probe = media::check_upload(&state.settings.media, &file)?;
    let details = upload.params.details();
    let size = file.len();
    let row = state.db.write(move |conn| media::create(conn, &me.account, probe, size, details)).await?;
    if may_defer && size as u64 > state.settings.media.async_over_bytes {
        let state = state.clone();
        let pending = row.clone();
        actix_web::rt::spawn(async move {
            if let Err(e) = process(&state, pending, file, thumbnail).await {
                log::warn!("media: processing an upload failed: {}", e.cause());
            }
        });
        return Ok(row);
    }
    process(state, row, file, thumbnail).await
}

async fn process(state: &AppState, row: MediaRow, file: Vec<u8>, thumbnail: Option<Vec<u8>>) -> AppResult<MediaRow> {
    let (store, limits, pending) = (state.media.clone(), state.settings.media.clone(), row.clone());
    let processed = web::block(move || media::process(store.as_ref(), &limits, &pending, &file, thumbnail.as_deref()))
        .await
        .map_err(|e| AppError::Internal(format!("media processing: {e}")))?;
    match processed {
        Ok(processed) => state.db.write(move |conn| media::finish(conn, row.id, processed)).await,
        Err(e) => {
            state.db.write(move |conn| media::fail(conn, row.id)).await?;
            Err(e)
        }
    }
}

/// 206 while the file is still being processed, as Mastodon answers.
pub async fn show(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:media"])?;
    let id = path_id(&id)?;
    let row = state.db.read(move |conn| media::get(conn, &me.account, id)).await?;
    let status = if row.state == "ready" { actix_web::http::StatusCode::OK } else { actix_web::http::StatusCode::PARTIAL_CONTENT };
    Ok(HttpResponse::build(status).json(MediaAttachment::from_row(&row, &state.settings)))
}

/// `PUT /api/v1/media/:id`: description, focus, and a `thumbnail` file (multipart) that becomes the preview.
pub async fn update(state: web::Data<AppState>, auth: Auth, id: web::Path<String>, mut upload: Upload<MediaParams>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:media"])?;
    let id = path_id(&id)?;
    let thumbnail = upload.take_file("thumbnail");
    let details = upload.params.details();
    let row = match thumbnail {
        Some(bytes) => replace_thumbnail(&state, &me, id, bytes).await?,
        None => state.db.read({
            let owner = me.account.clone();
            move |conn| media::get(conn, &owner, id)
        }).await?,
    };
    let updated = state.db.write(move |conn| media::update(conn, &me.account, row.id, details)).await?;
    Ok(HttpResponse::Ok().json(MediaAttachment::from_row(&updated, &state.settings)))
}

/// Stores a client's thumbnail as an upload's preview and removes the preview it replaces.
pub async fn replace_thumbnail(state: &AppState, me: &UserSession, media_id: i64, bytes: Vec<u8>) -> AppResult<MediaRow> {
    let owner = me.account.clone();
    let row = state.db.read(move |conn| media::get(conn, &owner, media_id)).await?;
    let (store, limits) = (state.media.clone(), state.settings.media.clone());
    let stored = web::block(move || media::store_thumbnail(store.as_ref(), &limits, &row, &bytes))
        .await
        .map_err(|e| AppError::Internal(format!("media processing: {e}")))??;
    let owner = me.account.clone();
    let (updated, replaced) = state.db.write(move |conn| media::set_thumbnail(conn, &owner, media_id, stored)).await?;
    if let Some(key) = replaced {
        let store = state.media.clone();
        let _ = web::block(move || store.delete(&key)).await;
    }
    Ok(updated)
}

pub async fn delete(state: web::Data<AppState>, auth: Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let me = auth.user(&["write:media"])?;
    let id = path_id(&id)?;
    let keys = state.db.write(move |conn| media::delete(conn, &me.account, id)).await?;
    let store = state.media.clone();
    let _ = web::block(move || keys.iter().try_for_each(|key| store.delete(key))).await;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// A stored file; the random part of its key is what keeps it from being guessed.
pub async fn stored_file(state: web::Data<AppState>, key: web::Path<String>) -> AppResult<HttpResponse> {
    let key = key.into_inner();
    // Archives are their owner's: only `/api/v1/archives/:id/download` serves them.
    if !storage::is_valid_key(&key) || key.starts_with(crate::service::archives::KEY_PREFIX) {
        return Err(AppError::NotFound);
    }
    let store = state.media.clone();
    let lookup = key.clone();
    let bytes = web::block(move || store.get(&lookup))
        .await
        .map_err(|e| AppError::Internal(format!("media store: {e}")))?
        .map_err(|_| AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(storage::content_type_of(&key))
        .insert_header(("Cache-Control", "public, max-age=604800, immutable"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}
