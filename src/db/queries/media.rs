use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::{MediaAttachment, MediaDetailsChange, MediaFiles};
use crate::db::schema::media_attachments;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::StatusId;

pub fn insert(conn: &mut DbConn, media: &MediaAttachment) -> AppResult<()> {
    if let Some(status_id) = media.status_id {
        note(Stale::Status(status_id));
    }
    diesel::insert_into(media_attachments::table).values(media.clone()).execute(conn)?;
    Ok(())
}

/// What processing produced; the client's description and focus are other columns.
pub fn record_files(conn: &mut DbConn, media_id: i64, files: MediaFiles) -> AppResult<()> {
    note_status_of(conn, media_id)?;
    diesel::update(media_attachments::table.find(media_id)).set(files).execute(conn)?;
    Ok(())
}

/// What the client describes; the processed files are other columns.
pub fn set_details(conn: &mut DbConn, media_id: i64, change: &MediaDetailsChange) -> AppResult<()> {
    note_status_of(conn, media_id)?;
    diesel::update(media_attachments::table.find(media_id)).set(change).execute(conn)?;
    Ok(())
}

/// A new preview image, with the size it gives to `meta.small`.
pub fn set_preview(conn: &mut DbConn, media_id: i64, key: &str, meta: &serde_json::Value, blurhash: &str) -> AppResult<()> {
    note_status_of(conn, media_id)?;
    diesel::update(media_attachments::table.find(media_id))
        .set((
            media_attachments::preview_key.eq(key),
            media_attachments::meta_json.eq(meta.to_string()),
            media_attachments::blurhash.eq(blurhash),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn attach(conn: &mut DbConn, media_id: i64, status_id: StatusId, position: i32) -> AppResult<()> {
    note_status_of(conn, media_id)?;
    note(Stale::Status(status_id));
    diesel::update(media_attachments::table.find(media_id))
        .set((media_attachments::status_id.eq(status_id), media_attachments::position.eq(position)))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, media_id: i64) -> AppResult<()> {
    note_status_of(conn, media_id)?;
    diesel::delete(media_attachments::table.find(media_id)).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, media_id: i64) -> AppResult<Option<MediaAttachment>> {
    Ok(media_attachments::table.find(media_id).select(MediaAttachment::as_select()).first(conn).optional()?)
}

pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> AppResult<Vec<MediaAttachment>> {
    Ok(media_attachments::table
        .filter(media_attachments::id.eq_any(ids))
        .select(MediaAttachment::as_select())
        .load(conn)?)
}

/// The attachments of these statuses, in each status's order.
pub fn of_statuses(conn: &mut DbConn, status_ids: &[StatusId]) -> AppResult<Vec<MediaAttachment>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(media_attachments::table
        .filter(media_attachments::status_id.eq_any(status_ids))
        .order((media_attachments::status_id.asc(), media_attachments::position.asc()))
        .select(MediaAttachment::as_select())
        .load(conn)?)
}

/// Unlinks a status's attachments (they stay the owner's, for a redraft).
pub fn detach_all(conn: &mut DbConn, status_id: StatusId) -> AppResult<()> {
    note(Stale::Status(status_id));
    diesel::update(media_attachments::table.filter(media_attachments::status_id.eq(status_id)))
        .set(media_attachments::status_id.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}

/// The status a media attachment belongs to, if any, changes with it.
fn note_status_of(conn: &mut DbConn, media_id: i64) -> AppResult<()> {
    let attached: Option<Option<StatusId>> =
        media_attachments::table.find(media_id).select(media_attachments::status_id).first(conn).optional()?;
    if let Some(Some(status_id)) = attached {
        note(Stale::Status(status_id));
    }
    Ok(())
}
