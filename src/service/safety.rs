//! Mutes, blocks and domain blocks: what one user keeps out of their view, and who may reach them.

use crate::db::Tx;
use crate::db::tx::Outbound;
use crate::db::models::{Account, Block, Mute};
use crate::db::queries::{accounts, safety};
use crate::db::views::ViewerState;
use crate::db::{DbConn, Page, Reader};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};
use crate::service::accounts::{relationships, Relationship};
use crate::service::follows;

fn target(conn: &mut DbConn, me: &Account, target_id: AccountId) -> AppResult<Account> {
    let target = accounts::find(conn, target_id)?.ok_or(AppError::NotFound)?;
    if target.id == me.id {
        return Err(AppError::Forbidden("This action is not allowed".into()));
    }
    Ok(target)
}

fn relationship(conn: &mut DbConn, me: &Account, target_id: AccountId) -> AppResult<Relationship> {
    relationships(conn, me, &[target_id])?.pop().ok_or(AppError::NotFound)
}

/// Mutes an account, with or without its notifications, for `duration` seconds (0 or none: until unmuted).
pub fn mute(conn: &mut DbConn, me: &Account, target_id: AccountId, notifications: bool, duration: Option<i64>) -> AppResult<Relationship> {
    let target = target(conn, me, target_id)?;
    let now = ids::now();
    let expires_at = duration.filter(|d| *d > 0).map(|d| now + chrono::Duration::seconds(d.min(10 * 365 * 86_400)));
    safety::put_mute(conn, &Mute { id: ids::next_id(), account_id: me.id, target_account_id: target.id, hide_notifications: notifications, expires_at, created_at: now })?;
    relationship(conn, me, target.id)
}

pub fn unmute(conn: &mut DbConn, me: &Account, target_id: AccountId) -> AppResult<Relationship> {
    let target = target(conn, me, target_id)?;
    safety::delete_mute(conn, me.id, target.id)?;
    relationship(conn, me, target.id)
}

/// Blocks an account: follows end both ways, and a remote account's instance is told (Block).
pub fn block(tx: &mut Tx, me: &Account, target_id: AccountId) -> AppResult<Relationship> {
    let target = target(tx, me, target_id)?;
    let id = ids::next_id();
    let uri = format!("{}/blocks/{id}", me.uri);
    if safety::insert_block(tx, &Block { id, account_id: me.id, target_account_id: target.id, uri: Some(uri.clone()), created_at: ids::now() })? {
        end_follows_both_ways(tx, me, &target)?;
        tx.federate(Outbound::Blocked { blocker: me, target: &target, uri: &uri })?;
    }
    relationship(tx, me, target.id)
}

pub fn unblock(tx: &mut Tx, me: &Account, target_id: AccountId) -> AppResult<Relationship> {
    let target = target(tx, me, target_id)?;
    if let Some(block) = safety::find_block(tx, me.id, target.id)? {
        safety::delete_block(tx, me.id, target.id)?;
        if let Some(uri) = block.uri {
            tx.federate(Outbound::Unblocked { blocker: me, target: &target, uri: &uri })?;
        }
    }
    relationship(tx, me, target.id)
}

fn end_follows_both_ways(tx: &mut Tx, me: &Account, target: &Account) -> AppResult<()> {
    if let Some(uri) = follows::end_follow(tx, me, target)? {
        tx.federate(Outbound::Unfollowed { follower: me, target, follow_uri: &uri })?;
    }
    follows::end_follow(tx, target, me)?;
    Ok(())
}

/// A remote account blocks a local one (Block received): follows end both ways, the block is kept.
pub fn blocked_by_remote(conn: &mut DbConn, blocker: &Account, target: &Account, uri: &str) -> AppResult<()> {
    if safety::insert_block(conn, &Block { id: ids::next_id(), account_id: blocker.id, target_account_id: target.id, uri: Some(uri.to_owned()), created_at: ids::now() })? {
        follows::end_follow(conn, blocker, target)?;
        follows::end_follow(conn, target, blocker)?;
    }
    Ok(())
}

pub fn unblocked_by_remote(conn: &mut DbConn, blocker: &Account, target: &Account) -> AppResult<()> {
    safety::delete_block(conn, blocker.id, target.id)
}

pub fn mutes(conn: &mut DbConn, me: &Account, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    safety::mutes_page(conn, me.id, ids::now(), page)
}

pub fn blocks(conn: &mut DbConn, me: &Account, page: &Page) -> AppResult<Vec<(i64, Account)>> {
    safety::blocks_page(conn, me.id, page)
}

/// Blocks a whole domain for one user: its accounts leave their view and their follows end.
pub fn block_domain(tx: &mut Tx, me: &Account, domain: &str) -> AppResult<()> {
    let domain = crate::service::peers::normalize_host(domain)?;
    safety::insert_domain_block(tx, me.id, &domain, ids::now())?;
    for account_id in safety::accounts_on_blocked_domains(tx, me.id)? {
        if let Some(account) = accounts::find(tx, account_id)? {
            end_follows_both_ways(tx, me, &account)?;
        }
    }
    Ok(())
}

pub fn unblock_domain(conn: &mut DbConn, me: &Account, domain: &str) -> AppResult<()> {
    let domain = crate::service::peers::normalize_host(domain)?;
    safety::delete_domain_block(conn, me.id, &domain)
}

pub fn domain_blocks(conn: &mut DbConn, me: &Account, page: &Page) -> AppResult<Vec<(i64, String)>> {
    safety::domain_blocks_page(conn, me.id, page)
}

/// Authors a viewer does not see: muted, blocked either way, or on a domain they blocked.
pub fn hidden_authors(conn: &mut DbConn, viewer: AccountId) -> AppResult<Vec<AccountId>> {
    let state = ViewerState {
        mutes: safety::mutes_of(conn, viewer)?,
        blocked_either_way: safety::blocked_either_way(conn, viewer)?,
        blocked_domains: safety::blocked_domains(conn, viewer)?,
        ..ViewerState::default()
    };
    hidden_by(&state, || safety::accounts_on_blocked_domains(conn, viewer))
}

/// The same, from what is cached of the viewer.
pub fn hidden_authors_cached(reader: &mut Reader, viewer: AccountId, state: &ViewerState) -> AppResult<Vec<AccountId>> {
    hidden_by(state, || safety::accounts_on_blocked_domains(reader.conn()?, viewer))
}

/// The rule of both: mutes in force, blocks either way, and the accounts on blocked domains (asked for only
/// when there are blocked domains).
fn hidden_by(state: &ViewerState, on_blocked_domains: impl FnOnce() -> AppResult<Vec<AccountId>>) -> AppResult<Vec<AccountId>> {
    let now = ids::now();
    let mut hidden: Vec<AccountId> =
        state.mutes.iter().filter(|m| m.expires_at.is_none_or(|at| at > now)).map(|m| m.target_account_id).collect();
    hidden.extend(&state.blocked_either_way);
    if !state.blocked_domains.is_empty() {
        hidden.extend(on_blocked_domains()?);
    }
    hidden.sort_unstable();
    hidden.dedup();
    Ok(hidden)
}

/// Whether `recipient` wants no notifications from `sender` (blocked, domain-blocked, or muted with them).
pub fn silences(conn: &mut DbConn, recipient: AccountId, sender: AccountId) -> AppResult<bool> {
    let muted = safety::active_mutes(conn, recipient, ids::now())?.iter().any(|m| m.target_account_id == sender && m.hide_notifications);
    Ok(muted
        || safety::blocked_either_way(conn, recipient)?.contains(&sender)
        || safety::accounts_on_blocked_domains(conn, recipient)?.contains(&sender))
}

/// Whether either account blocks the other.
pub fn blocked_between(conn: &mut DbConn, a: AccountId, b: AccountId) -> AppResult<bool> {
    Ok(safety::blocked_either_way(conn, a)?.contains(&b))
}
