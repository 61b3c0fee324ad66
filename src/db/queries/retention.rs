//! What the retention settings would remove, and legal holds that exempt accounts from it.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::db::models::{LegalHold, MediaAttachment};
use crate::db::schema::{bookmarks, legal_holds, media_attachments, notifications, scheduled_statuses, status_pins, statuses};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};

/// Local statuses created before a time, except pinned ones, those their author bookmarked, and held
/// accounts'.
macro_rules! expired_local_statuses {
    ($before:expr) => {
        statuses::table
            .filter(statuses::local.eq(true))
            .filter(statuses::created_at.lt($before))
            .filter(not(exists(status_pins::table.filter(status_pins::status_id.eq(statuses::id)))))
            .filter(not(exists(
                bookmarks::table.filter(bookmarks::status_id.eq(statuses::id)).filter(bookmarks::account_id.eq(statuses::account_id)),
            )))
            .filter(statuses::account_id.ne_all(legal_holds::table.select(legal_holds::account_id)))
    };
}

/// Other instances' statuses received before a time, except those a user here bookmarked, and held
/// accounts'.
macro_rules! expired_remote_statuses {
    ($before:expr) => {
        statuses::table
            .filter(statuses::local.eq(false))
            .filter(statuses::created_at.lt($before))
            .filter(not(exists(bookmarks::table.filter(bookmarks::status_id.eq(statuses::id)))))
            .filter(statuses::account_id.ne_all(legal_holds::table.select(legal_holds::account_id)))
    };
}

/// Media attached to nothing (never posted, or whose post is gone) since before a time, except held
/// accounts' and those of accounts with a scheduled status (its media wait unattached until it is posted).
macro_rules! expired_media {
    ($before:expr) => {
        media_attachments::table
            .filter(media_attachments::status_id.is_null())
            .filter(media_attachments::created_at.lt($before))
            .filter(media_attachments::account_id.ne_all(legal_holds::table.select(legal_holds::account_id)))
            .filter(media_attachments::account_id.ne_all(scheduled_statuses::table.select(scheduled_statuses::account_id)))
    };
}

macro_rules! expired_notifications {
    ($before:expr) => {
        notifications::table
            .filter(notifications::created_at.lt($before))
            .filter(notifications::account_id.ne_all(legal_holds::table.select(legal_holds::account_id)))
    };
}

/// (status id, author) of the oldest expired local statuses.
pub fn expired_local_statuses(conn: &mut DbConn, before: NaiveDateTime, limit: i64) -> AppResult<Vec<(StatusId, AccountId)>> {
    Ok(expired_local_statuses!(before).order(statuses::id.asc()).limit(limit).select((statuses::id, statuses::account_id)).load(conn)?)
}

pub fn count_expired_local_statuses(conn: &mut DbConn, before: NaiveDateTime) -> AppResult<i64> {
    Ok(expired_local_statuses!(before).count().get_result(conn)?)
}

/// (URI, author) of the oldest expired statuses of other instances.
pub fn expired_remote_statuses(conn: &mut DbConn, before: NaiveDateTime, limit: i64) -> AppResult<Vec<(String, AccountId)>> {
    Ok(expired_remote_statuses!(before).order(statuses::id.asc()).limit(limit).select((statuses::uri, statuses::account_id)).load(conn)?)
}

pub fn count_expired_remote_statuses(conn: &mut DbConn, before: NaiveDateTime) -> AppResult<i64> {
    Ok(expired_remote_statuses!(before).count().get_result(conn)?)
}

pub fn expired_media(conn: &mut DbConn, before: NaiveDateTime, limit: i64) -> AppResult<Vec<MediaAttachment>> {
    Ok(expired_media!(before).order(media_attachments::id.asc()).limit(limit).select(MediaAttachment::as_select()).load(conn)?)
}

pub fn count_expired_media(conn: &mut DbConn, before: NaiveDateTime) -> AppResult<i64> {
    Ok(expired_media!(before).count().get_result(conn)?)
}

pub fn delete_media(conn: &mut DbConn, media_ids: &[i64]) -> AppResult<usize> {
    Ok(diesel::delete(media_attachments::table.filter(media_attachments::id.eq_any(media_ids))).execute(conn)?)
}

/// Deletes up to `limit` of the oldest expired notifications; answers how many.
pub fn delete_expired_notifications(conn: &mut DbConn, before: NaiveDateTime, limit: i64) -> AppResult<usize> {
    let oldest: Vec<i64> = expired_notifications!(before).order(notifications::id.asc()).limit(limit).select(notifications::id).load(conn)?;
    Ok(diesel::delete(notifications::table.filter(notifications::id.eq_any(oldest))).execute(conn)?)
}

pub fn count_expired_notifications(conn: &mut DbConn, before: NaiveDateTime) -> AppResult<i64> {
    Ok(expired_notifications!(before).count().get_result(conn)?)
}

pub fn find_hold(conn: &mut DbConn, account_id: AccountId) -> AppResult<Option<LegalHold>> {
    Ok(legal_holds::table.find(account_id).select(LegalHold::as_select()).first(conn).optional()?)
}

/// Places a hold (or changes its reason).
pub fn put_hold(conn: &mut DbConn, hold: &LegalHold) -> AppResult<()> {
    diesel::delete(legal_holds::table.find(hold.account_id)).execute(conn)?;
    diesel::insert_into(legal_holds::table).values(hold.clone()).execute(conn)?;
    Ok(())
}

/// Lifts a hold; false when there was none.
pub fn delete_hold(conn: &mut DbConn, account_id: AccountId) -> AppResult<bool> {
    Ok(diesel::delete(legal_holds::table.find(account_id)).execute(conn)? == 1)
}

pub fn holds(conn: &mut DbConn) -> AppResult<Vec<LegalHold>> {
    Ok(legal_holds::table.order(legal_holds::created_at.asc()).select(LegalHold::as_select()).load(conn)?)
}
