//! Figures about the instance, and per-user settings that are not the profile (markers).

use crate::db::models::{Account, Marker};
use crate::db::queries::{markers, measures, peers};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids;

pub use crate::db::cache::InstanceStats as Stats;

pub const MARKER_TIMELINES: &[&str] = &["home", "notifications"];

pub fn markers(conn: &mut DbConn, owner: &Account, timelines: &[String]) -> AppResult<Vec<Marker>> {
    let wanted: Vec<String> = timelines.iter().filter(|t| MARKER_TIMELINES.contains(&t.as_str())).cloned().collect();
    markers::find(conn, owner.id, &wanted)
}

pub fn set_marker(conn: &mut DbConn, owner: &Account, timeline: &str, last_read_id: &str) -> AppResult<Marker> {
    if !MARKER_TIMELINES.contains(&timeline) {
        return Err(AppError::validation(format!("Timeline '{timeline}' has no marker")));
    }
    if last_read_id.is_empty() || last_read_id.len() > 40 {
        return Err(AppError::validation("Last read id can't be blank"));
    }
    markers::set(conn, owner.id, timeline, last_read_id, ids::now())
}

/// One week of `/api/v1/instance/activity`, starting on a Monday (UTC).
pub struct WeekActivity {
    pub week_start: chrono::NaiveDate,
    pub statuses: usize,
    pub logins: usize,
    pub registrations: usize,
}

pub const ACTIVITY_WEEKS: u32 = 12;

/// The last twelve weeks, this one first, as Mastodon counts them: local statuses posted, local accounts
/// that were active (posted, favourited or signed in), accounts made.
pub fn weekly_activity(conn: &mut DbConn, today: chrono::NaiveDate) -> AppResult<Vec<WeekActivity>> {
    use chrono::Datelike;
    use std::collections::HashSet;
    let this_week = today - chrono::Days::new(u64::from(today.weekday().num_days_from_monday()));
    let first_week = this_week - chrono::Days::new(7 * u64::from(ACTIVITY_WEEKS - 1));
    let (from, to) = (first_week.and_time(chrono::NaiveTime::MIN), (this_week + chrono::Days::new(7)).and_time(chrono::NaiveTime::MIN));
    let week_of = |at: &chrono::NaiveDateTime| ((at.date() - first_week).num_days() / 7) as usize;
    let mut weeks: Vec<WeekActivity> = (0..ACTIVITY_WEEKS)
        .map(|n| WeekActivity { week_start: first_week + chrono::Days::new(7 * u64::from(n)), statuses: 0, logins: 0, registrations: 0 })
        .collect();
    let posted = measures::local_statuses(conn, from, to)?;
    for (at, _) in &posted {
        weeks[week_of(at)].statuses += 1;
    }
    let mut active: Vec<HashSet<String>> = vec![HashSet::new(); weeks.len()];
    for (at, account) in posted.into_iter().chain(measures::local_activity(conn, from, to)?) {
        active[week_of(&at)].insert(account);
    }
    for (week, accounts) in weeks.iter_mut().zip(active) {
        week.logins = accounts.len();
    }
    for (at, _) in measures::new_users(conn, from, to)? {
        weeks[week_of(&at)].registrations += 1;
    }
    weeks.reverse();
    Ok(weeks)
}

/// The hosts of the allowed peers: the instances this one federates with.
pub fn peer_hosts(conn: &mut DbConn) -> AppResult<Vec<String>> {
    Ok(peers::list(conn)?.into_iter().filter(|peer| peer.allowed).map(|peer| peer.host).collect())
}
