use diesel::prelude::*;

use crate::db::schema::received_activities::dsl::*;
use crate::db::{insert_if_absent, DbConn};
use crate::error::AppResult;

/// Records an activity as received; false when it was received before (a redelivery).
pub fn record(conn: &mut DbConn, activity_uri: &str, at: chrono::NaiveDateTime) -> AppResult<bool> {
    insert_if_absent(conn, |conn| {
        diesel::insert_into(received_activities).values((uri.eq(activity_uri), received_at.eq(at))).execute(conn)?;
        Ok(())
    })
}

pub fn seen(conn: &mut DbConn, activity_uri: &str) -> AppResult<bool> {
    let found: i64 = received_activities.filter(uri.eq(activity_uri)).count().get_result(conn)?;
    Ok(found > 0)
}

/// Forgets up to `batch` activities received before `before` (past any peer's redelivery window); answers how many.
pub fn prune(conn: &mut DbConn, before: chrono::NaiveDateTime, batch: i64) -> AppResult<usize> {
    let old: Vec<String> = received_activities.filter(received_at.lt(before)).select(uri).limit(batch).load(conn)?;
    Ok(diesel::delete(received_activities.filter(uri.eq_any(old))).execute(conn)?)
}
