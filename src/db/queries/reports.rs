use diesel::prelude::*;

use crate::db::models::Report;
use crate::db::schema::reports::dsl::*;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, report: &Report) -> AppResult<()> {
    diesel::insert_into(reports).values(report).execute(conn)?;
    Ok(())
}

pub fn about(conn: &mut DbConn, target: AccountId) -> AppResult<Vec<Report>> {
    Ok(reports.filter(target_account_id.eq(target)).order(id.asc()).select(Report::as_select()).load(conn)?)
}
