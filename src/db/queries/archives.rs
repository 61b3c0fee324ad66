//! Users' archives.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::Archive;
use crate::db::schema::archives;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::AccountId;

super::leases::lease_queries!(archives, Archive);

pub fn insert(conn: &mut DbConn, archive: &Archive) -> AppResult<()> {
    diesel::insert_into(archives::table).values(archive.clone()).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, owner: AccountId, archive_id: i64) -> AppResult<Option<Archive>> {
    Ok(archives::table
        .filter(archives::id.eq(archive_id))
        .filter(archives::account_id.eq(owner))
        .select(Archive::as_select())
        .first(conn)
        .optional()?)
}

/// The owner's archives, the latest first.
pub fn of_owner(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<Archive>> {
    Ok(archives::table.filter(archives::account_id.eq(owner)).order(archives::id.desc()).select(Archive::as_select()).load(conn)?)
}

pub fn finish(conn: &mut DbConn, archive_id: i64, file_key: &str, size: i64, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(archives::table.find(archive_id))
        .set((
            archives::file_key.eq(file_key),
            archives::size.eq(size),
            archives::finished_at.eq(at),
            archives::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ends an archive that could not be made (no file).
pub fn fail(conn: &mut DbConn, archive_id: i64, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(archives::table.find(archive_id))
        .set((archives::finished_at.eq(at), archives::claimed_until.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}

/// Removes archive rows; answers their files' keys.
pub fn delete(conn: &mut DbConn, archive_ids: &[i64]) -> AppResult<Vec<String>> {
    let keys: Vec<Option<String>> = archives::table.filter(archives::id.eq_any(archive_ids)).select(archives::file_key).load(conn)?;
    diesel::delete(archives::table.filter(archives::id.eq_any(archive_ids))).execute(conn)?;
    Ok(keys.into_iter().flatten().collect())
}
