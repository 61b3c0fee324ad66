//! Figures about the instance, and per-user settings that are not the profile (markers).

use crate::db::models::{Account, Marker};
use crate::db::queries::markers;
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
