//! Private notes an account keeps on others.

use diesel::prelude::*;

use crate::db::models::AccountNote;
use crate::db::schema::account_notes;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn among(conn: &mut DbConn, owner: AccountId, targets: &[AccountId]) -> AppResult<Vec<AccountNote>> {
    Ok(account_notes::table
        .filter(account_notes::account_id.eq(owner))
        .filter(account_notes::target_account_id.eq_any(targets))
        .select(AccountNote::as_select())
        .load(conn)?)
}

/// Writes the note (an empty one removes it).
pub fn set(conn: &mut DbConn, note: &AccountNote) -> AppResult<()> {
    let existing = account_notes::table.find((note.account_id, note.target_account_id));
    diesel::delete(existing).execute(conn)?;
    if !note.comment.is_empty() {
        diesel::insert_into(account_notes::table).values(note.clone()).execute(conn)?;
    }
    Ok(())
}
