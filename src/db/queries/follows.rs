use diesel::prelude::*;

use crate::db::models::{Account, Follow};
use crate::db::schema::{accounts, follows};
use crate::db::{load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, follow: &Follow) -> AppResult<()> {
    diesel::insert_into(follows::table).values(follow).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, account_id: AccountId, target_id: AccountId) -> AppResult<Option<Follow>> {
    Ok(follows::table
        .filter(follows::account_id.eq(account_id))
        .filter(follows::target_account_id.eq(target_id))
        .select(Follow::as_select())
        .first(conn)
        .optional()?)
}

pub fn update_options(conn: &mut DbConn, follow_id: i64, show_reblogs: bool, notify: bool) -> AppResult<()> {
    diesel::update(follows::table.find(follow_id))
        .set((follows::show_reblogs.eq(show_reblogs), follows::notify.eq(notify)))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, follow_id: i64) -> AppResult<()> {
    diesel::delete(follows::table.find(follow_id)).execute(conn)?;
    Ok(())
}

/// Everyone `account_id` follows, with the follow's options, the latest first (exports).
pub fn following_with_options(conn: &mut DbConn, account_id: AccountId) -> AppResult<Vec<(Follow, Account)>> {
    Ok(follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::target_account_id)))
        .filter(follows::account_id.eq(account_id))
        .order(follows::id.desc())
        .select((Follow::as_select(), Account::as_select()))
        .load(conn)?)
}

/// Follows from `account_id` to any of `target_ids`.
pub fn following_among(conn: &mut DbConn, account_id: AccountId, target_ids: &[AccountId]) -> AppResult<Vec<Follow>> {
    Ok(follows::table
        .filter(follows::account_id.eq(account_id))
        .filter(follows::target_account_id.eq_any(target_ids))
        .select(Follow::as_select())
        .load(conn)?)
}

/// Which of `account_ids` follow `target_id`.
pub fn followers_among(conn: &mut DbConn, target_id: AccountId, account_ids: &[AccountId]) -> AppResult<Vec<AccountId>> {
    Ok(follows::table
        .filter(follows::target_account_id.eq(target_id))
        .filter(follows::account_id.eq_any(account_ids))
        .select(follows::account_id)
        .load(conn)?)
}

/// Accounts `viewer_id` follows that follow `target_id`, most recently followed first.
pub fn familiar_followers(conn: &mut DbConn, viewer_id: AccountId, target_id: AccountId, limit: i64) -> AppResult<Vec<Account>> {
    let theirs = diesel::alias!(follows as theirs);
    let followers_of_target = theirs.filter(theirs.field(follows::target_account_id).eq(target_id)).select(theirs.field(follows::account_id));
    Ok(follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::target_account_id)))
        .filter(follows::account_id.eq(viewer_id))
        .filter(follows::target_account_id.eq_any(followers_of_target))
        .filter(accounts::suspended_at.is_null())
        .order(follows::id.desc())
        .limit(limit)
        .select(Account::as_select())
        .load(conn)?)
}

/// The local followers of an account, with their follow, for fan-out.
pub fn local_followers(conn: &mut DbConn, target_id: AccountId) -> AppResult<Vec<Follow>> {
    Ok(follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(target_id))
        .filter(accounts::domain.is_null())
        .select(Follow::as_select())
        .load(conn)?)
}

/// (follow id, follower), paginated by follow id.
pub fn followers_page(conn: &mut DbConn, target_id: AccountId, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let query = follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(target_id))
        .select((follows::id, Account::as_select()))
        .into_boxed();
    Ok(load_page!(query, follows::id, page, conn))
}

/// (follow id, followed account), paginated by follow id.
pub fn following_page(conn: &mut DbConn, account_id: AccountId, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let query = follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::target_account_id)))
        .filter(follows::account_id.eq(account_id))
        .select((follows::id, Account::as_select()))
        .into_boxed();
    Ok(load_page!(query, follows::id, page, conn))
}

/// Inboxes of an account's remote followers (shared inboxes where they have one), each once.
pub fn remote_follower_inboxes(conn: &mut DbConn, target_id: AccountId) -> AppResult<Vec<String>> {
    let rows: Vec<(String, Option<String>)> = follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(target_id))
        .filter(accounts::domain.is_not_null())
        .filter(accounts::suspended_at.is_null())
        .select((accounts::inbox_url, accounts::shared_inbox_url))
        .load(conn)?;
    let mut inboxes: Vec<String> =
        rows.into_iter().map(|(inbox, shared)| shared.filter(|s| !s.is_empty()).unwrap_or(inbox)).collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

pub fn find_by_uri(conn: &mut DbConn, follow_uri: &str) -> AppResult<Option<Follow>> {
    Ok(follows::table.filter(follows::uri.eq(follow_uri)).select(Follow::as_select()).first(conn).optional()?)
}

/// Everyone the account follows.
pub fn following_ids(conn: &mut DbConn, account_id: AccountId) -> AppResult<Vec<AccountId>> {
    Ok(follows::table.filter(follows::account_id.eq(account_id)).select(follows::target_account_id).load(conn)?)
}

/// Everyone who follows the account.
pub fn follower_ids(conn: &mut DbConn, target_id: AccountId) -> AppResult<Vec<AccountId>> {
    Ok(follows::table.filter(follows::target_account_id.eq(target_id)).select(follows::account_id).load(conn)?)
}
