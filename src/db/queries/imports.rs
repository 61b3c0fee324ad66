//! Users' CSV imports and their rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::{Import, ImportRow};
use crate::db::schema::{import_rows, imports};
use crate::db::{load_page, AnyConnection, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

/// How many rows go into one insert statement (SQLite binds at most 32,766 values).
const ROWS_PER_INSERT: usize = 500;

pub fn insert(conn: &mut DbConn, import: &Import, rows: Vec<ImportRow>) -> AppResult<()> {
    diesel::insert_into(imports::table).values(import.clone()).execute(conn)?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<ImportRow> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        // Multi-row inserts are backend statements (the connection enum has none of its own).
        let insert = diesel::insert_into(import_rows::table).values(chunk);
        match conn {
            AnyConnection::Postgresql(pg) => insert.execute(pg)?,
            AnyConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, owner: AccountId, import_id: i64) -> AppResult<Option<Import>> {
    Ok(imports::table
        .filter(imports::id.eq(import_id))
        .filter(imports::account_id.eq(owner))
        .select(Import::as_select())
        .first(conn)
        .optional()?)
}

pub fn page(conn: &mut DbConn, owner: AccountId, page: &Page) -> AppResult<Vec<Import>> {
    let query = imports::table.filter(imports::account_id.eq(owner)).select(Import::as_select()).into_boxed();
    Ok(load_page!(query, imports::id, page, conn))
}

/// Takes the oldest unfinished import no live worker holds, holding it until `lease_until`; the conditional
/// update lets only one of several processes win it.
pub fn claim_next(conn: &mut DbConn, now: NaiveDateTime, lease_until: NaiveDateTime) -> AppResult<Option<Import>> {
    let free = || imports::claimed_until.is_null().or(imports::claimed_until.lt(now));
    let candidate: Option<i64> = imports::table
        .filter(imports::finished_at.is_null())
        .filter(free())
        .order(imports::id.asc())
        .select(imports::id)
        .first(conn)
        .optional()?;
    let Some(import_id) = candidate else { return Ok(None) };
    let won = diesel::update(imports::table.find(import_id).filter(free()))
        .set(imports::claimed_until.eq(lease_until))
        .execute(conn)?;
    if won == 0 {
        return Ok(None);
    }
    Ok(Some(imports::table.find(import_id).select(Import::as_select()).first(conn)?))
}

/// Extends a claim; false when another worker has taken the import over.
pub fn renew(conn: &mut DbConn, import_id: i64, lease: NaiveDateTime, lease_until: NaiveDateTime) -> AppResult<bool> {
    let renewed = diesel::update(imports::table.find(import_id).filter(imports::claimed_until.eq(lease)))
        .set(imports::claimed_until.eq(lease_until))
        .execute(conn)?;
    Ok(renewed == 1)
}

pub fn pending_rows(conn: &mut DbConn, import_id: i64, limit: i64) -> AppResult<Vec<ImportRow>> {
    Ok(import_rows::table
        .filter(import_rows::import_id.eq(import_id))
        .filter(import_rows::processed.eq(false))
        .order(import_rows::position.asc())
        .limit(limit)
        .select(ImportRow::as_select())
        .load(conn)?)
}

/// The rows that failed, first `limit` of them by position.
pub fn failures(conn: &mut DbConn, import_id: i64, limit: i64) -> AppResult<Vec<ImportRow>> {
    Ok(import_rows::table
        .filter(import_rows::import_id.eq(import_id))
        .filter(import_rows::error.is_not_null())
        .order(import_rows::position.asc())
        .limit(limit)
        .select(ImportRow::as_select())
        .load(conn)?)
}

pub fn count_failures(conn: &mut DbConn, import_id: i64) -> AppResult<i64> {
    Ok(import_rows::table
        .filter(import_rows::import_id.eq(import_id))
        .filter(import_rows::error.is_not_null())
        .count()
        .get_result(conn)?)
}

/// Records a row's outcome (`error` None: imported) and counts it on its import.
pub fn record_row(conn: &mut DbConn, import_id: i64, position: i32, error: Option<&str>) -> AppResult<()> {
    let updated = diesel::update(import_rows::table.find((import_id, position)).filter(import_rows::processed.eq(false)))
        .set((import_rows::processed.eq(true), import_rows::error.eq(error)))
        .execute(conn)?;
    if updated == 1 {
        let imported = i32::from(error.is_none());
        diesel::update(imports::table.find(import_id))
            .set((
                imports::processed_items.eq(imports::processed_items + 1),
                imports::imported_items.eq(imports::imported_items + imported),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn finish(conn: &mut DbConn, import_id: i64, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(imports::table.find(import_id))
        .set((imports::finished_at.eq(at), imports::claimed_until.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}
