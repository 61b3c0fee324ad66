//! Request counters shared by the processes of an instance: one row per bucket and window.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::rate_limits;
use crate::db::{AnyConnection, DbConn};
use crate::error::AppResult;

/// Counts one hit in `bucket`'s window starting at `window_start`; answers the window's hits so far (call it
/// in a write transaction, so that the count read is this hit's).
pub fn hit(conn: &mut DbConn, bucket: &str, window_start: NaiveDateTime) -> AppResult<i32> {
    let row = (rate_limits::bucket.eq(bucket), rate_limits::window_start.eq(window_start), rate_limits::hits.eq(1));
    // An upsert is a backend statement (the connection enum has none of its own).
    macro_rules! count_on {
        ($conn:expr) => {
            diesel::insert_into(rate_limits::table)
                .values(row)
                .on_conflict((rate_limits::bucket, rate_limits::window_start))
                .do_update()
                .set(rate_limits::hits.eq(rate_limits::hits + 1))
                .execute($conn)?
        };
    }
    match conn {
        AnyConnection::Postgresql(pg) => count_on!(pg),
        AnyConnection::Sqlite(sqlite) => count_on!(sqlite),
    };
    Ok(rate_limits::table.find((bucket, window_start)).select(rate_limits::hits).first(conn)?)
}

/// Deletes the windows that started before `before`; answers how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(before))).execute(conn)?)
}
