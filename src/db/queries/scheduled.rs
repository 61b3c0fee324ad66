use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::ScheduledStatus;
use crate::db::schema::scheduled_statuses::dsl::*;
use crate::db::{load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, scheduled: &ScheduledStatus) -> AppResult<()> {
    diesel::insert_into(scheduled_statuses).values(scheduled).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, owner: AccountId, scheduled_id: i64) -> AppResult<Option<ScheduledStatus>> {
    Ok(scheduled_statuses
        .filter(account_id.eq(owner))
        .filter(id.eq(scheduled_id))
        .select(ScheduledStatus::as_select())
        .first(conn)
        .optional()?)
}

pub fn page(conn: &mut DbConn, owner: AccountId, page: &Page) -> AppResult<Vec<ScheduledStatus>> {
    let query = scheduled_statuses.filter(account_id.eq(owner)).select(ScheduledStatus::as_select()).into_boxed();
    Ok(load_page!(query, id, page, conn))
}

pub fn reschedule(conn: &mut DbConn, scheduled_id: i64, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(scheduled_statuses.find(scheduled_id)).set(scheduled_at.eq(at)).execute(conn)?;
    Ok(())
}

/// Deletes a scheduled status; false when it was gone already (published or deleted by another).
pub fn delete(conn: &mut DbConn, scheduled_id: i64) -> AppResult<bool> {
    Ok(diesel::delete(scheduled_statuses.find(scheduled_id)).execute(conn)? == 1)
}

pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> AppResult<Vec<ScheduledStatus>> {
    Ok(scheduled_statuses.filter(scheduled_at.le(now)).order(scheduled_at.asc()).limit(limit).select(ScheduledStatus::as_select()).load(conn)?)
}
