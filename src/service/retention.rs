//! What the instance forgets on its own: the federation bookkeeping that has done its job, and what the
//! `[retention]` settings say is kept only so long (except accounts on legal hold).

use chrono::{Duration, NaiveDateTime};

use crate::config::RetentionPolicy;
use crate::db::kinds::{AuditAction, Role};
use crate::db::models::{Account, LegalHold};
use crate::db::queries::{accounts, deliveries, inbox_queue, rate_limits, received, retention};
use crate::db::{Database, DbConn, Tx};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};
use crate::service::audit::{self, Target};
use crate::service::moderation::Staff;
use crate::service::statuses;
use crate::storage::MediaStore;

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
    pub rate_windows: usize,
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
        // Rate-limit windows are a minute long: an hour's are more than any check reads.
        rate_windows: rate_limits::prune(conn, now - Duration::hours(1))?,
    })
}

impl Pruned {
    /// Whether a batch came back full, so that more may be waiting.
    pub fn more_waiting(&self) -> bool {
        [self.deliveries, self.received_activities, self.failed_inbox].contains(&PRUNE_BATCH)
    }
}

/// How many statuses one retention transaction removes (each is a deletion with its timelines, counters and
/// deliveries), and how many media or notification rows.
pub const STATUS_BATCH: i64 = 100;
pub const ROW_BATCH: i64 = 1_000;

/// What the retention settings removed (or, in a dry run, would remove).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    pub local_statuses: usize,
    pub remote_statuses: usize,
    pub media: usize,
    pub notifications: usize,
}

impl Expired {
    pub fn is_empty(&self) -> bool {
        *self == Expired::default()
    }

    /// Whether a batch came back full, so that more may be waiting.
    pub fn more_waiting(&self) -> bool {
        [self.local_statuses, self.remote_statuses].contains(&(STATUS_BATCH as usize)) || [self.media, self.notifications].contains(&(ROW_BATCH as usize))
    }

    pub fn add(&mut self, other: Expired) {
        self.local_statuses += other.local_statuses;
        self.remote_statuses += other.remote_statuses;
        self.media += other.media;
        self.notifications += other.notifications;
    }
}

impl std::fmt::Display for Expired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} local status(es), {} status(es) of other instances, {} media attachment(s), {} notification(s)",
            self.local_statuses, self.remote_statuses, self.media, self.notifications
        )
    }
}

fn cutoff(now: NaiveDateTime, days: Option<u32>) -> Option<NaiveDateTime> {
    days.map(|days| now - Duration::days(i64::from(days)))
}

/// What the policy would remove now.
pub fn expiring(conn: &mut DbConn, policy: &RetentionPolicy, now: NaiveDateTime) -> AppResult<Expired> {
    let count = |counted: AppResult<i64>| counted.map(|n| n as usize);
    let mut expiring = Expired::default();
    if let Some(before) = cutoff(now, policy.local_statuses_days) {
        expiring.local_statuses = count(retention::count_expired_local_statuses(conn, before))?;
    }
    if let Some(before) = cutoff(now, policy.remote_statuses_days) {
        expiring.remote_statuses = count(retention::count_expired_remote_statuses(conn, before))?;
    }
    if let Some(before) = cutoff(now, policy.media_days) {
        expiring.media = count(retention::count_expired_media(conn, before))?;
    }
    if let Some(before) = cutoff(now, policy.notifications_days) {
        expiring.notifications = count(retention::count_expired_notifications(conn, before))?;
    }
    Ok(expiring)
}

/// Removes a batch of each kind the policy names; answers what went and the media files to delete once the
/// transaction has committed. Local statuses are deleted as their authors would delete them: the Delete
/// goes to every instance that has them.
pub fn expire_batch(tx: &mut Tx, policy: &RetentionPolicy, now: NaiveDateTime) -> AppResult<(Expired, Vec<String>)> {
    let mut expired = Expired::default();
    let mut files = Vec::new();
    if let Some(before) = cutoff(now, policy.local_statuses_days) {
        for (status_id, author_id) in retention::expired_local_statuses(tx, before, STATUS_BATCH)? {
            let author = accounts::find(tx, author_id)?.ok_or(AppError::NotFound)?;
            statuses::expire(tx, &author, status_id)?;
            expired.local_statuses += 1;
        }
    }
    if let Some(before) = cutoff(now, policy.remote_statuses_days) {
        for (uri, author_id) in retention::expired_remote_statuses(tx, before, STATUS_BATCH)? {
            let author = accounts::find(tx, author_id)?.ok_or(AppError::NotFound)?;
            statuses::delete_remote(tx, &author, &uri)?;
            expired.remote_statuses += 1;
        }
    }
    if let Some(before) = cutoff(now, policy.media_days) {
        let media = retention::expired_media(tx, before, ROW_BATCH)?;
        let ids: Vec<i64> = media.iter().map(|m| m.id).collect();
        expired.media = retention::delete_media(tx, &ids)?;
        files.extend(media.into_iter().flat_map(|m| [m.file_key, m.preview_key]).flatten());
    }
    if let Some(before) = cutoff(now, policy.notifications_days) {
        expired.notifications = retention::delete_expired_notifications(tx, before, ROW_BATCH)?;
    }
    Ok((expired, files))
}

/// Places an account on legal hold (or changes the hold's reason); only admins do.
pub fn place_hold(tx: &mut Tx, staff: &Staff, account_id: AccountId, reason: &str) -> AppResult<LegalHold> {
    require_admin(staff)?;
    let account = accounts::find(tx, account_id)?.ok_or(AppError::NotFound)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1_000 {
        return Err(AppError::validation("A legal hold needs a reason (at most 1000 characters)"));
    }
    let hold = LegalHold { account_id, reason: reason.to_owned(), created_at: ids::now() };
    retention::put_hold(tx, &hold)?;
    audit::record(tx, &staff.actor, AuditAction::PlaceLegalHold, Target::account(&account), reason)?;
    Ok(hold)
}

pub fn lift_hold(tx: &mut Tx, staff: &Staff, account_id: AccountId) -> AppResult<()> {
    require_admin(staff)?;
    let account = accounts::find(tx, account_id)?.ok_or(AppError::NotFound)?;
    if retention::delete_hold(tx, account_id)? {
        audit::record(tx, &staff.actor, AuditAction::LiftLegalHold, Target::account(&account), "")?;
    }
    Ok(())
}

fn require_admin(staff: &Staff) -> AppResult<()> {
    if staff.role != Role::Admin {
        return Err(AppError::Forbidden("Only an admin can place or lift a legal hold".into()));
    }
    Ok(())
}

pub fn hold_of(conn: &mut DbConn, account_id: AccountId) -> AppResult<Option<LegalHold>> {
    retention::find_hold(conn, account_id)
}

/// Every account on hold, with the hold.
pub fn holds(conn: &mut DbConn) -> AppResult<Vec<(Account, LegalHold)>> {
    let mut held = Vec::new();
    for hold in retention::holds(conn)? {
        if let Some(account) = accounts::find(conn, hold.account_id)? {
            held.push((account, hold));
        }
    }
    Ok(held)
}

/// Applies the policy until nothing expired is left, a batch per transaction with a pause between them so
/// that other writers are never held up for long; the media files of removed attachments are deleted after
/// each commit. Call it off the async threads.
pub fn apply_policy(db: &Database, store: &dyn MediaStore, policy: &RetentionPolicy) -> AppResult<Expired> {
    let mut total = Expired::default();
    loop {
        let now = ids::now();
        let (expired, files) = db.write_blocking(|tx| expire_batch(tx, policy, now))?;
        for key in files {
            if let Err(e) = store.delete(&key) {
                log::warn!("retention: media file {key}: {e}");
            }
        }
        crate::telemetry::retention_removed(&[
            ("local_statuses", expired.local_statuses),
            ("remote_statuses", expired.remote_statuses),
            ("media", expired.media),
            ("notifications", expired.notifications),
        ]);
        total.add(expired);
        if !expired.more_waiting() {
            return Ok(total);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
