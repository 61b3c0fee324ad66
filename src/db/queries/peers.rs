use diesel::prelude::*;

use crate::db::models::Peer;
use crate::db::schema::peers::dsl::*;
use crate::db::{load_page, DbConn, Page};
use crate::error::AppResult;

pub fn insert(conn: &mut DbConn, peer: &Peer) -> AppResult<()> {
    diesel::insert_into(peers).values(peer).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, peer_id: i64) -> AppResult<Option<Peer>> {
    Ok(peers.find(peer_id).select(Peer::as_select()).first(conn).optional()?)
}

pub fn find_by_host(conn: &mut DbConn, authority: &str) -> AppResult<Option<Peer>> {
    Ok(peers.filter(host.eq(authority)).select(Peer::as_select()).first(conn).optional()?)
}

/// Whether a host may federate: on the allowlist and not suspended by a domain block.
pub fn is_allowed(conn: &mut DbConn, authority: &str) -> AppResult<bool> {
    let found: i64 = peers.filter(host.eq(authority)).filter(allowed.eq(true)).count().get_result(conn)?;
    Ok(found > 0 && !super::instance_blocks::domains::suspends(conn, authority)?)
}

pub fn set_allowed(conn: &mut DbConn, peer_id: i64, is_allowed: bool, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(peers.find(peer_id)).set((allowed.eq(is_allowed), updated_at.eq(at))).execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut DbConn) -> AppResult<Vec<Peer>> {
    Ok(peers.order(host.asc()).select(Peer::as_select()).load(conn)?)
}

pub fn allowed_page(conn: &mut DbConn, page: &Page) -> AppResult<Vec<Peer>> {
    let query = peers.filter(allowed.eq(true)).select(Peer::as_select()).into_boxed();
    Ok(load_page!(query, id, page, conn))
}

pub fn record_success(conn: &mut DbConn, authority: &str, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(peers.filter(host.eq(authority))).set(last_success_at.eq(at)).execute(conn)?;
    Ok(())
}

pub fn record_error(conn: &mut DbConn, authority: &str, at: chrono::NaiveDateTime, error: &str) -> AppResult<()> {
    diesel::update(peers.filter(host.eq(authority)))
        .set((last_error_at.eq(at), last_error.eq(error)))
        .execute(conn)?;
    Ok(())
}
