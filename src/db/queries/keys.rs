use diesel::prelude::*;

use crate::db::models::InstanceKeys;
use crate::db::schema::{accounts, instance_keys};
use crate::db::DbConn;
use crate::error::AppResult;

pub fn instance(conn: &mut DbConn) -> AppResult<Option<InstanceKeys>> {
    Ok(instance_keys::table.find(1).select(InstanceKeys::as_select()).first(conn).optional()?)
}

pub fn insert_instance(conn: &mut DbConn, keys: &InstanceKeys) -> AppResult<()> {
    diesel::insert_into(instance_keys::table).values(keys).execute(conn)?;
    Ok(())
}

/// Stores a local account's key pair unless it has one already (a concurrent request may have won).
pub fn set_account_keys(conn: &mut DbConn, account_id: i64, public_pem: &str, private_pem: &str) -> AppResult<()> {
    diesel::update(accounts::table.find(account_id).filter(accounts::private_key_pem.is_null()))
        .set((accounts::public_key_pem.eq(public_pem), accounts::private_key_pem.eq(private_pem)))
        .execute(conn)?;
    Ok(())
}
