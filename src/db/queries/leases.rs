//! Work that one process at a time carries out: a row (an import, an archive) is claimed with a lease that
//! the worker renews, and so is a named duty (the scheduler); a process that dies leaves it to another when
//! its lease runs out.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::process_leases;
use crate::db::{insert_if_absent, DbConn};
use crate::error::AppResult;

/// Takes or renews the lease `name` for `holder` until `until`: true when `holder` holds it now (it held it
/// already, or the last holder's lease ran out, or nobody had it).
pub fn hold(conn: &mut DbConn, name: &str, holder: &str, now: NaiveDateTime, until: NaiveDateTime) -> AppResult<bool> {
    let take = |conn: &mut DbConn| -> AppResult<bool> {
        let ours_or_expired = process_leases::holder.eq(holder).or(process_leases::expires_at.lt(now));
        let taken = diesel::update(process_leases::table.find(name).filter(ours_or_expired))
            .set((process_leases::holder.eq(holder), process_leases::expires_at.eq(until)))
            .execute(conn)?;
        Ok(taken == 1)
    };
    if take(conn)? {
        return Ok(true);
    }
    let inserted = insert_if_absent(conn, |conn| {
        diesel::insert_into(process_leases::table)
            .values((process_leases::name.eq(name), process_leases::holder.eq(holder), process_leases::expires_at.eq(until)))
            .execute(conn)?;
        Ok(())
    })?;
    // Another caller made the row meanwhile, perhaps of this same holder (another of its duties).
    Ok(inserted || take(conn)?)
}

/// `claim_next` and `renew` for a table with `id`, `claimed_until` and `finished_at` columns.
macro_rules! lease_queries {
    ($table:ident, $row:ty) => {
        /// Takes the oldest unfinished row no live worker holds, holding it until `lease_until`; the
        /// conditional update lets only one of several processes win it.
        pub fn claim_next(conn: &mut DbConn, now: NaiveDateTime, lease_until: NaiveDateTime) -> AppResult<Option<$row>> {
            let free = || $table::claimed_until.is_null().or($table::claimed_until.lt(now));
            let candidate: Option<i64> =
                $table::table.filter($table::finished_at.is_null()).filter(free()).order($table::id.asc()).select($table::id).first(conn).optional()?;
            let Some(row_id) = candidate else { return Ok(None) };
            let won = diesel::update($table::table.find(row_id).filter(free())).set($table::claimed_until.eq(lease_until)).execute(conn)?;
            if won == 0 {
                return Ok(None);
            }
            Ok(Some($table::table.find(row_id).select(<$row>::as_select()).first(conn)?))
        }

        /// Extends a claim; false when another worker has taken the row over.
        pub fn renew(conn: &mut DbConn, row_id: i64, lease: NaiveDateTime, lease_until: NaiveDateTime) -> AppResult<bool> {
            let renewed = diesel::update($table::table.find(row_id).filter($table::claimed_until.eq(lease)))
                .set($table::claimed_until.eq(lease_until))
                .execute(conn)?;
            Ok(renewed == 1)
        }
    };
}
pub(crate) use lease_queries;
