use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::{Account, ProfileChanges, RemoteActorChanges};
use crate::db::schema::accounts::dsl::*;
use crate::db::{lower, DbConn};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, account: &Account) -> AppResult<()> {
    note(Stale::InstanceStats);
    diesel::insert_into(accounts).values(account.clone()).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, account_id: AccountId) -> AppResult<Option<Account>> {
    Ok(accounts.find(account_id).select(Account::as_select()).first(conn).optional()?)
}

pub fn find_many(conn: &mut DbConn, ids: &[AccountId]) -> AppResult<Vec<Account>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(accounts.filter(id.eq_any(ids)).select(Account::as_select()).load(conn)?)
}

/// An account by username (case-insensitive) and domain (None for local accounts).
pub fn find_by_name(conn: &mut DbConn, name: &str, account_domain: Option<&str>) -> AppResult<Option<Account>> {
    let query = accounts.filter(lower(username).eq(name.to_lowercase())).select(Account::as_select());
    let found = match account_domain {
        None => query.filter(domain.is_null()).first(conn).optional()?,
        Some(d) => query.filter(lower(domain.assume_not_null()).eq(d.to_lowercase())).first(conn).optional()?,
    };
    Ok(found)
}

pub fn list_local(conn: &mut DbConn) -> AppResult<Vec<Account>> {
    Ok(accounts.filter(domain.is_null()).order(id.asc()).select(Account::as_select()).load(conn)?)
}

pub fn count_local(conn: &mut DbConn) -> AppResult<i64> {
    Ok(accounts.filter(domain.is_null()).filter(suspended_at.is_null()).count().get_result(conn)?)
}

/// Local statuses, from the local accounts' maintained counts (reblogs included, as each account's count).
pub fn sum_local_statuses(conn: &mut DbConn) -> AppResult<i64> {
    let sum: Option<i64> = accounts.filter(domain.is_null()).select(diesel::dsl::sum(statuses_count)).first(conn)?;
    Ok(sum.unwrap_or(0))
}

pub fn count_domains(conn: &mut DbConn) -> AppResult<i64> {
    Ok(accounts.filter(domain.is_not_null()).select(domain).distinct().count().get_result(conn)?)
}

pub fn update_profile(conn: &mut DbConn, account_id: AccountId, changes: &ProfileChanges) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(changes.clone()).execute(conn)?;
    Ok(())
}

pub fn refresh_remote(conn: &mut DbConn, account_id: AccountId, changes: &RemoteActorChanges) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(changes.clone()).execute(conn)?;
    Ok(())
}

pub fn set_display_name(conn: &mut DbConn, account_id: AccountId, name: &str, at: chrono::NaiveDateTime) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set((display_name.eq(name), updated_at.eq(at))).execute(conn)?;
    Ok(())
}

pub fn set_suspended(conn: &mut DbConn, account_id: AccountId, at: Option<chrono::NaiveDateTime>) -> AppResult<bool> {
    note(Stale::Account(account_id));
    note(Stale::InstanceStats);
    Ok(diesel::update(accounts.find(account_id)).set(suspended_at.eq(at)).execute(conn)? == 1)
}

pub fn add_followers(conn: &mut DbConn, account_id: AccountId, delta: i32) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(followers_count.eq(followers_count + delta)).execute(conn)?;
    Ok(())
}

pub fn add_following(conn: &mut DbConn, account_id: AccountId, delta: i32) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts.find(account_id)).set(following_count.eq(following_count + delta)).execute(conn)?;
    Ok(())
}

pub fn add_statuses(conn: &mut DbConn, account_id: AccountId, delta: i32, at: Option<chrono::NaiveDateTime>) -> AppResult<()> {
    note(Stale::Account(account_id));
    note(Stale::InstanceStats);
    let target = accounts.find(account_id);
    match at {
        Some(at) => diesel::update(target)
            .set((statuses_count.eq(statuses_count + delta), last_status_at.eq(at)))
            .execute(conn)?,
        None => diesel::update(target).set(statuses_count.eq(statuses_count + delta)).execute(conn)?,
    };
    Ok(())
}

/// Accounts whose username starts with, or display name contains, the text (case-insensitive).
pub fn search(conn: &mut DbConn, text: &str, limit: i64, offset: i64) -> AppResult<Vec<Account>> {
    let lowered = crate::db::escape_like(&text.to_lowercase());
    Ok(accounts
        .filter(suspended_at.is_null())
        .filter(
            lower(username)
                .like(format!("{lowered}%"))
                .escape('\\')
                .or(lower(display_name).like(format!("%{lowered}%")).escape('\\')),
        )
        .order((domain.is_not_null(), followers_count.desc(), id.asc()))
        .limit(limit)
        .offset(offset)
        .select(Account::as_select())
        .load(conn)?)
}

pub fn find_by_uri(conn: &mut DbConn, account_uri: &str) -> AppResult<Option<Account>> {
    Ok(accounts.filter(uri.eq(account_uri)).select(Account::as_select()).first(conn).optional()?)
}

/// Discoverable accounts for the directory: `order` "new" (by creation) or "active" (by last post),
/// local only when asked.
pub fn directory(conn: &mut DbConn, local_only: bool, newest_first: bool, limit: i64, offset: i64) -> AppResult<Vec<Account>> {
    let mut query = accounts
        .filter(discoverable.eq(true))
        .filter(suspended_at.is_null())
        .select(Account::as_select())
        .into_boxed();
    if local_only {
        query = query.filter(domain.is_null());
    }
    query = if newest_first {
        query.order(created_at.desc())
    } else {
        query.filter(last_status_at.is_not_null()).order(last_status_at.desc())
    };
    Ok(query.limit(limit).offset(offset).load(conn)?)
}

/// Local accounts with the most followers, for suggestions.
pub fn most_followed_local(conn: &mut DbConn, limit: i64) -> AppResult<Vec<Account>> {
    Ok(accounts
        .filter(domain.is_null())
        .filter(suspended_at.is_null())
        .filter(discoverable.eq(true))
        .order((followers_count.desc(), id.asc()))
        .limit(limit)
        .select(Account::as_select())
        .load(conn)?)
}
