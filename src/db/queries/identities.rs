use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::kinds::IdentityProvider;
use crate::db::models::{OidcLogin, UserIdentity};
use crate::db::schema::oidc_logins;
use crate::db::schema::user_identities::dsl::*;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, identity: &UserIdentity) -> AppResult<()> {
    diesel::insert_into(user_identities).values(identity.clone()).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, of_provider: IdentityProvider, of_subject: &str) -> AppResult<Option<UserIdentity>> {
    Ok(user_identities
        .filter(provider.eq(of_provider.as_str()))
        .filter(subject.eq(of_subject))
        .select(UserIdentity::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_account(conn: &mut DbConn, owner: AccountId) -> AppResult<Option<UserIdentity>> {
    Ok(user_identities.find(owner).select(UserIdentity::as_select()).first(conn).optional()?)
}

pub fn of_provider(conn: &mut DbConn, of_provider: IdentityProvider) -> AppResult<Vec<UserIdentity>> {
    Ok(user_identities.filter(provider.eq(of_provider.as_str())).select(UserIdentity::as_select()).order(account_id).load(conn)?)
}

pub fn set_disabled(conn: &mut DbConn, owner: AccountId, at: Option<NaiveDateTime>) -> AppResult<()> {
    diesel::update(user_identities.find(owner)).set(disabled_at.eq(at)).execute(conn)?;
    Ok(())
}

pub fn set_synced(conn: &mut DbConn, owner: AccountId, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(user_identities.find(owner)).set(synced_at.eq(at)).execute(conn)?;
    Ok(())
}

pub fn insert_oidc_login(conn: &mut DbConn, login: &OidcLogin) -> AppResult<()> {
    diesel::insert_into(oidc_logins::table).values(login.clone()).execute(conn)?;
    Ok(())
}

/// The sign-in with this state, removed (a state is good once), if it began after `since`.
pub fn take_oidc_login(conn: &mut DbConn, of_state: &str, since: NaiveDateTime) -> AppResult<Option<OidcLogin>> {
    let found: Option<OidcLogin> = oidc_logins::table.find(of_state).select(OidcLogin::as_select()).first(conn).optional()?;
    diesel::delete(oidc_logins::table.find(of_state)).execute(conn)?;
    Ok(found.filter(|login| login.created_at > since))
}

pub fn prune_oidc_logins(conn: &mut DbConn, before: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::delete(oidc_logins::table.filter(oidc_logins::created_at.lt(before))).execute(conn)?)
}
