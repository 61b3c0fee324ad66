use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::HomeTimelineEntry;
use crate::db::schema::home_timeline_entries as home;
use crate::db::{load_page, AnyConnection, DbConn, Page};
use crate::error::AppResult;
use crate::ids::{AccountId, StatusId};

/// Fan-out writes one row per receiver: a statement per chunk on each backend's own connection (the
/// MultiConnection cannot batch), instead of a round trip per row.
pub fn insert_home(conn: &mut DbConn, entries: &[HomeTimelineEntry]) -> AppResult<()> {
    let mut receivers: Vec<AccountId> = entries.iter().map(|e| e.account_id).collect();
    receivers.sort_unstable();
    receivers.dedup();
    receivers.into_iter().for_each(|account| note(Stale::Home(account)));
    for chunk in entries.chunks(500) {
        match conn {
            AnyConnection::Postgresql(pg) => diesel::insert_into(home::table).values(chunk).execute(pg)?,
            AnyConnection::Sqlite(sqlite) => diesel::insert_into(home::table).values(chunk).execute(sqlite)?,
        };
    }
    Ok(())
}

/// The home timeline, without the authors in `hidden_authors` (members of exclusive lists).
pub fn home_page(conn: &mut DbConn, account_id: AccountId, hidden_authors: &[AccountId], page: &Page) -> AppResult<Vec<StatusId>> {
    let mut query = home::table.filter(home::account_id.eq(account_id)).select(home::status_id).into_boxed();
    if !hidden_authors.is_empty() {
        query = query.filter(home::author_id.ne_all(hidden_authors.to_vec()));
    }
    Ok(load_page!(query, home::status_id, page, conn))
}

/// The newest `limit` entries of a home timeline, as (status, author).
pub fn home_head(conn: &mut DbConn, account_id: AccountId, limit: i64) -> AppResult<Vec<(StatusId, AccountId)>> {
    Ok(home::table
        .filter(home::account_id.eq(account_id))
        .select((home::status_id, home::author_id))
        .order(home::status_id.desc())
        .limit(limit)
        .load(conn)?)
}

/// Of `status_ids`, those already in the account's home timeline.
pub fn in_home_among(conn: &mut DbConn, account_id: AccountId, status_ids: &[StatusId]) -> AppResult<Vec<StatusId>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(home::table
        .filter(home::account_id.eq(account_id))
        .filter(home::status_id.eq_any(status_ids))
        .select(home::status_id)
        .load(conn)?)
}

pub fn remove_author_from_home(conn: &mut DbConn, account_id: AccountId, author_id: AccountId) -> AppResult<()> {
    note(Stale::Home(account_id));
    diesel::delete(home::table.filter(home::account_id.eq(account_id)).filter(home::author_id.eq(author_id)))
        .execute(conn)?;
    Ok(())
}

pub fn remove_status_from_homes(conn: &mut DbConn, status_id: StatusId, except: &[AccountId]) -> AppResult<()> {
    homes_with(conn, status_id)?.into_iter().filter(|account| !except.contains(account)).for_each(|account| note(Stale::Home(account)));
    diesel::delete(home::table.filter(home::status_id.eq(status_id)).filter(home::account_id.ne_all(except)))
        .execute(conn)?;
    Ok(())
}

/// Accounts whose home timeline holds the status.
pub fn homes_with(conn: &mut DbConn, status_id: StatusId) -> AppResult<Vec<AccountId>> {
    Ok(home::table.filter(home::status_id.eq(status_id)).select(home::account_id).load(conn)?)
}
