//! Key pairs for signing: one per local account, one for the instance actor; made when first needed.

use crate::db::models::{Account, AccountKey, InstanceKeys};
use crate::db::queries::{accounts, keys};
use crate::db::{insert_if_absent, DbConn};
use crate::error::{AppError, AppResult};
use crate::ids::{self, AccountId};

/// A key to sign with: its id (as peers fetch it) and its private PEM.
#[derive(Debug, Clone)]
pub struct SigningKey {
    pub key_id: String,
    pub private_key_pem: String,
}

fn generate() -> AppResult<activitypub_federation::http_signatures::Keypair> {
    activitypub_federation::http_signatures::generate_actor_keypair()
        .map_err(|e| AppError::Internal(format!("key generation: {e}")))
}

/// The instance actor's key pair, made on first use.
pub fn instance(conn: &mut DbConn) -> AppResult<InstanceKeys> {
    if let Some(existing) = keys::instance(conn)? {
        return Ok(existing);
    }
    let pair = generate()?;
    let created = InstanceKeys { id: 1, public_key_pem: pair.public_key, private_key_pem: pair.private_key, created_at: ids::now() };
    insert_if_absent(conn, |conn| keys::insert_instance(conn, &created))?;
    keys::instance(conn)?.ok_or(AppError::NotFound)
}

/// A local account with its public key, the pair made on first use (the private half in its own table).
pub fn with_keys(conn: &mut DbConn, account: Account) -> AppResult<Account> {
    if !account.is_local() || keys::account_key(conn, account.id)?.is_some() {
        return Ok(account);
    }
    let pair = generate()?;
    let key = AccountKey { account_id: account.id, private_key_pem: pair.private_key, created_at: ids::now() };
    // A concurrent request may have made one first: then its pair stands and this one is dropped.
    if insert_if_absent(conn, |conn| keys::insert_account_key(conn, &key))? {
        keys::set_public_key(conn, account.id, &pair.public_key)?;
    }
    accounts::find(conn, account.id)?.ok_or(AppError::NotFound)
}

pub fn account_signing_key(conn: &mut DbConn, account_id: AccountId) -> AppResult<SigningKey> {
    let account = accounts::find(conn, account_id)?.ok_or(AppError::NotFound)?;
    let account = with_keys(conn, account)?;
    let key = keys::account_key(conn, account.id)?.ok_or(AppError::NotFound)?;
    Ok(SigningKey { key_id: format!("{}#main-key", account.uri), private_key_pem: key.private_key_pem })
}

pub fn instance_signing_key(conn: &mut DbConn, instance_actor_uri: &str) -> AppResult<SigningKey> {
    let keys = instance(conn)?;
    Ok(SigningKey { key_id: format!("{instance_actor_uri}#main-key"), private_key_pem: keys.private_key_pem })
}
