use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::{Filter, FilterKeyword, FilterStatus};
use crate::db::schema::{filter_keywords, filter_statuses, filters};
use crate::db::{insert_if_absent, DbConn};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};

pub fn insert(conn: &mut DbConn, filter: &Filter) -> AppResult<()> {
    note(Stale::Viewer(filter.account_id));
    diesel::insert_into(filters::table).values(filter.clone()).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, filter: &Filter) -> AppResult<()> {
    note(Stale::Viewer(filter.account_id));
    diesel::update(filters::table.find(filter.id)).set(filter.clone()).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, filter_id: i64) -> AppResult<()> {
    note_owner_of(conn, filter_id)?;
    diesel::delete(filters::table.find(filter_id)).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, owner: AccountId, filter_id: i64) -> AppResult<Option<Filter>> {
    Ok(filters::table
        .filter(filters::id.eq(filter_id))
        .filter(filters::account_id.eq(owner))
        .select(Filter::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_owner(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<Filter>> {
    Ok(filters::table.filter(filters::account_id.eq(owner)).order(filters::id.asc()).select(Filter::as_select()).load(conn)?)
}

/// The owner's filters that have not expired at `now`.
pub fn active_of_owner(conn: &mut DbConn, owner: AccountId, now: NaiveDateTime) -> AppResult<Vec<Filter>> {
    Ok(filters::table
        .filter(filters::account_id.eq(owner))
        .filter(filters::expires_at.is_null().or(filters::expires_at.gt(now)))
        .order(filters::id.asc())
        .select(Filter::as_select())
        .load(conn)?)
}

pub fn keywords_of(conn: &mut DbConn, filter_ids: &[i64]) -> AppResult<Vec<FilterKeyword>> {
    Ok(filter_keywords::table
        .filter(filter_keywords::filter_id.eq_any(filter_ids))
        .order(filter_keywords::id.asc())
        .select(FilterKeyword::as_select())
        .load(conn)?)
}

pub fn statuses_of(conn: &mut DbConn, filter_ids: &[i64]) -> AppResult<Vec<FilterStatus>> {
    Ok(filter_statuses::table
        .filter(filter_statuses::filter_id.eq_any(filter_ids))
        .order(filter_statuses::id.asc())
        .select(FilterStatus::as_select())
        .load(conn)?)
}

pub fn insert_keyword(conn: &mut DbConn, keyword: &FilterKeyword) -> AppResult<()> {
    note_owner_of(conn, keyword.filter_id)?;
    diesel::insert_into(filter_keywords::table).values(keyword).execute(conn)?;
    Ok(())
}

pub fn update_keyword(conn: &mut DbConn, keyword: &FilterKeyword) -> AppResult<()> {
    note_owner_of(conn, keyword.filter_id)?;
    diesel::update(filter_keywords::table.find(keyword.id)).set(keyword).execute(conn)?;
    Ok(())
}

pub fn delete_keyword(conn: &mut DbConn, keyword_id: i64) -> AppResult<()> {
    let filter_id: Option<i64> = filter_keywords::table.find(keyword_id).select(filter_keywords::filter_id).first(conn).optional()?;
    if let Some(filter_id) = filter_id {
        note_owner_of(conn, filter_id)?;
    }
    diesel::delete(filter_keywords::table.find(keyword_id)).execute(conn)?;
    Ok(())
}

/// A keyword together with its filter, when the filter belongs to `owner`.
pub fn find_keyword(conn: &mut DbConn, owner: AccountId, keyword_id: i64) -> AppResult<Option<(FilterKeyword, Filter)>> {
    Ok(filter_keywords::table
        .inner_join(filters::table)
        .filter(filter_keywords::id.eq(keyword_id))
        .filter(filters::account_id.eq(owner))
        .select((FilterKeyword::as_select(), Filter::as_select()))
        .first(conn)
        .optional()?)
}

/// Adds a status to a filter; false when it was there already.
pub fn insert_status(conn: &mut DbConn, row: &FilterStatus) -> AppResult<bool> {
    note_owner_of(conn, row.filter_id)?;
    insert_if_absent(conn, |conn| {
        diesel::insert_into(filter_statuses::table).values(row).execute(conn)?;
        Ok(())
    })
}

pub fn find_status(conn: &mut DbConn, owner: AccountId, row_id: i64) -> AppResult<Option<(FilterStatus, Filter)>> {
    Ok(filter_statuses::table
        .inner_join(filters::table)
        .filter(filter_statuses::id.eq(row_id))
        .filter(filters::account_id.eq(owner))
        .select((FilterStatus::as_select(), Filter::as_select()))
        .first(conn)
        .optional()?)
}

pub fn find_status_in(conn: &mut DbConn, filter_id: i64, status_id: StatusId) -> AppResult<Option<FilterStatus>> {
    Ok(filter_statuses::table
        .filter(filter_statuses::filter_id.eq(filter_id))
        .filter(filter_statuses::status_id.eq(status_id))
        .select(FilterStatus::as_select())
        .first(conn)
        .optional()?)
}

pub fn delete_status(conn: &mut DbConn, row_id: i64) -> AppResult<()> {
    let filter_id: Option<i64> = filter_statuses::table.find(row_id).select(filter_statuses::filter_id).first(conn).optional()?;
    if let Some(filter_id) = filter_id {
        note_owner_of(conn, filter_id)?;
    }
    diesel::delete(filter_statuses::table.find(row_id)).execute(conn)?;
    Ok(())
}

/// The owner of a filter sees it change.
fn note_owner_of(conn: &mut DbConn, filter_id: i64) -> AppResult<()> {
    let owner: Option<AccountId> = filters::table.find(filter_id).select(filters::account_id).first(conn).optional()?;
    if let Some(owner) = owner {
        note(Stale::Viewer(owner));
    }
    Ok(())
}
