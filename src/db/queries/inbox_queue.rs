//! The durable inbox: activities stored when they arrive, claimed by workers with a lease, deleted once
//! applied (in the same transaction that applies them).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::QueuedActivity;
use crate::db::schema::inbox_queue::dsl::*;
use crate::db::{insert_if_absent, AnyConnection, DbConn};
use crate::error::AppResult;

pub const QUEUED: &str = "queued";
pub const FAILED: &str = "failed";

/// Queues an activity; false when one with its id is queued already (a redelivery).
pub fn enqueue(conn: &mut DbConn, activity: &QueuedActivity) -> AppResult<bool> {
    insert_if_absent(conn, |conn| {
        diesel::insert_into(inbox_queue).values(activity).execute(conn)?;
        Ok(())
    })
}

/// Claims up to `limit` due activities, none from `skipped_peers`, leasing them until `lease_until`
/// (PostgreSQL: concurrent workers skip each other's rows).
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
    skipped_peers: &[String],
) -> AppResult<Vec<QueuedActivity>> {
    macro_rules! due {
        () => {
            inbox_queue
                .filter(state.eq(QUEUED))
                .filter(next_attempt_at.le(now))
                .filter(leased_until.is_null().or(leased_until.lt(now)))
                .filter(peer_host.ne_all(skipped_peers))
                .order((next_attempt_at.asc(), id.asc()))
                .limit(limit)
                .select(QueuedActivity::as_select())
        };
    }
    let claimed: Vec<QueuedActivity> = match conn {
        AnyConnection::Postgresql(pg) => due!().for_update().skip_locked().load(pg)?,
        AnyConnection::Sqlite(sqlite) => due!().load(sqlite)?,
    };
    let ids: Vec<i64> = claimed.iter().map(|a| a.id).collect();
    diesel::update(inbox_queue.filter(id.eq_any(&ids))).set(leased_until.eq(lease_until)).execute(conn)?;
    Ok(claimed.into_iter().map(|activity| QueuedActivity { leased_until: Some(lease_until), ..activity }).collect())
}

/// Gives claimed rows back untouched.
pub fn release(conn: &mut DbConn, activity_ids: &[i64]) -> AppResult<()> {
    diesel::update(inbox_queue.filter(id.eq_any(activity_ids))).set(leased_until.eq(None::<NaiveDateTime>)).execute(conn)?;
    Ok(())
}

/// Removes an applied activity if the claim still holds it; false when the lease ran out and another
/// worker has it now (the caller's transaction must then roll back).
pub fn remove_held(conn: &mut DbConn, activity_id: i64, lease: NaiveDateTime) -> AppResult<bool> {
    Ok(diesel::delete(inbox_queue.find(activity_id).filter(leased_until.eq(lease))).execute(conn)? == 1)
}

pub fn schedule_retry(conn: &mut DbConn, activity_id: i64, lease: NaiveDateTime, at: NaiveDateTime, error: &str) -> AppResult<bool> {
    let updated = diesel::update(inbox_queue.find(activity_id).filter(leased_until.eq(lease)))
        .set((next_attempt_at.eq(at), leased_until.eq(None::<NaiveDateTime>), last_error.eq(error), attempts.eq(attempts + 1)))
        .execute(conn)?;
    Ok(updated == 1)
}

pub fn mark_failed(conn: &mut DbConn, activity_id: i64, lease: NaiveDateTime, at: NaiveDateTime, error: &str) -> AppResult<bool> {
    let updated = diesel::update(inbox_queue.find(activity_id).filter(leased_until.eq(lease)))
        .set((state.eq(FAILED), finished_at.eq(at), leased_until.eq(None::<NaiveDateTime>), last_error.eq(error), attempts.eq(attempts + 1)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// How many activities wait to be applied.
pub fn count_queued(conn: &mut DbConn) -> AppResult<i64> {
    Ok(inbox_queue.filter(state.eq(QUEUED)).count().get_result(conn)?)
}

/// Activities waiting (or failed), oldest first; for the operator and tests.
pub fn list(conn: &mut DbConn, limit: i64) -> AppResult<Vec<QueuedActivity>> {
    Ok(inbox_queue.order(received_at.asc()).limit(limit).select(QueuedActivity::as_select()).load(conn)?)
}

/// Deletes up to `batch` failed activities that ended before `before`; answers how many.
pub fn prune_failed(conn: &mut DbConn, before: NaiveDateTime, batch: i64) -> AppResult<usize> {
    let old: Vec<i64> = inbox_queue.filter(state.eq(FAILED)).filter(finished_at.lt(before)).select(id).limit(batch).load(conn)?;
    Ok(diesel::delete(inbox_queue.filter(id.eq_any(old))).execute(conn)?)
}
