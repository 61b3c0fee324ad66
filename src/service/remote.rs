//! Remote accounts and content as stored here: created or refreshed from what their instance serves.

use crate::db::kinds::DomainBlockSeverity;
use crate::db::models::{Account, RemoteActorChanges};
use crate::db::queries::accounts;
use crate::db::{insert_if_absent, DbConn};
use crate::error::{AppError, AppResult};

/// Longer addresses than any real server makes are refused (and would not fit PostgreSQL's index rows).
pub const MAX_URI_LENGTH: usize = 2048;

/// Stores a remote account by its URI: inserted when new, its profile refreshed (keeping our id, counters and
/// suspension) when known.
pub fn upsert_account(conn: &mut DbConn, fetched: Account) -> AppResult<Account> {
    if fetched.is_local() {
        return Err(AppError::validation("a remote account must have a domain"));
    }
    let addresses = [&fetched.uri, &fetched.url, &fetched.inbox_url, &fetched.followers_url];
    if addresses.iter().any(|address| address.len() > MAX_URI_LENGTH) {
        return Err(AppError::validation("an address of the account is too long"));
    }
    let stored = match accounts::find_by_uri(conn, &fetched.uri)? {
        Some(existing) => {
            accounts::refresh_remote(conn, existing.id, &RemoteActorChanges::from_fetched(&fetched))?;
            accounts::find(conn, existing.id)?.ok_or(AppError::NotFound)?
        }
        None => {
            let fetched = under_domain_policy(conn, fetched)?;
            if !insert_if_absent(conn, |conn| accounts::insert(conn, &fetched))? {
                return accounts::find_by_uri(conn, &fetched.uri)?.ok_or(AppError::NotFound);
            }
            fetched
        }
    };
    crate::service::account_search::refresh(conn, &stored)?;
    Ok(stored)
}

/// A new account of a blocked domain starts as the block made its domain's others: silenced or suspended at
/// the block's time (so that lifting the block lifts it too).
fn under_domain_policy(conn: &mut DbConn, mut fetched: Account) -> AppResult<Account> {
    let authority = fetched.domain.clone().unwrap_or_default();
    if let Some(block) = crate::service::instance_blocks::domain_policy(conn, &authority)? {
        match block.severity {
            DomainBlockSeverity::Silence => fetched.silenced_at = Some(block.created_at),
            DomainBlockSeverity::Suspend => fetched.suspended_at = Some(block.created_at),
            DomainBlockSeverity::Noop => {}
        }
    }
    Ok(fetched)
}

/// A remote account deleted on its instance: hidden here, as a suspension hides it.
pub fn remove_account(conn: &mut DbConn, account: &Account) -> AppResult<()> {
    accounts::set_suspended(conn, account.id, Some(crate::ids::now()))?;
    Ok(())
}

pub fn restore_account(conn: &mut DbConn, account: &Account) -> AppResult<()> {
    if account.suspended_at.is_some() {
        accounts::set_suspended(conn, account.id, None)?;
    }
    Ok(())
}

pub fn find_by_uri(conn: &mut DbConn, uri: &str) -> AppResult<Option<Account>> {
    accounts::find_by_uri(conn, uri)
}
