use diesel::prelude::*;

use crate::db::cache::{note, Stale};

use crate::db::models::{OauthApp, OauthCode, OauthToken};
use crate::db::schema::{oauth_apps, oauth_codes, oauth_tokens};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::AccountId;

pub fn insert_app(conn: &mut DbConn, app: &OauthApp) -> AppResult<()> {
    diesel::insert_into(oauth_apps::table).values(app.clone()).execute(conn)?;
    Ok(())
}

pub fn find_app(conn: &mut DbConn, app_id: i64) -> AppResult<Option<OauthApp>> {
    Ok(oauth_apps::table.find(app_id).select(OauthApp::as_select()).first(conn).optional()?)
}

pub fn find_apps(conn: &mut DbConn, ids: &[i64]) -> AppResult<Vec<OauthApp>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(oauth_apps::table.filter(oauth_apps::id.eq_any(ids)).select(OauthApp::as_select()).load(conn)?)
}

pub fn find_app_by_client_id(conn: &mut DbConn, client_id: &str) -> AppResult<Option<OauthApp>> {
    Ok(oauth_apps::table
        .filter(oauth_apps::client_id.eq(client_id))
        .select(OauthApp::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_token(conn: &mut DbConn, token: &OauthToken) -> AppResult<()> {
    diesel::insert_into(oauth_tokens::table).values(token.clone()).execute(conn)?;
    Ok(())
}

pub fn find_token(conn: &mut DbConn, hash: &str) -> AppResult<Option<OauthToken>> {
    Ok(oauth_tokens::table
        .filter(oauth_tokens::token_hash.eq(hash))
        .select(OauthToken::as_select())
        .first(conn)
        .optional()?)
}

pub fn delete_token(conn: &mut DbConn, hash: &str, app_id: i64) -> AppResult<usize> {
    note(Stale::Token(hash.to_owned()));
    Ok(diesel::delete(
        oauth_tokens::table.filter(oauth_tokens::token_hash.eq(hash)).filter(oauth_tokens::app_id.eq(app_id)),
    )
    .execute(conn)?)
}

pub fn delete_tokens_of(conn: &mut DbConn, account_id: AccountId) -> AppResult<usize> {
    note(Stale::TokensOf(account_id));
    Ok(diesel::delete(oauth_tokens::table.filter(oauth_tokens::account_id.eq(account_id))).execute(conn)?)
}

pub fn insert_code(conn: &mut DbConn, code: &OauthCode) -> AppResult<()> {
    diesel::insert_into(oauth_codes::table).values(code.clone()).execute(conn)?;
    Ok(())
}

/// Finds and deletes a code, so that it can be exchanged once only.
pub fn take_code(conn: &mut DbConn, hash: &str) -> AppResult<Option<OauthCode>> {
    let code = oauth_codes::table.find(hash).select(OauthCode::as_select()).first(conn).optional()?;
    // Only the exchange that deletes the row gets the code, should two race.
    let deleted = diesel::delete(oauth_codes::table.find(hash)).execute(conn)?;
    Ok(code.filter(|_| deleted == 1))
}

pub fn delete_expired_codes(conn: &mut DbConn, now: chrono::NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::delete(oauth_codes::table.filter(oauth_codes::expires_at.lt(now))).execute(conn)?)
}

pub fn set_redirect_uris(conn: &mut DbConn, app_id: i64, uris: &str) -> AppResult<()> {
    diesel::update(oauth_apps::table.find(app_id)).set(oauth_apps::redirect_uris.eq(uris)).execute(conn)?;
    Ok(())
}
