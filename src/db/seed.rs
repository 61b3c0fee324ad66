//! Bulk statements for seeding a benchmark instance; not used by the server.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::AppResult;

/// Fills every home timeline from the follow graph: each status goes to its author and the author's followers.
pub fn fan_out_everything(conn: &mut DbConn) -> AppResult<()> {
    diesel::sql_query(
        "INSERT INTO home_timeline_entries (account_id, status_id, author_id) \
         SELECT account_id, id, account_id FROM statuses",
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO home_timeline_entries (account_id, status_id, author_id) \
         SELECT f.account_id, s.id, s.account_id FROM statuses s JOIN follows f ON f.target_account_id = s.account_id \
         WHERE f.account_id <> s.account_id",
    )
    .execute(conn)?;
    Ok(())
}

/// Recomputes the stored follower, following and status counters from the rows.
pub fn recount(conn: &mut DbConn) -> AppResult<()> {
    diesel::sql_query(
        "UPDATE accounts SET \
         followers_count = (SELECT count(*) FROM follows WHERE target_account_id = accounts.id), \
         following_count = (SELECT count(*) FROM follows WHERE follows.account_id = accounts.id), \
         statuses_count = (SELECT count(*) FROM statuses WHERE statuses.account_id = accounts.id)",
    )
    .execute(conn)?;
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load.
pub fn analyze(conn: &mut DbConn) -> AppResult<()> {
    diesel::sql_query("ANALYZE").execute(conn)?;
    Ok(())
}
