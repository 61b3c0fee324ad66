//! Users' archives: asked for, made by the job worker into the media store, downloaded by their owner.

use crate::db::models::{Account, Archive};
use crate::db::queries::archives;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::ids;

/// How many finished archives an account keeps (a new one replaces the oldest).
const KEPT: usize = 2;

/// Asks for an archive of the owner's data; one is made at a time.
pub fn request(conn: &mut DbConn, owner: &Account) -> AppResult<Archive> {
    if archives::of_owner(conn, owner.id)?.iter().any(|archive| archive.finished_at.is_none()) {
        return Err(AppError::validation("Your archive is being made: wait until it is ready"));
    }
    let archive = Archive { id: ids::next_id(), account_id: owner.id, file_key: None, size: 0, claimed_until: None, created_at: ids::now(), finished_at: None };
    archives::insert(conn, &archive)?;
    Ok(archive)
}

pub fn list(conn: &mut DbConn, owner: &Account) -> AppResult<Vec<Archive>> {
    archives::of_owner(conn, owner.id)
}

pub fn get(conn: &mut DbConn, owner: &Account, archive_id: i64) -> AppResult<Archive> {
    archives::find(conn, owner.id, archive_id)?.ok_or(AppError::NotFound)
}

/// Where archives are in the media store (never served at `/system/`).
pub const KEY_PREFIX: &str = "archives/";

/// Where a made archive goes in the media store.
pub fn file_key(archive: &Archive) -> String {
    format!("{KEY_PREFIX}{}/{}.zip", archive.account_id, archive.id)
}

/// Records a made archive; answers the files of the older ones it replaces, to delete after the commit.
pub fn finish(conn: &mut DbConn, archive: &Archive, size: i64) -> AppResult<Vec<String>> {
    archives::finish(conn, archive.id, &file_key(archive), size, ids::now())?;
    let older: Vec<i64> = archives::of_owner(conn, archive.account_id)?.iter().filter(|a| a.finished_at.is_some()).skip(KEPT).map(|a| a.id).collect();
    archives::delete(conn, &older)
}

/// Records that an archive could not be made.
pub fn fail(conn: &mut DbConn, archive: &Archive) -> AppResult<()> {
    archives::fail(conn, archive.id, ids::now())
}
