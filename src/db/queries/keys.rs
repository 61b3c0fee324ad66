use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::{AccountKey, InstanceKeys};
use crate::db::schema::{account_keys, accounts, instance_keys};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn instance(conn: &mut DbConn) -> AppResult<Option<InstanceKeys>> {
    Ok(instance_keys::table.find(1).select(InstanceKeys::as_select()).first(conn).optional()?)
}

pub fn insert_instance(conn: &mut DbConn, keys: &InstanceKeys) -> AppResult<()> {
    diesel::insert_into(instance_keys::table).values(keys).execute(conn)?;
    Ok(())
}

pub fn account_key(conn: &mut DbConn, account_id: AccountId) -> AppResult<Option<AccountKey>> {
    Ok(account_keys::table.find(account_id).select(AccountKey::as_select()).first(conn).optional()?)
}

/// Stores a local account's private key (fails on a unique violation when it has one already).
pub fn insert_account_key(conn: &mut DbConn, key: &AccountKey) -> AppResult<()> {
    diesel::insert_into(account_keys::table).values(key).execute(conn)?;
    Ok(())
}

pub fn set_public_key(conn: &mut DbConn, account_id: AccountId, public_pem: &str) -> AppResult<()> {
    note(Stale::Account(account_id));
    diesel::update(accounts::table.find(account_id)).set(accounts::public_key_pem.eq(public_pem)).execute(conn)?;
    Ok(())
}
