//! The durable inbox: activities stored when they arrive, claimed by workers with a lease, deleted once
//! applied (in the same transaction that applies them).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::kinds::InboxState;
use crate::db::models::QueuedActivity;
use crate::db::schema::inbox_queue::dsl::*;
use crate::db::{insert_if_absent, AnyConnection, DbConn};
use crate::error::AppResult;

const QUEUED: &str = InboxState::Queued.as_str();
const FAILED: &str = InboxState::Failed.as_str();

/// Queues an activity; false when one with its id is queued already (a redelivery).
pub fn enqueue(conn: &mut DbConn, activity: QueuedActivity) -> AppResult<bool> {
    insert_if_absent(conn, |conn| {
        diesel::insert_into(inbox_queue).values(activity).execute(conn)?;
        Ok(())
    })
}

/// How many due activities one claim looks at to find the oldest of each peer.
const CLAIM_WINDOW: i64 = 500;

/// Claims the oldest due activity of each peer not in `skipped_peers`, up to `limit` of them, leasing them
/// until `lease_until`: one per peer, so that a peer's activities are applied in order and a peer with a
/// backlog takes one worker, not all. The candidates are read without their bodies (a backlog of large
/// activities would otherwise be sorted whole); PostgreSQL: concurrent workers skip each other's rows.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: usize,
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
                .limit(CLAIM_WINDOW)
                .select((id, peer_host))
        };
    }
    let candidates: Vec<(i64, String)> = match conn {
        AnyConnection::Postgresql(pg) => due!().for_update().skip_locked().load(pg)?,
        AnyConnection::Sqlite(sqlite) => due!().load(sqlite)?,
    };
    let mut peers_taken: Vec<&str> = Vec::new();
    let mut chosen: Vec<i64> = Vec::new();
    for (candidate, host) in &candidates {
        if chosen.len() == limit {
            break;
        }
        if !peers_taken.contains(&host.as_str()) {
            peers_taken.push(host);
            chosen.push(*candidate);
        }
    }
    if chosen.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(inbox_queue.filter(id.eq_any(&chosen))).set(leased_until.eq(lease_until)).execute(conn)?;
    Ok(inbox_queue.filter(id.eq_any(&chosen)).order(id.asc()).select(QueuedActivity::as_select()).load(conn)?)
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
