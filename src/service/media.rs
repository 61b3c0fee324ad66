//! Media attachments: uploads checked, stored and processed (previews, sizes, BlurHash), described and
//! focused, attached to statuses; remote media referenced by URL.

use rand::Rng;
use serde_json::json;

use crate::config::MediaLimits;
use crate::db::json::Json;
use crate::db::models::{Account, MediaAttachment, MediaDetailsChange, MediaFiles};
use crate::db::queries::media;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::service::images::{self, ImageError, Probe, ProcessedImage, Size};
use crate::storage::MediaStore;

pub const MAX_ATTACHMENTS: usize = 4;
pub const MAX_DESCRIPTION: usize = 1500;

/// Checks an upload before anything is kept: a known kind of file within its size limit.
pub fn check_upload(limits: &MediaLimits, bytes: &[u8]) -> AppResult<Probe> {
    if bytes.is_empty() {
        return Err(AppError::validation("File can't be blank"));
    }
    let probe = images::probe(bytes).ok_or_else(|| AppError::validation("File content type is invalid"))?;
    let limit = if probe.kind == "image" { limits.image_bytes } else { limits.video_bytes };
    if bytes.len() as u64 > limit {
        return Err(AppError::validation(format!("File file size must be less than {} MB", limit >> 20)));
    }
    Ok(probe)
}

/// The description and focal point a client sends with an upload or an update.
#[derive(Debug, Default, Clone)]
pub struct MediaDetails {
    pub description: Option<String>,
    pub focus: Option<String>,
}

fn apply_details(row: &mut MediaAttachment, details: MediaDetails) -> AppResult<()> {
    if let Some(description) = details.description {
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(AppError::validation(format!("Description is too long (maximum is {MAX_DESCRIPTION} characters)")));
        }
        row.description = Some(description).filter(|d| !d.trim().is_empty());
    }
    if let Some(focus) = details.focus {
        (row.focus_x, row.focus_y) = parse_focus(&focus)?;
    }
    Ok(())
}

/// `"x,y"` with each in -1.0..=1.0, Mastodon's focal point.
fn parse_focus(text: &str) -> AppResult<(f64, f64)> {
    let invalid = || AppError::validation("Focus must be two numbers between -1.0 and 1.0, as \"x,y\"");
    let (x, y) = text.split_once(',').ok_or_else(invalid)?;
    let x: f64 = x.trim().parse().map_err(|_| invalid())?;
    let y: f64 = y.trim().parse().map_err(|_| invalid())?;
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(invalid());
    }
    Ok((x, y))
}

/// Records a new upload, not yet processed.
pub fn create(conn: &mut DbConn, owner: &Account, probe: Probe, size: usize, details: MediaDetails) -> AppResult<MediaAttachment> {
    let mut row = MediaAttachment {
        id: ids::next_id(),
        account_id: owner.id,
        status_id: None,
        position: 0,
        kind: probe.kind.to_owned(),
        content_type: probe.content_type.to_owned(),
        state: "processing".into(),
        file_key: None,
        preview_key: None,
        file_size: size as i64,
        remote_url: None,
        preview_remote_url: None,
        description: None,
        focus_x: 0.0,
        focus_y: 0.0,
        meta: Json(json!({})),
        blurhash: None,
        created_at: ids::now(),
    };
    apply_details(&mut row, details)?;
    media::insert(conn, &row)?;
    Ok(row)
}

/// What processing produced, to be recorded with [`finish`].
pub struct Processed {
    file_key: String,
    preview_key: Option<String>,
    meta: serde_json::Value,
    blurhash: Option<String>,
}

/// Stores the file and its preview (CPU and disk work; call it off the async threads, outside transactions).
pub fn process(store: &dyn MediaStore, limits: &MediaLimits, row: &MediaAttachment, bytes: &[u8], thumbnail: Option<&[u8]>) -> AppResult<Processed> {
    let probe = images::probe(bytes).ok_or_else(|| AppError::validation("File content type is invalid"))?;
    let folder = format!("media_attachments/{}/{}", row.id, random_part());
    let file_key = format!("{folder}/original.{}", probe.extension);
    let stored = |key: &str, bytes: &[u8]| store.put(key, bytes).map_err(|e| AppError::Internal(format!("media store: {e}")));
    if probe.kind == "image" {
        let done = images::process(bytes, probe, limits.image_pixels).map_err(image_error)?;
        let preview_key = format!("{folder}/small.{}", done.preview_extension);
        stored(&file_key, &done.original)?;
        stored(&preview_key, &done.preview)?;
        return Ok(Processed {
            file_key,
            preview_key: Some(preview_key),
            meta: image_meta(&done),
            blurhash: Some(done.blurhash),
        });
    }
    stored(&file_key, bytes)?;
    // Video and audio are kept as uploaded; a thumbnail the client sent becomes the preview.
    let thumbnail = thumbnail.map(|t| thumbnail_image(t, limits)).transpose()?;
    let mut meta = json!({});
    let (preview_key, blurhash) = match thumbnail {
        Some(done) => {
            let key = format!("{folder}/small.{}", done.preview_extension);
            stored(&key, &done.preview)?;
            meta["small"] = size_json(done.preview_size);
            (Some(key), Some(done.blurhash))
        }
        None => (None, None),
    };
    Ok(Processed { file_key, preview_key, meta, blurhash })
}

/// A preview image the client chose (Mastodon's `thumbnail`), stored but not yet recorded.
pub struct StoredThumbnail {
    key: String,
    small: serde_json::Value,
    blurhash: String,
}

/// Stores a client's thumbnail for an upload (off the async threads, outside transactions).
pub fn store_thumbnail(store: &dyn MediaStore, limits: &MediaLimits, row: &MediaAttachment, bytes: &[u8]) -> AppResult<StoredThumbnail> {
    let done = thumbnail_image(bytes, limits)?;
    let key = format!("media_attachments/{}/{}/thumbnail.{}", row.id, random_part(), done.preview_extension);
    store.put(&key, &done.preview).map_err(|e| AppError::Internal(format!("media store: {e}")))?;
    Ok(StoredThumbnail { key, small: size_json(done.preview_size), blurhash: done.blurhash })
}

/// Makes a stored thumbnail the upload's preview; answers the upload and the key of the preview it replaced
/// (to remove after commit).
pub fn set_thumbnail(conn: &mut DbConn, owner: &Account, media_id: i64, thumbnail: StoredThumbnail) -> AppResult<(MediaAttachment, Option<String>)> {
    let row = get(conn, owner, media_id)?;
    let mut meta = row.meta.0.clone();
    if !meta.is_object() {
        meta = json!({});
    }
    meta["small"] = thumbnail.small;
    media::set_preview(conn, row.id, &thumbnail.key, &meta, &thumbnail.blurhash)?;
    let updated = media::find(conn, row.id)?.ok_or(AppError::NotFound)?;
    Ok((updated, row.preview_key))
}

fn thumbnail_image(bytes: &[u8], limits: &MediaLimits) -> AppResult<ProcessedImage> {
    let probe = images::probe(bytes).filter(|p| p.kind == "image").ok_or_else(|| AppError::validation("Thumbnail content type is invalid"))?;
    images::process(bytes, probe, limits.image_pixels).map_err(image_error)
}

fn image_error(error: ImageError) -> AppError {
    AppError::validation(error.to_string())
}

fn image_meta(done: &ProcessedImage) -> serde_json::Value {
    json!({
        "original": size_json(done.original_size),
        "small": size_json(done.preview_size),
    })
}

fn size_json(size: Size) -> serde_json::Value {
    json!({
        "width": size.width,
        "height": size.height,
        "size": format!("{}x{}", size.width, size.height),
        "aspect": f64::from(size.width) / f64::from(size.height.max(1)),
    })
}

fn random_part() -> String {
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}

/// Records the processed files, and only them: a description or focus the client set meanwhile stays.
pub fn finish(conn: &mut DbConn, media_id: i64, processed: Processed) -> AppResult<MediaAttachment> {
    let files = MediaFiles {
        file_key: Some(processed.file_key),
        preview_key: processed.preview_key,
        blurhash: processed.blurhash,
        meta: Json(processed.meta),
        state: "ready".into(),
    };
    media::record_files(conn, media_id, files)?;
    media::find(conn, media_id)?.ok_or(AppError::NotFound)
}

/// An upload whose processing failed is removed, so it cannot be attached.
pub fn fail(conn: &mut DbConn, media_id: i64) -> AppResult<()> {
    media::delete(conn, media_id)
}

/// One of the owner's uploads.
pub fn get(conn: &mut DbConn, owner: &Account, media_id: i64) -> AppResult<MediaAttachment> {
    media::find(conn, media_id)?.filter(|m| m.account_id == owner.id).ok_or(AppError::NotFound)
}

pub fn update(conn: &mut DbConn, owner: &Account, media_id: i64, details: MediaDetails) -> AppResult<MediaAttachment> {
    let mut row = get(conn, owner, media_id)?;
    apply_details(&mut row, details)?;
    let change = MediaDetailsChange { description: row.description.clone(), focus_x: row.focus_x, focus_y: row.focus_y };
    media::set_details(conn, media_id, &change)?;
    Ok(row)
}

/// Deletes an upload not attached to any status; answers the keys of its files, to remove after commit.
pub fn delete(conn: &mut DbConn, owner: &Account, media_id: i64) -> AppResult<Vec<String>> {
    let row = get(conn, owner, media_id)?;
    if row.status_id.is_some() {
        return Err(AppError::validation("Media attachment is currently used by a status"));
    }
    media::delete(conn, row.id)?;
    Ok([row.file_key, row.preview_key].into_iter().flatten().collect())
}

/// Deletes uploads whose status is gone (`delete_media=true`); answers the keys of their files, to remove
/// after commit.
pub fn delete_detached(conn: &mut DbConn, rows: &[MediaAttachment]) -> AppResult<Vec<String>> {
    let mut files = Vec::new();
    for row in rows {
        media::delete(conn, row.id)?;
        files.extend([row.file_key.clone(), row.preview_key.clone()].into_iter().flatten());
    }
    Ok(files)
}

/// Attaches the owner's processed, unattached uploads to a status, in the order given.
pub fn attach(conn: &mut DbConn, owner: &Account, status_id: StatusId, media_ids: &[i64]) -> AppResult<Vec<MediaAttachment>> {
    if media_ids.len() > MAX_ATTACHMENTS {
        return Err(AppError::validation(format!("Media attachments: at most {MAX_ATTACHMENTS} can be attached")));
    }
    let found = media::find_many(conn, media_ids)?;
    let mut attached = Vec::new();
    for (position, id) in media_ids.iter().enumerate() {
        let mut row = found.iter().find(|m| m.id == *id && m.account_id == owner.id).cloned().ok_or_else(|| {
            AppError::validation(format!("Media attachment {id} was not found"))
        })?;
        if row.status_id.is_some_and(|s| s != status_id) {
            return Err(AppError::validation(format!("Media attachment {id} is already attached to another status")));
        }
        if row.state != "ready" {
            return Err(AppError::validation("Cannot attach files that have not finished processing. Try again in a moment!"));
        }
        row.status_id = Some(status_id);
        row.position = position as i32;
        media::attach(conn, row.id, status_id, row.position)?;
        attached.push(row);
    }
    Ok(attached)
}

/// Replaces a status's attachments with `media_ids` (an edit): the others are unlinked, kept for their owner.
pub fn reattach(conn: &mut DbConn, owner: &Account, status_id: StatusId, media_ids: &[i64]) -> AppResult<Vec<MediaAttachment>> {
    media::detach_all(conn, status_id)?;
    attach(conn, owner, status_id, media_ids)
}

pub fn of_status(conn: &mut DbConn, status_id: StatusId) -> AppResult<Vec<MediaAttachment>> {
    media::of_statuses(conn, &[status_id])
}

/// Media another instance attached to a status, referenced by its URL (not copied).
#[derive(Debug, Clone, Default)]
pub struct RemoteMedia {
    pub url: String,
    pub media_type: Option<String>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub focus: Option<(f64, f64)>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Sets a remote status's attachments to `remote` (replacing what an earlier version had).
pub fn replace_remote(conn: &mut DbConn, author: &Account, status_id: StatusId, remote: &[RemoteMedia]) -> AppResult<()> {
    for old in media::of_statuses(conn, &[status_id])? {
        media::delete(conn, old.id)?;
    }
    for (position, item) in remote.iter().take(MAX_ATTACHMENTS * 4).enumerate() {
        let media_type = item.media_type.clone().unwrap_or_default();
        let kind = match media_type.split('/').next().unwrap_or("") {
            "image" => "image",
            "video" => "video",
            "audio" => "audio",
            _ => "unknown",
        };
        let (focus_x, focus_y) = item.focus.unwrap_or((0.0, 0.0));
        let mut meta = json!({});
        if let (Some(width), Some(height)) = (item.width, item.height) {
            meta["original"] = size_json(Size { width, height });
        }
        media::insert(
            conn,
            &MediaAttachment {
                id: ids::next_id(),
                account_id: author.id,
                status_id: Some(status_id),
                position: position as i32,
                kind: kind.to_owned(),
                content_type: media_type,
                state: "ready".into(),
                file_key: None,
                preview_key: None,
                file_size: 0,
                remote_url: Some(item.url.clone()),
                preview_remote_url: None,
                description: item.description.clone().map(|d| d.chars().take(MAX_DESCRIPTION).collect()),
                focus_x: focus_x.clamp(-1.0, 1.0),
                focus_y: focus_y.clamp(-1.0, 1.0),
                meta: Json(meta),
                blurhash: item.blurhash.clone().filter(|b| b.len() <= 100),
                created_at: ids::now(),
            },
        )?;
    }
    Ok(())
}

/// A new avatar or header: cropped, scaled and stored; answers its key.
pub fn store_profile_image(store: &dyn MediaStore, limits: &MediaLimits, account_id: AccountId, which: ProfileImage, bytes: &[u8]) -> AppResult<String> {
    if images::probe(bytes).is_none_or(|probe| probe.kind != "image") {
        return Err(AppError::validation(format!("{} content type is invalid", which.label())));
    }
    if bytes.len() as u64 > limits.image_bytes {
        return Err(AppError::validation(format!("{} file size must be less than {} MB", which.label(), limits.image_bytes >> 20)));
    }
    let (width, height) = which.size();
    let png = images::profile_image(bytes, width, height, limits.image_pixels).map_err(image_error)?;
    let key = format!("accounts/{}/{account_id}/{}.png", which.folder(), random_part());
    store.put(&key, &png).map_err(|e| AppError::Internal(format!("media store: {e}")))?;
    Ok(key)
}

#[derive(Debug, Clone, Copy)]
pub enum ProfileImage {
    Avatar,
    Header,
}

impl ProfileImage {
    fn size(self) -> (u32, u32) {
        match self {
            ProfileImage::Avatar => (400, 400),
            ProfileImage::Header => (1500, 500),
        }
    }

    fn folder(self) -> &'static str {
        match self {
            ProfileImage::Avatar => "avatars",
            ProfileImage::Header => "headers",
        }
    }

    fn label(self) -> &'static str {
        match self {
            ProfileImage::Avatar => "Avatar",
            ProfileImage::Header => "Header",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_focus;

    #[test]
    fn focus_is_two_numbers_in_range() {
        assert_eq!(parse_focus("-0.5, 0.3").unwrap(), (-0.5, 0.3));
        for bad in ["0.5", "2,0", "a,b", ""] {
            assert!(parse_focus(bad).is_err(), "{bad}");
        }
    }
}
