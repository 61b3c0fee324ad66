use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::kinds::DeliveryState;
use crate::db::models::Delivery;
use crate::db::schema::deliveries::dsl::*;
use crate::db::{AnyConnection, DbConn};
use crate::error::AppResult;

const QUEUED: &str = DeliveryState::Queued.as_str();
const DELIVERED: &str = DeliveryState::Delivered.as_str();
const FAILED: &str = DeliveryState::Failed.as_str();
const CANCELLED: &str = DeliveryState::Cancelled.as_str();

pub fn insert(conn: &mut DbConn, delivery: Delivery) -> AppResult<()> {
    diesel::insert_into(deliveries).values(delivery).execute(conn)?;
    Ok(())
}

/// (peer host, queued deliveries) for every peer with work waiting.
pub fn queued_by_peer(conn: &mut DbConn) -> AppResult<Vec<(String, i64)>> {
    Ok(deliveries.filter(state.eq(QUEUED)).group_by(peer_host).select((peer_host, count_star())).load(conn)?)
}

pub fn cancel_queued_for(conn: &mut DbConn, authority: &str, at: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(deliveries.filter(peer_host.eq(authority)).filter(state.eq(QUEUED)))
        .set((state.eq(CANCELLED), finished_at.eq(at)))
        .execute(conn)?)
}

/// Claims up to `limit` due deliveries by leasing them until `lease_until`, so that a crashed worker's
/// claims come due again. On PostgreSQL concurrent workers skip each other's rows (SKIP LOCKED); on
/// SQLite the single writer serialises claims.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
    skipped_peers: &[String],
) -> AppResult<Vec<Delivery>> {
    macro_rules! due {
        () => {
            deliveries
                .filter(state.eq(QUEUED))
                .filter(next_attempt_at.le(now))
                .filter(leased_until.is_null().or(leased_until.lt(now)))
                .filter(peer_host.ne_all(skipped_peers))
                .order(next_attempt_at.asc())
                .limit(limit)
                .select(Delivery::as_select())
        };
    }
    let claimed: Vec<Delivery> = match conn {
        AnyConnection::Postgresql(pg) => due!().for_update().skip_locked().load(pg)?,
        AnyConnection::Sqlite(sqlite) => due!().load(sqlite)?,
    };
    let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
    diesel::update(deliveries.filter(id.eq_any(&ids))).set(leased_until.eq(lease_until)).execute(conn)?;
    Ok(claimed.into_iter().map(|delivery| Delivery { leased_until: Some(lease_until), ..delivery }).collect())
}

/// Gives claimed rows back without an attempt.
pub fn release(conn: &mut DbConn, delivery_ids: &[i64]) -> AppResult<()> {
    diesel::update(deliveries.filter(id.eq_any(delivery_ids))).set(leased_until.eq(None::<NaiveDateTime>)).execute(conn)?;
    Ok(())
}

/// The rows still leased by a claim: a claim's lease (its `leased_until`) is set once and differs from any
/// later claim of the same row, so a worker whose lease ran out and whose row was claimed again writes nothing.
macro_rules! held {
    ($delivery_id:expr, $lease:expr) => {
        deliveries.find($delivery_id).filter(state.eq(QUEUED)).filter(leased_until.eq($lease))
    };
}

/// Each of these records an attempt's outcome if the claim still holds the row; false when it does not.
pub fn mark_delivered(conn: &mut DbConn, delivery_id: i64, lease: NaiveDateTime, at: NaiveDateTime) -> AppResult<bool> {
    let updated = diesel::update(held!(delivery_id, lease))
        .set((state.eq(DELIVERED), finished_at.eq(at), leased_until.eq(None::<NaiveDateTime>), attempts.eq(attempts + 1)))
        .execute(conn)?;
    Ok(updated == 1)
}

pub fn schedule_retry(conn: &mut DbConn, delivery_id: i64, lease: NaiveDateTime, at: NaiveDateTime, error: &str) -> AppResult<bool> {
    let updated = diesel::update(held!(delivery_id, lease))
        .set((next_attempt_at.eq(at), leased_until.eq(None::<NaiveDateTime>), last_error.eq(error), attempts.eq(attempts + 1)))
        .execute(conn)?;
    Ok(updated == 1)
}

pub fn mark_failed(conn: &mut DbConn, delivery_id: i64, lease: NaiveDateTime, at: NaiveDateTime, error: &str) -> AppResult<bool> {
    let updated = diesel::update(held!(delivery_id, lease))
        .set((state.eq(FAILED), finished_at.eq(at), leased_until.eq(None::<NaiveDateTime>), last_error.eq(error), attempts.eq(attempts + 1)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes up to `batch` deliveries that ended (delivered, failed or cancelled) before `before`; answers how many.
pub fn prune_finished(conn: &mut DbConn, before: NaiveDateTime, batch: i64) -> AppResult<usize> {
    let old: Vec<i64> = deliveries.filter(state.ne(QUEUED)).filter(finished_at.lt(before)).select(id).limit(batch).load(conn)?;
    Ok(diesel::delete(deliveries.filter(id.eq_any(old))).execute(conn)?)
}

pub fn find(conn: &mut DbConn, delivery_id: i64) -> AppResult<Option<Delivery>> {
    Ok(deliveries.find(delivery_id).select(Delivery::as_select()).first(conn).optional()?)
}

/// Deliveries of one activity, for tests and the peers report.
pub fn of_activity(conn: &mut DbConn, uri: &str) -> AppResult<Vec<Delivery>> {
    Ok(deliveries.filter(activity_uri.eq(uri)).select(Delivery::as_select()).load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::pool::in_memory;

    fn queued(now: NaiveDateTime) -> Delivery {
        Delivery {
            id: crate::ids::next_id(),
            activity_uri: "https://hallway.corp.example/users/ann/statuses/1/activity".into(),
            peer_host: "eng.corp.example".into(),
            inbox_url: "https://eng.corp.example/inbox".into(),
            signer_account_id: None,
            body: "{}".into(),
            state: DeliveryState::Queued,
            attempts: 0,
            next_attempt_at: now,
            leased_until: None,
            last_error: None,
            created_at: now,
            finished_at: None,
        }
    }

    /// A worker whose lease ran out, and whose row another worker claimed and delivered, records nothing:
    /// its late outcome cannot turn a delivered row back into a queued (or failed) one.
    /// Deliveries cancelled when their peer is removed still read back (as cancelled), with the others of
    /// their activity.
    #[test]
    fn cancelled_deliveries_read_back() {
        let conn = &mut in_memory();
        let row = queued(crate::ids::now());
        insert(conn, row.clone()).unwrap();
        assert_eq!(cancel_queued_for(conn, &row.peer_host, crate::ids::now()).unwrap(), 1);
        let read = of_activity(conn, &row.activity_uri).unwrap();
        assert_eq!(read.iter().map(|r| r.state).collect::<Vec<_>>(), [DeliveryState::Cancelled]);
    }

    #[test]
    fn a_late_outcome_after_the_lease_ran_out_is_not_recorded() {
        let conn = &mut in_memory();
        let start = crate::ids::now();
        let row = queued(start);
        insert(conn, row.clone()).unwrap();
        let first_lease = start + chrono::Duration::seconds(20);
        let first = claim_due(conn, start, first_lease, 10, &[]).unwrap();
        assert_eq!(first[0].leased_until, Some(first_lease));

        let later = first_lease + chrono::Duration::seconds(1);
        let second_lease = later + chrono::Duration::seconds(20);
        let second = claim_due(conn, later, second_lease, 10, &[]).unwrap();
        assert_eq!(second.len(), 1, "the lapsed claim comes due again");
        assert!(mark_delivered(conn, row.id, second_lease, later).unwrap());

        assert!(!schedule_retry(conn, row.id, first_lease, later, "timed out").unwrap());
        assert!(!mark_failed(conn, row.id, first_lease, later, "refused").unwrap());
        let stored = find(conn, row.id).unwrap().unwrap();
        assert_eq!((stored.state, stored.attempts, stored.last_error), (DeliveryState::Delivered, 1, None));
    }
}
