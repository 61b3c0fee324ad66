use diesel::prelude::*;

use crate::db::kinds::NotificationKind;
use crate::db::models::Notification;
use crate::db::schema::notifications::dsl::*;
use crate::db::{load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};

pub fn insert(conn: &mut DbConn, notification: &Notification) -> AppResult<()> {
    diesel::insert_into(notifications).values(notification.clone()).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, owner: AccountId, notification_id: i64) -> AppResult<Option<Notification>> {
    Ok(notifications
        .filter(account_id.eq(owner))
        .filter(id.eq(notification_id))
        .select(Notification::as_select())
        .first(conn)
        .optional()?)
}

/// Which of an account's notifications a list shows.
pub struct Shown<'a> {
    /// Only these kinds (all when empty).
    pub kinds: &'a [String],
    pub excluded: &'a [String],
    pub from: Option<AccountId>,
    pub hidden_senders: &'a [AccountId],
    /// Also those the recipient's policy set aside.
    pub include_filtered: bool,
}

/// A page of an account's notifications.
pub fn page(conn: &mut DbConn, owner: AccountId, shown: &Shown, page: &Page) -> AppResult<Vec<Notification>> {
    let Shown { kinds, excluded, from, hidden_senders, include_filtered } = *shown;
    let mut query = notifications.filter(account_id.eq(owner)).select(Notification::as_select()).into_boxed();
    if !include_filtered {
        query = query.filter(filtered.eq(false));
    }
    if !kinds.is_empty() {
        query = query.filter(kind.eq_any(kinds.to_vec()));
    }
    if !excluded.is_empty() {
        query = query.filter(kind.ne_all(excluded.to_vec()));
    }
    if let Some(from) = from {
        query = query.filter(from_account_id.eq(from));
    }
    if !hidden_senders.is_empty() {
        query = query.filter(from_account_id.ne_all(hidden_senders.to_vec()));
    }
    Ok(load_page!(query, id, page, conn))
}

pub fn delete(conn: &mut DbConn, owner: AccountId, notification_id: i64) -> AppResult<bool> {
    Ok(diesel::delete(notifications.filter(account_id.eq(owner)).filter(id.eq(notification_id))).execute(conn)? > 0)
}

pub fn clear(conn: &mut DbConn, owner: AccountId) -> AppResult<()> {
    diesel::delete(notifications.filter(account_id.eq(owner))).execute(conn)?;
    Ok(())
}

/// Removes the notification an action caused, when the action is undone.
pub fn delete_caused_by(conn: &mut DbConn, owner: AccountId, from: AccountId, of_kind: NotificationKind, of_status: Option<StatusId>) -> AppResult<()> {
    let query = notifications.filter(account_id.eq(owner)).filter(from_account_id.eq(from)).filter(kind.eq(of_kind.as_str()));
    match of_status {
        Some(s) => diesel::delete(query.filter(status_id.eq(s))).execute(conn)?,
        None => diesel::delete(query).execute(conn)?,
    };
    Ok(())
}

pub fn exists_for_status(conn: &mut DbConn, owner: AccountId, of_kind: NotificationKind, of_status: StatusId) -> AppResult<bool> {
    let found: i64 = notifications
        .filter(account_id.eq(owner))
        .filter(kind.eq(of_kind.as_str()))
        .filter(status_id.eq(of_status))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// How many of the account's notifications are newer than `after` (at most `cap`).
pub fn count_after(conn: &mut DbConn, owner: AccountId, after: i64, cap: i64) -> AppResult<i64> {
    let newer: Vec<i64> =
        notifications.filter(account_id.eq(owner)).filter(filtered.eq(false)).filter(id.gt(after)).select(id).limit(cap).load(conn)?;
    Ok(newer.len() as i64)
}

/// The group key of the newest notification of this kind about this status (or about no status).
pub fn latest_group_key(conn: &mut DbConn, owner: AccountId, of_kind: NotificationKind, of_status: Option<StatusId>) -> AppResult<Option<String>> {
    let query = notifications
        .filter(account_id.eq(owner))
        .filter(kind.eq(of_kind.as_str()))
        .filter(group_key.is_not_null())
        .select(group_key)
        .order(id.desc())
        .into_boxed();
    let query = match of_status {
        Some(s) => query.filter(status_id.eq(s)),
        None => query.filter(status_id.is_null()),
    };
    Ok(query.first::<Option<String>>(conn).optional()?.flatten())
}

/// The owner's notifications of one group within the page's bounds, newest first.
pub fn in_group(conn: &mut DbConn, owner: AccountId, key: &str, hidden_senders: &[AccountId], bounds: &Page) -> AppResult<Vec<Notification>> {
    let mut query = notifications
        .filter(account_id.eq(owner))
        .filter(group_key.eq(key.to_owned()))
        .select(Notification::as_select())
        .into_boxed();
    if !hidden_senders.is_empty() {
        query = query.filter(from_account_id.ne_all(hidden_senders.to_vec()));
    }
    if let Some(max_id) = bounds.max_id {
        query = query.filter(id.lt(max_id));
    }
    if let Some(after) = bounds.since_id.max(bounds.min_id) {
        query = query.filter(id.gt(after));
    }
    Ok(query.order(id.desc()).limit(bounds.limit).load(conn)?)
}

pub fn delete_group(conn: &mut DbConn, owner: AccountId, key: &str) -> AppResult<usize> {
    Ok(diesel::delete(notifications.filter(account_id.eq(owner)).filter(group_key.eq(key.to_owned()))).execute(conn)?)
}
