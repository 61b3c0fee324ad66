//! What local accounts do to statuses: favourite, bookmark, pin, reblog.

use std::sync::Arc;

use crate::db::{DbConn, Tx};
use crate::db::kinds::{NotificationKind, Visibility};
use crate::db::models::{Account, Status};
use crate::db::queries::{marks, notifications as notification_rows, statuses};
use crate::db::tx::Outbound;
use crate::error::{AppError, AppResult};
use crate::ids::StatusId;
use crate::service::notifications::notify;
use crate::service::views::{self, StatusView};

use super::pipeline::{insert_reblog, new_mark, remove_reblog};
use super::{own_status, MAX_PINNED};

/// A status the actor may see and act on: never a reblog wrapper (actions go to the original).
fn visible_original(conn: &mut DbConn, actor: &Account, status_id: StatusId) -> AppResult<Status> {
    let view = views::status_for(conn, Some(actor.id), status_id)?.ok_or(AppError::NotFound)?;
    Ok(match view.reblog {
        Some(original) => Arc::unwrap_or_clone(original.status),
        None => Arc::unwrap_or_clone(view.status),
    })
}

fn view_of(conn: &mut DbConn, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    views::status_for(conn, Some(actor.id), status_id)?.ok_or(AppError::NotFound)
}

pub fn favourite(tx: &mut Tx, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let status = visible_original(tx, actor, status_id)?;
    let mark = new_mark(actor, status.id);
    if marks::favourites::insert(tx, &mark)? {
        statuses::add_favourites(tx, status.id, 1)?;
        notify(tx, status.account_id, actor.id, NotificationKind::Favourite, Some(status.id))?;
        tx.federate(Outbound::Favourited { actor, status: &status, like_id: mark.id })?;
    }
    view_of(tx, actor, status.id)
}

pub fn unfavourite(tx: &mut Tx, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let status = visible_original(tx, actor, status_id)?;
    if let Some(mark) = marks::favourites::find(tx, actor.id, status.id)? {
        marks::favourites::delete(tx, actor.id, status.id)?;
        statuses::add_favourites(tx, status.id, -1)?;
        notification_rows::delete_caused_by(tx, status.account_id, actor.id, NotificationKind::Favourite, Some(status.id))?;
        tx.federate(Outbound::Unfavourited { actor, status: &status, like_id: mark.id })?;
    }
    view_of(tx, actor, status.id)
}

pub fn bookmark(conn: &mut DbConn, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let status = visible_original(conn, actor, status_id)?;
    marks::bookmarks::insert(conn, &new_mark(actor, status.id))?;
    view_of(conn, actor, status.id)
}

pub fn unbookmark(conn: &mut DbConn, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let status = visible_original(conn, actor, status_id)?;
    marks::bookmarks::delete(conn, actor.id, status.id)?;
    view_of(conn, actor, status.id)
}

pub fn pin(conn: &mut DbConn, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let status = own_status(conn, actor, status_id)?;
    if status.reblog_of_id.is_some() {
        return Err(AppError::validation("Boosts cannot be pinned"));
    }
    if status.visibility == Visibility::Direct {
        return Err(AppError::validation("Direct posts cannot be pinned"));
    }
    if marks::status_pins::find(conn, actor.id, status.id)?.is_none() {
        if marks::status_pins::count_of(conn, actor.id)? >= MAX_PINNED {
            return Err(AppError::validation("You have already pinned the maximum number of posts"));
        }
        marks::status_pins::insert(conn, &new_mark(actor, status.id))?;
    }
    view_of(conn, actor, status.id)
}

pub fn unpin(conn: &mut DbConn, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let status = own_status(conn, actor, status_id)?;
    marks::status_pins::delete(conn, actor.id, status.id)?;
    view_of(conn, actor, status.id)
}

/// Reblogs a status; answers the reblog wrapper. Reblogging twice answers the same reblog.
pub fn reblog(tx: &mut Tx, actor: &Account, status_id: StatusId, visibility: Option<Visibility>) -> AppResult<StatusView> {
    let original = visible_original(tx, actor, status_id)?;
    let allowed = original.visibility.is_open()
        || (original.visibility == Visibility::Private && original.account_id == actor.id);
    if !allowed {
        return Err(AppError::Forbidden("This action is not allowed".into()));
    }
    if let Some(existing) = statuses::find_reblog(tx, actor.id, original.id)? {
        return view_of(tx, actor, existing.id);
    }
    let visibility = match (visibility, original.visibility) {
        (_, Visibility::Private) => Visibility::Private,
        (Some(v @ (Visibility::Public | Visibility::Unlisted | Visibility::Private)), _) => v,
        _ => Visibility::Public,
    };
    boost(tx, actor, &original, visibility)
}

/// Writes a local account's reblog of `original` and tells other instances; answers the reblog wrapper.
pub(super) fn boost(tx: &mut Tx, actor: &Account, original: &Status, visibility: Visibility) -> AppResult<StatusView> {
    let id = StatusId::next();
    let uri = format!("{}/statuses/{id}/activity", actor.uri);
    insert_reblog(tx, actor, original, id, &uri, visibility)?;
    let view = view_of(tx, actor, id)?;
    tx.federate(Outbound::Reblogged(&view))?;
    Ok(view)
}

/// Undoes a reblog; answers the original status.
pub fn unreblog(tx: &mut Tx, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let original = visible_original(tx, actor, status_id)?;
    if let Some(reblog) = statuses::find_reblog(tx, actor.id, original.id)? {
        let reblog_view = view_of(tx, actor, reblog.id)?;
        tx.federate(Outbound::Unreblogged(&reblog_view))?;
        remove_reblog(tx, &reblog)?;
    }
    view_of(tx, actor, original.id)
}

/// Mutes the conversation a status belongs to: its replies, favourites and boosts notify the actor no more.
pub fn mute_conversation(tx: &mut Tx, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let status = visible_original(tx, actor, status_id)?;
    marks::thread_mutes::insert(tx, actor.id, status.thread_id)?;
    view_of(tx, actor, status_id)
}

pub fn unmute_conversation(tx: &mut Tx, actor: &Account, status_id: StatusId) -> AppResult<StatusView> {
    let status = visible_original(tx, actor, status_id)?;
    marks::thread_mutes::delete(tx, actor.id, status.thread_id)?;
    view_of(tx, actor, status_id)
}
