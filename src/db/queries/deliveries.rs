use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::models::Delivery;
use crate::db::schema::deliveries::dsl::*;
use crate::db::{AnyConnection, DbConn};
use crate::error::AppResult;

pub const QUEUED: &str = "queued";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";

pub fn insert(conn: &mut DbConn, delivery: &Delivery) -> AppResult<()> {
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
    Ok(claimed)
}

/// Gives claimed rows back without an attempt.
pub fn release(conn: &mut DbConn, delivery_ids: &[i64]) -> AppResult<()> {
    diesel::update(deliveries.filter(id.eq_any(delivery_ids))).set(leased_until.eq(None::<NaiveDateTime>)).execute(conn)?;
    Ok(())
}

pub fn mark_delivered(conn: &mut DbConn, delivery_id: i64, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(deliveries.find(delivery_id))
        .set((state.eq(DELIVERED), finished_at.eq(at), leased_until.eq(None::<NaiveDateTime>), attempts.eq(attempts + 1)))
        .execute(conn)?;
    Ok(())
}

pub fn schedule_retry(conn: &mut DbConn, delivery_id: i64, at: NaiveDateTime, error: &str) -> AppResult<()> {
    diesel::update(deliveries.find(delivery_id))
        .set((next_attempt_at.eq(at), leased_until.eq(None::<NaiveDateTime>), last_error.eq(error), attempts.eq(attempts + 1)))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(conn: &mut DbConn, delivery_id: i64, at: NaiveDateTime, error: &str) -> AppResult<()> {
    diesel::update(deliveries.find(delivery_id))
        .set((state.eq(FAILED), finished_at.eq(at), leased_until.eq(None::<NaiveDateTime>), last_error.eq(error), attempts.eq(attempts + 1)))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, delivery_id: i64) -> AppResult<Option<Delivery>> {
    Ok(deliveries.find(delivery_id).select(Delivery::as_select()).first(conn).optional()?)
}

/// Deliveries of one activity, for tests and the peers report.
pub fn of_activity(conn: &mut DbConn, uri: &str) -> AppResult<Vec<Delivery>> {
    Ok(deliveries.filter(activity_uri.eq(uri)).select(Delivery::as_select()).load(conn)?)
}
