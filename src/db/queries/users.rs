use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::kinds::{Role, Visibility};
use crate::db::models::{Account, User};
use crate::db::schema::{accounts, users};
use crate::db::{lower, DbConn};
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert(conn: &mut DbConn, user: &User) -> AppResult<()> {
    diesel::insert_into(users::table).values(user.clone()).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, account_id: AccountId) -> AppResult<Option<User>> {
    Ok(users::table.find(account_id).select(User::as_select()).first(conn).optional()?)
}

/// A local user by email or by username, as the password grant and the sign-in page accept both.
pub fn find_by_login(conn: &mut DbConn, login: &str) -> AppResult<Option<(User, Account)>> {
    let login = login.trim().to_lowercase();
    let login = login.strip_prefix('@').unwrap_or(&login).to_owned();
    Ok(users::table
        .inner_join(accounts::table)
        .filter(users::email.eq(&login).or(lower(accounts::username).eq(&login)))
        .select((User::as_select(), Account::as_select()))
        .first(conn)
        .optional()?)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> AppResult<Option<User>> {
    Ok(users::table.filter(users::email.eq(email.trim().to_lowercase())).select(User::as_select()).first(conn).optional()?)
}

pub fn set_email(conn: &mut DbConn, account_id: AccountId, email: &str) -> AppResult<()> {
    note(Stale::User(account_id));
    diesel::update(users::table.find(account_id)).set(users::email.eq(email)).execute(conn)?;
    Ok(())
}

pub fn set_password(conn: &mut DbConn, account_id: AccountId, hash: &str) -> AppResult<bool> {
    note(Stale::User(account_id));
    Ok(diesel::update(users::table.find(account_id)).set(users::password_hash.eq(hash)).execute(conn)? == 1)
}

pub fn set_approved(conn: &mut DbConn, account_id: AccountId) -> AppResult<()> {
    note(Stale::User(account_id));
    diesel::update(users::table.find(account_id)).set(users::approved.eq(true)).execute(conn)?;
    Ok(())
}

pub fn set_role(conn: &mut DbConn, account_id: AccountId, role: Role) -> AppResult<()> {
    note(Stale::User(account_id));
    diesel::update(users::table.find(account_id)).set(users::role.eq(role.as_str())).execute(conn)?;
    Ok(())
}

/// What a person's new posts are unless they say otherwise.
pub struct PostingDefaults<'a> {
    pub visibility: Visibility,
    pub sensitive: bool,
    pub language: Option<&'a str>,
    /// None follows the instance's default.
    pub local_only: Option<bool>,
}

pub fn set_posting_defaults(conn: &mut DbConn, account_id: AccountId, defaults: PostingDefaults) -> AppResult<()> {
    note(Stale::User(account_id));
    diesel::update(users::table.find(account_id))
        .set((
            users::default_visibility.eq(defaults.visibility.as_str()),
            users::default_sensitive.eq(defaults.sensitive),
            users::default_language.eq(defaults.language),
            users::default_local_only.eq(defaults.local_only),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_disabled(conn: &mut DbConn, account_id: AccountId, is_disabled: bool) -> AppResult<()> {
    note(Stale::User(account_id));
    diesel::update(users::table.find(account_id)).set(users::disabled.eq(is_disabled)).execute(conn)?;
    Ok(())
}

/// Where and when they last signed in, for moderators and IP blocks.
pub fn record_sign_in(conn: &mut DbConn, account_id: AccountId, ip: &str, at: chrono::NaiveDateTime) -> AppResult<()> {
    note(Stale::User(account_id));
    diesel::update(users::table.find(account_id))
        .set((users::last_sign_in_ip.eq(ip), users::last_sign_in_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

pub fn record_registration(conn: &mut DbConn, account_id: AccountId, ip: Option<&str>, reason: Option<&str>) -> AppResult<()> {
    note(Stale::User(account_id));
    diesel::update(users::table.find(account_id))
        .set((users::sign_up_ip.eq(ip), users::registration_reason.eq(reason)))
        .execute(conn)?;
    Ok(())
}
