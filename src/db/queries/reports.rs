use diesel::prelude::*;

use crate::db::models::Report;
use crate::db::schema::reports::dsl::*;
use crate::db::{load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, report: &Report) -> AppResult<()> {
    diesel::insert_into(reports).values(report).execute(conn)?;
    Ok(())
}

pub fn about(conn: &mut DbConn, target: AccountId) -> AppResult<Vec<Report>> {
    Ok(reports.filter(target_account_id.eq(target)).order(id.asc()).select(Report::as_select()).load(conn)?)
}

pub fn find(conn: &mut DbConn, report_id: i64) -> AppResult<Option<Report>> {
    Ok(reports.find(report_id).select(Report::as_select()).first(conn).optional()?)
}

/// Which reports a moderator lists; every part that is set must hold.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Some(true): resolved only; Some(false): unresolved only.
    pub resolved: Option<bool>,
    pub reporter: Option<AccountId>,
    pub target: Option<AccountId>,
}

pub fn page(conn: &mut DbConn, filter: &ReportFilter, page: &Page) -> AppResult<Vec<Report>> {
    let mut query = reports.select(Report::as_select()).into_boxed();
    match filter.resolved {
        Some(true) => query = query.filter(action_taken_at.is_not_null()),
        Some(false) => query = query.filter(action_taken_at.is_null()),
        None => {}
    }
    if let Some(reporter) = filter.reporter {
        query = query.filter(account_id.eq(reporter));
    }
    if let Some(target) = filter.target {
        query = query.filter(target_account_id.eq(target));
    }
    Ok(load_page!(query, id, page, conn))
}

/// Resolves a report: by whom (None for the command line) and when.
pub fn resolve(conn: &mut DbConn, report_id: i64, by: Option<AccountId>, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(reports.find(report_id))
        .set((action_taken_at.eq(Some(at)), action_taken_by_account_id.eq(by), updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

pub fn reopen(conn: &mut DbConn, report_id: i64, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(reports.find(report_id))
        .set((action_taken_at.eq(None::<chrono::NaiveDateTime>), action_taken_by_account_id.eq(None::<AccountId>), updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

pub fn set_assigned(conn: &mut DbConn, report_id: i64, assignee: Option<AccountId>, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(reports.find(report_id)).set((assigned_account_id.eq(assignee), updated_at.eq(at))).execute(conn)?;
    Ok(())
}

/// Resolves every open report about an account (a moderator acted on it).
pub fn resolve_about(conn: &mut DbConn, target: AccountId, by: Option<AccountId>, at: chrono::NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(reports.filter(target_account_id.eq(target)).filter(action_taken_at.is_null()))
        .set((action_taken_at.eq(Some(at)), action_taken_by_account_id.eq(by), updated_at.eq(at)))
        .execute(conn)?)
}
