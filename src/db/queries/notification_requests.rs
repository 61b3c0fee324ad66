//! Notification policies, the requests of filtered senders and the senders a recipient accepted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::{NotificationPolicy, NotificationRequest};
use crate::db::schema::{notification_permissions, notification_policies, notification_requests, notifications};
use crate::db::{insert_if_absent, load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};

pub fn policy_of(conn: &mut DbConn, owner: AccountId) -> AppResult<Option<NotificationPolicy>> {
    Ok(notification_policies::table.find(owner).select(NotificationPolicy::as_select()).first(conn).optional()?)
}

pub fn save_policy(conn: &mut DbConn, policy: &NotificationPolicy) -> AppResult<()> {
    diesel::delete(notification_policies::table.find(policy.account_id)).execute(conn)?;
    diesel::insert_into(notification_policies::table).values(policy.clone()).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, owner: AccountId, request_id: i64) -> AppResult<Option<NotificationRequest>> {
    Ok(notification_requests::table
        .filter(notification_requests::account_id.eq(owner))
        .filter(notification_requests::id.eq(request_id))
        .select(NotificationRequest::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_sender(conn: &mut DbConn, owner: AccountId, sender: AccountId) -> AppResult<Option<NotificationRequest>> {
    Ok(notification_requests::table
        .filter(notification_requests::account_id.eq(owner))
        .filter(notification_requests::from_account_id.eq(sender))
        .select(NotificationRequest::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, request: &NotificationRequest) -> AppResult<()> {
    diesel::insert_into(notification_requests::table).values(request.clone()).execute(conn)?;
    Ok(())
}

/// One more filtered notification in a request.
pub fn count_one_more(conn: &mut DbConn, request_id: i64, status: Option<StatusId>, at: NaiveDateTime) -> AppResult<()> {
    let request = notification_requests::table.find(request_id);
    diesel::update(request)
        .set((
            notification_requests::notifications_count.eq(notification_requests::notifications_count + 1),
            notification_requests::updated_at.eq(at),
        ))
        .execute(conn)?;
    if let Some(status) = status {
        diesel::update(request).set(notification_requests::last_status_id.eq(status)).execute(conn)?;
    }
    Ok(())
}

pub fn page(conn: &mut DbConn, owner: AccountId, page: &Page) -> AppResult<Vec<NotificationRequest>> {
    let query = notification_requests::table
        .filter(notification_requests::account_id.eq(owner))
        .select(NotificationRequest::as_select())
        .into_boxed();
    Ok(load_page!(query, notification_requests::id, page, conn))
}

pub fn delete(conn: &mut DbConn, request_id: i64) -> AppResult<()> {
    diesel::delete(notification_requests::table.find(request_id)).execute(conn)?;
    Ok(())
}

/// (requests, notifications) waiting for the owner.
pub fn pending(conn: &mut DbConn, owner: AccountId) -> AppResult<(i64, i64)> {
    let counts: Vec<i32> = notification_requests::table
        .filter(notification_requests::account_id.eq(owner))
        .select(notification_requests::notifications_count)
        .load(conn)?;
    Ok((counts.len() as i64, counts.iter().map(|c| i64::from(*c)).sum()))
}

pub fn permits(conn: &mut DbConn, owner: AccountId, sender: AccountId) -> AppResult<bool> {
    let found: i64 = notification_permissions::table
        .filter(notification_permissions::account_id.eq(owner))
        .filter(notification_permissions::from_account_id.eq(sender))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

pub fn permit(conn: &mut DbConn, owner: AccountId, sender: AccountId) -> AppResult<()> {
    insert_if_absent(conn, |conn| {
        diesel::insert_into(notification_permissions::table)
            .values((notification_permissions::account_id.eq(owner), notification_permissions::from_account_id.eq(sender)))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

/// The sender's filtered notifications join the owner's lists.
pub fn release_notifications(conn: &mut DbConn, owner: AccountId, sender: AccountId) -> AppResult<()> {
    diesel::update(notifications::table.filter(notifications::account_id.eq(owner)).filter(notifications::from_account_id.eq(sender)))
        .set(notifications::filtered.eq(false))
        .execute(conn)?;
    Ok(())
}

pub fn delete_filtered_notifications(conn: &mut DbConn, owner: AccountId, sender: AccountId) -> AppResult<()> {
    let filtered = notifications::table
        .filter(notifications::account_id.eq(owner))
        .filter(notifications::from_account_id.eq(sender))
        .filter(notifications::filtered.eq(true));
    diesel::delete(filtered).execute(conn)?;
    Ok(())
}
