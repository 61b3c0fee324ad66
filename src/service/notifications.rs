//! Notifications: made by the actions that cause them, listed and dismissed by their owner.

use crate::db::kinds::FilterContext;
use crate::db::kinds::{NotificationKind, PolicyAction};
use crate::db::Tx;
use crate::db::models::{Account, Notification};
use crate::db::queries::{accounts, notifications};
use crate::db::{DbConn, Page};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId, StatusId};
use crate::db::events::Event;
use crate::service::views::{self, NotificationView};

/// Notifies a local account of something another account did; nothing for oneself or remote accounts, nor
/// from a muted conversation. The recipient's notification policy may drop it, or set it aside in the
/// sender's request.
pub fn notify(tx: &mut Tx, recipient: AccountId, from: AccountId, kind: NotificationKind, status_id: Option<StatusId>) -> AppResult<()> {
    if recipient == from {
        return Ok(());
    }
    if !accounts::find(tx, recipient)?.is_some_and(|a| a.is_local()) || super::safety::silences(tx, recipient, from)? {
        return Ok(());
    }
    if let Some(status_id) = status_id {
        if crate::db::queries::marks::thread_mutes::mutes_status(tx, recipient, status_id)? {
            return Ok(());
        }
    }
    let Some(sender) = accounts::find(tx, from)? else { return Ok(()) };
    match super::notification_requests::screen(tx, recipient, &sender, kind, status_id)? {
        PolicyAction::Drop => Ok(()),
        PolicyAction::Filter => {
            insert_row(tx, recipient, from, kind, status_id, true)?;
            super::notification_requests::record_filtered(tx, recipient, from, status_id)
        }
        PolicyAction::Accept => insert(tx, recipient, from, kind, status_id),
    }
}

/// Notifies a local account of something about its own status (its poll ended).
pub fn notify_own(tx: &mut Tx, recipient: AccountId, kind: NotificationKind, status_id: Option<StatusId>) -> AppResult<()> {
    if !accounts::find(tx, recipient)?.is_some_and(|a| a.is_local()) {
        return Ok(());
    }
    insert(tx, recipient, recipient, kind, status_id)
}

fn insert(tx: &mut Tx, recipient: AccountId, from: AccountId, kind: NotificationKind, status_id: Option<StatusId>) -> AppResult<()> {
    let notification_id = insert_row(tx, recipient, from, kind, status_id, false)?;
    tx.emit(Event::Notified { notification_id, account_id: recipient });
    Ok(())
}

/// A filtered notification joins no group and reaches no stream or push subscription.
fn insert_row(tx: &mut Tx, recipient: AccountId, from: AccountId, kind: NotificationKind, status_id: Option<StatusId>, filtered: bool) -> AppResult<i64> {
    let now = ids::now();
    let group_key = if filtered { None } else { super::notification_groups::key_for(tx, recipient, kind, status_id, now)? };
    let notification = Notification { id: ids::next_id(), account_id: recipient, from_account_id: from, kind, status_id, created_at: now, group_key, filtered };
    notifications::insert(tx, &notification)?;
    Ok(notification.id)
}

pub struct Filter {
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    pub account_id: Option<AccountId>,
    pub include_filtered: bool,
}

impl Filter {
    /// As Mastodon: the notifications of one sender include those set aside (a request's own notifications).
    pub fn shown<'a>(&'a self, hidden_senders: &'a [AccountId]) -> notifications::Shown<'a> {
        notifications::Shown {
            kinds: &self.types,
            excluded: &self.exclude_types,
            from: self.account_id,
            hidden_senders,
            include_filtered: self.include_filtered || self.account_id.is_some(),
        }
    }
}

pub fn list(conn: &mut DbConn, owner: &Account, filter: &Filter, page: &Page) -> AppResult<Vec<NotificationView>> {
    let hidden = super::safety::hidden_authors(conn, owner.id)?;
    let rows = notifications::page(conn, owner.id, &filter.shown(&hidden), page)?;
    let found = views::notifications(conn, owner.id, rows)?;
    let filters = super::filters::ActiveFilters::load(conn, owner.id)?;
    Ok(found
        .into_iter()
        .filter_map(|mut n| {
            let hidden = n.status.as_mut().is_some_and(|status| filters.mark(FilterContext::Notifications, status));
            (!hidden).then_some(n)
        })
        .collect())
}

pub fn get(conn: &mut DbConn, owner: &Account, id: i64) -> AppResult<NotificationView> {
    let row = notifications::find(conn, owner.id, id)?.ok_or(AppError::NotFound)?;
    views::notifications(conn, owner.id, vec![row])?.pop().ok_or(AppError::NotFound)
}

pub fn dismiss(conn: &mut DbConn, owner: &Account, id: i64) -> AppResult<()> {
    if notifications::delete(conn, owner.id, id)? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Notifications newer than the `notifications` marker, as Mastodon counts them (up to 1000).
pub fn unread_count(conn: &mut DbConn, owner: &Account) -> AppResult<i64> {
    let marker = crate::db::queries::markers::find(conn, owner.id, &["notifications".to_owned()])?;
    let after = marker.first().and_then(|m| m.last_read_id.parse().ok()).unwrap_or(0);
    notifications::count_after(conn, owner.id, after, 1000)
}

pub fn clear(conn: &mut DbConn, owner: &Account) -> AppResult<()> {
    notifications::clear(conn, owner.id)
}
