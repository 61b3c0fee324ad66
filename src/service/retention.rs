//! What the instance forgets on its own: the federation bookkeeping that has done its job.

use chrono::{Duration, NaiveDateTime};

use crate::db::queries::{deliveries, inbox_queue, received};
use crate::db::DbConn;
use crate::error::AppResult;

/// Finished deliveries, and received activities that could not be applied, are kept this long (well past the 72 hours a delivery is retried) for `peers list`
/// and for looking into a peer's trouble.
pub const FINISHED_DELIVERIES_KEPT: Duration = Duration::days(7);
/// Received activity ids are kept this long: longer than any peer keeps redelivering (Mastodon retries for
/// about a week, GoToSocial for less), so that a redelivery is still recognised.
pub const RECEIVED_ACTIVITIES_KEPT: Duration = Duration::days(14);

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub deliveries: usize,
    pub received_activities: usize,
    pub failed_inbox: usize,
}

/// How many rows one pruning transaction deletes at most, so that a large backlog never holds the
/// (SQLite) writer for long: the caller repeats until a batch comes back short.
pub const PRUNE_BATCH: usize = 5_000;

/// Deletes up to a batch each of the finished deliveries and received activity ids older than their windows.
pub fn prune_federation_records(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Pruned> {
    Ok(Pruned {
        deliveries: deliveries::prune_finished(conn, now - FINISHED_DELIVERIES_KEPT, PRUNE_BATCH as i64)?,
        received_activities: received::prune(conn, now - RECEIVED_ACTIVITIES_KEPT, PRUNE_BATCH as i64)?,
        failed_inbox: inbox_queue::prune_failed(conn, now - FINISHED_DELIVERIES_KEPT, PRUNE_BATCH as i64)?,
    })
}

impl Pruned {
    /// Whether a batch came back full, so that more may be waiting.
    pub fn more_waiting(&self) -> bool {
        [self.deliveries, self.received_activities, self.failed_inbox].contains(&PRUNE_BATCH)
    }
}
