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

pub fn count_unfinished(conn: &mut DbConn, owner: AccountId) -> AppResult<i64> {
    Ok(imports::table.filter(imports::account_id.eq(owner)).filter(imports::finished_at.is_null()).count().get_result(conn)?)
}

pub fn page(conn: &mut DbConn, owner: AccountId, page: &Page) -> AppResult<Vec<Import>> {
    let query = imports::table.filter(imports::account_id.eq(owner)).select(Import::as_select()).into_boxed();
    Ok(load_page!(query, imports::id, page, conn))
}

super::leases::lease_queries!(imports, Import);

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
