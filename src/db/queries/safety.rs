//! Mutes, blocks and a user's domain blocks.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::{Account, Block, Mute};
use crate::db::schema::{accounts, blocks, mutes, user_domain_blocks};
use crate::db::{insert_if_absent, load_page, DbConn, Page};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn find_mute(conn: &mut DbConn, owner: AccountId, target: AccountId) -> AppResult<Option<Mute>> {
    Ok(mutes::table
        .filter(mutes::account_id.eq(owner))
        .filter(mutes::target_account_id.eq(target))
        .select(Mute::as_select())
        .first(conn)
        .optional()?)
}

/// Sets a mute, replacing an earlier one of the same pair.
pub fn put_mute(conn: &mut DbConn, mute: &Mute) -> AppResult<()> {
    note(Stale::Viewer(mute.account_id));
    delete_mute(conn, mute.account_id, mute.target_account_id)?;
    diesel::insert_into(mutes::table).values(mute).execute(conn)?;
    Ok(())
}

pub fn delete_mute(conn: &mut DbConn, owner: AccountId, target: AccountId) -> AppResult<()> {
    note(Stale::Viewer(owner));
    diesel::delete(mutes::table.filter(mutes::account_id.eq(owner)).filter(mutes::target_account_id.eq(target))).execute(conn)?;
    Ok(())
}

/// Every mute of `owner`, those over too.
pub fn mutes_of(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<Mute>> {
    Ok(mutes::table.filter(mutes::account_id.eq(owner)).select(Mute::as_select()).load(conn)?)
}

/// Mutes in force at `now` (those with an expiry past it are over).
pub fn active_mutes(conn: &mut DbConn, owner: AccountId, now: NaiveDateTime) -> AppResult<Vec<Mute>> {
    Ok(mutes::table
        .filter(mutes::account_id.eq(owner))
        .filter(mutes::expires_at.is_null().or(mutes::expires_at.gt(now)))
        .select(Mute::as_select())
        .load(conn)?)
}

pub fn mutes_page(conn: &mut DbConn, owner: AccountId, now: NaiveDateTime, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let query = mutes::table
        .inner_join(accounts::table.on(accounts::id.eq(mutes::target_account_id)))
        .filter(mutes::account_id.eq(owner))
        .filter(mutes::expires_at.is_null().or(mutes::expires_at.gt(now)))
        .select((mutes::id, Account::as_select()))
        .into_boxed();
    Ok(load_page!(query, mutes::id, page, conn))
}

/// The mutes in force at `now`, with the muted accounts, the latest first (exports).
pub fn mutes_with_accounts(conn: &mut DbConn, owner: AccountId, now: NaiveDateTime) -> AppResult<Vec<(Mute, Account)>> {
    Ok(mutes::table
        .inner_join(accounts::table.on(accounts::id.eq(mutes::target_account_id)))
        .filter(mutes::account_id.eq(owner))
        .filter(mutes::expires_at.is_null().or(mutes::expires_at.gt(now)))
        .order(mutes::id.desc())
        .select((Mute::as_select(), Account::as_select()))
        .load(conn)?)
}

/// The accounts `owner` blocks, the latest block first (exports).
pub fn blocked_accounts(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<Account>> {
    Ok(blocks::table
        .inner_join(accounts::table.on(accounts::id.eq(blocks::target_account_id)))
        .filter(blocks::account_id.eq(owner))
        .order(blocks::id.desc())
        .select(Account::as_select())
        .load(conn)?)
}

pub fn find_block(conn: &mut DbConn, owner: AccountId, target: AccountId) -> AppResult<Option<Block>> {
    Ok(blocks::table
        .filter(blocks::account_id.eq(owner))
        .filter(blocks::target_account_id.eq(target))
        .select(Block::as_select())
        .first(conn)
        .optional()?)
}

/// Adds a block; false when it existed.
pub fn insert_block(conn: &mut DbConn, block: &Block) -> AppResult<bool> {
    note(Stale::Viewer(block.account_id));
    note(Stale::Viewer(block.target_account_id));
    insert_if_absent(conn, |conn| {
        diesel::insert_into(blocks::table).values(block).execute(conn)?;
        Ok(())
    })
}

pub fn delete_block(conn: &mut DbConn, owner: AccountId, target: AccountId) -> AppResult<()> {
    note(Stale::Viewer(owner));
    note(Stale::Viewer(target));
    diesel::delete(blocks::table.filter(blocks::account_id.eq(owner)).filter(blocks::target_account_id.eq(target))).execute(conn)?;
    Ok(())
}

/// Accounts `owner` blocks, and accounts that block `owner`.
pub fn blocked_either_way(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<AccountId>> {
    let mut ids: Vec<AccountId> = blocks::table.filter(blocks::account_id.eq(owner)).select(blocks::target_account_id).load(conn)?;
    ids.extend(blocks::table.filter(blocks::target_account_id.eq(owner)).select(blocks::account_id).load::<AccountId>(conn)?);
    Ok(ids)
}

pub fn blocks_page(conn: &mut DbConn, owner: AccountId, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    let query = blocks::table
        .inner_join(accounts::table.on(accounts::id.eq(blocks::target_account_id)))
        .filter(blocks::account_id.eq(owner))
        .select((blocks::id, Account::as_select()))
        .into_boxed();
    Ok(load_page!(query, blocks::id, page, conn))
}

pub fn insert_domain_block(conn: &mut DbConn, owner: AccountId, blocked: &str, at: NaiveDateTime) -> AppResult<()> {
    note(Stale::Viewer(owner));
    insert_if_absent(conn, |conn| {
        diesel::insert_into(user_domain_blocks::table)
            .values((
                user_domain_blocks::id.eq(crate::ids::next_id()),
                user_domain_blocks::account_id.eq(owner),
                user_domain_blocks::domain.eq(blocked),
                user_domain_blocks::created_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

pub fn delete_domain_block(conn: &mut DbConn, owner: AccountId, blocked: &str) -> AppResult<()> {
    note(Stale::Viewer(owner));
    diesel::delete(user_domain_blocks::table.filter(user_domain_blocks::account_id.eq(owner)).filter(user_domain_blocks::domain.eq(blocked)))
        .execute(conn)?;
    Ok(())
}

/// (block id, domain), paginated.
pub fn domain_blocks_page(conn: &mut DbConn, owner: AccountId, page: &Page) -> AppResult<Vec<(i64, String)>> {
    let query = user_domain_blocks::table
        .filter(user_domain_blocks::account_id.eq(owner))
        .select((user_domain_blocks::id, user_domain_blocks::domain))
        .into_boxed();
    Ok(load_page!(query, user_domain_blocks::id, page, conn))
}

/// Accounts on the domains `owner` blocked.
pub fn accounts_on_blocked_domains(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<AccountId>> {
    let blocked = user_domain_blocks::table.filter(user_domain_blocks::account_id.eq(owner)).select(user_domain_blocks::domain.nullable());
    Ok(accounts::table.filter(accounts::domain.eq_any(blocked)).select(accounts::id).load(conn)?)
}

pub fn blocked_domains(conn: &mut DbConn, owner: AccountId) -> AppResult<Vec<String>> {
    Ok(user_domain_blocks::table.filter(user_domain_blocks::account_id.eq(owner)).select(user_domain_blocks::domain).load(conn)?)
}
