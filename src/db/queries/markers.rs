use diesel::prelude::*;

use crate::db::models::Marker;
use crate::db::schema::markers::dsl::*;
use crate::db::{insert_if_absent, DbConn};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn find(conn: &mut DbConn, owner: AccountId, timelines: &[String]) -> AppResult<Vec<Marker>> {
    Ok(markers
        .filter(account_id.eq(owner))
        .filter(timeline.eq_any(timelines.to_vec()))
        .select(Marker::as_select())
        .load(conn)?)
}

/// Sets a marker, creating it at version 1 or bumping its version.
pub fn set(conn: &mut DbConn, owner: AccountId, which: &str, read_id: &str, at: chrono::NaiveDateTime) -> AppResult<Marker> {
    let existing = markers.find((owner, which)).select(Marker::as_select()).first(conn).optional()?;
    let marker = Marker {
        account_id: owner,
        timeline: which.to_owned(),
        last_read_id: read_id.to_owned(),
        version: existing.as_ref().map_or(1, |m| m.version + 1),
        updated_at: at,
    };
    let inserted = existing.is_none() && insert_if_absent(conn, |conn| insert(conn, &marker))?;
    if !inserted {
        diesel::update(markers.find((owner, which)))
            .set((last_read_id.eq(read_id), version.eq(version + 1), updated_at.eq(at)))
            .execute(conn)?;
        return Ok(markers.find((owner, which)).select(Marker::as_select()).first(conn)?);
    }
    Ok(marker)
}

fn insert(conn: &mut DbConn, marker: &Marker) -> AppResult<()> {
    diesel::insert_into(markers).values(marker).execute(conn)?;
    Ok(())
}
